"""The benchmark's R1 to R6 harness, at a tiny scale: real sandbox, real workers, this database."""

import pytest

from accounts.models import Workspace
from dashboard.bench import resilience
from dashboard.models import SyncState

pytestmark = pytest.mark.integration

TINY = resilience.Scale(
    backlog_profiles=4,
    backlog_pages=12,
    workers=2,
    steady_seconds=6.0,
    fault_seconds=6.0,
    stagger_profiles=6,
    stagger_seconds=6.0,
    recovery_timeout=60.0,
)


def test_every_r_goal_gets_a_figure_and_the_run_leaves_nothing_behind(transactional_db):
    results = resilience.measure(TINY, log=lambda text: None)

    by_goal = {r.goal: r for r in results}
    assert list(by_goal) == ["R1", "R2", "R3", "R4", "R5", "R6"]
    for goal in ("R1", "R2", "R4", "R5", "R6"):
        assert by_goal[goal].ratio is not None, by_goal[goal]
    # What holds whatever the machine's speed: the budget caps the busiest window, nothing runs
    # before its nextUpdate, and a killed worker leaves no duplicate or lost unit behind.
    assert by_goal["R1"].ratio <= 1.0
    assert by_goal["R4"].ratio == 0, by_goal["R4"]
    assert by_goal["R6"].ratio == 0, by_goal["R6"]
    assert not Workspace.objects.exists()
    assert not SyncState.objects.exists()
