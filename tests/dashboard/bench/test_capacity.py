"""C1 to C6's figures from SyncState samples and the sandbox's call log; the capacity search."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import Workspace
from dashboard.bench import capacity
from dashboard.bench.capacity import (
    call_runs,
    connection_bound,
    due_instances,
    fold,
    runs_before_due,
    runs_recorded,
    search,
    six_networks,
    within,
)
from dashboard.models import SyncState
from tests.accounts.factories import ProfileFactory

T = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


def test_a_sample_keeps_only_values_that_changed():
    history = {}
    fold(history, [(1, T, None), (2, T + MINUTE, T)])
    fold(history, [(1, T, None), (2, T + 2 * MINUTE, T + MINUTE)])

    assert history == {
        1: [(T, None)],
        2: [(T + MINUTE, T), (T + 2 * MINUTE, T + MINUTE)],
    }


# Unit 1 became due at 12:01 and ran 10 s later; due again at 12:02, it never ran.
# Unit 2 became due at 12:00:30 and ran at 12:03 (150 s late); due again at 12:04, not run yet.
# Unit 3 was due before the window and is next due after it.
HISTORY = {
    1: [(T + MINUTE, T - MINUTE), (T + 2 * MINUTE, T + MINUTE + 10 * SECOND)],
    2: [(T + 30 * SECOND, T - 30 * SECOND), (T + 4 * MINUTE, T + 3 * MINUTE)],
    3: [(T - MINUTE, T - 2 * MINUTE), (T + 10 * MINUTE, T - 30 * SECOND)],
}


def test_each_next_update_inside_the_window_is_a_due_instance_served_by_the_first_run_after():
    instances = due_instances(HISTORY, T, T + 5 * MINUTE)

    assert sorted(instances) == [
        (1, T + MINUTE, T + MINUTE + 10 * SECOND),
        (1, T + 2 * MINUTE, None),
        (2, T + 30 * SECOND, T + 3 * MINUTE),
        (2, T + 4 * MINUTE, None),
    ]


def test_late_and_never_run_instances_miss_and_those_not_late_yet_are_left_out():
    instances = due_instances(HISTORY, T, T + 5 * MINUTE)

    on_time, counted, worst = within(instances, 2 * MINUTE, T + 5 * MINUTE)

    # Unit 1's 12:01 is on time; its 12:02 never ran (3 minutes by the end); unit 2's 12:00:30
    # ran 150 s late; its 12:04 has until 12:06, after the end.
    assert (on_time, counted, worst) == (1, 3, 3 * MINUTE)


def test_runs_are_counted_by_their_start_inside_the_window():
    assert runs_recorded(HISTORY, T, T + 5 * MINUTE) == 2
    assert runs_recorded(HISTORY, T - 5 * MINUTE, T + 5 * MINUTE) == 6


def test_a_run_before_the_next_update_its_previous_run_set_counts_as_run_twice():
    assert runs_before_due(HISTORY) == 0
    twice = {1: [(T + MINUTE, T), (T + 2 * MINUTE, T + 30 * SECOND)]}
    assert runs_before_due(twice) == 1
    # A failed run leaves last_success alone: nothing ran twice.
    failed = {1: [(T + MINUTE, T), (T + MINUTE, T)]}
    assert runs_before_due(failed) == 0


def call(profile, at, resource):
    return {"profile": profile, "wall_time": at, "resource": resource}


def test_a_units_calls_less_than_the_gap_apart_are_one_run():
    calls = [
        call(0, 0.0, "history"),
        call(0, 1.0, "history/a1b2c3"),  # re-checking an open post: the history unit's work
        call(0, 1.5, "history/facebook"),
        call(0, 2.0, "history"),
        call(0, 70.0, "history"),
        call(1, 5.0, "analytics/post:p1"),
        call(1, 6.0, "analytics/post:p2"),
    ]

    assert call_runs(calls, 30) == {
        "history": (2, 4),
        "platform": (1, 1),
        "post_analytics": (1, 2),
    }


def test_the_connection_bound_is_each_process_pool():
    assert connection_bound(2, 8) == 16
    assert connection_bound(1, 8) == 8


@pytest.mark.parametrize(
    ("largest", "best", "tried"),
    [
        (5_000, 4_000, [1_000, 2_000, 4_000, 8_000, 6_000]),
        (7_000, 6_000, [1_000, 2_000, 4_000, 8_000, 6_000]),
        (13_000, 13_000, [1_000, 2_000, 4_000, 8_000, 10_000, 12_000, 14_000, 13_000]),
        (500, 500, [1_000, 500]),
        (100, None, [1_000, 500]),
        (
            50_000,
            20_000,
            [1_000, 2_000, 4_000, 8_000, 10_000, 12_000, 14_000, 16_000, 18_000, 20_000],
        ),
    ],
)
def test_the_search_climbs_until_a_size_fails_then_tries_halfway_back_once(largest, best, tried):
    assert search(lambda size: size <= largest) == (best, tried)


def test_every_profile_gets_six_networks_its_own_first():
    assert six_networks(["bluesky", "pinterest", "tiktok"]) == [
        "facebook",
        "instagram",
        "linkedin",
        "pinterest",
        "tiktok",
        "twitter",
    ]
    seven = ["facebook", "instagram", "linkedin", "pinterest", "tiktok", "twitter", "youtube"]
    assert six_networks(seven) == [p for p in seven if p != "pinterest"]


@pytest.mark.django_db
def test_the_window_waits_for_units_over_two_beats_late_but_not_for_those_backing_off():
    profile = ProfileFactory()
    now = timezone.now()
    beat = timedelta(seconds=capacity.FULL.beat_seconds)
    for unit, next_update, backoff_until in [
        ("history", now - 3 * beat, None),  # late: the window would start in debt
        ("social", now - beat, None),  # due a beat ago: still on time
        ("user", now + beat, None),
        ("links", now - 3 * beat, now + beat),  # failing, waits on purpose
    ]:
        SyncState.objects.create(
            profile=profile, unit=unit, next_update=next_update, backoff_until=backoff_until
        )
    beats = capacity._Beats(capacity.FULL, [], None, capacity._Figures(profiles=1))
    beats.ids = [profile.pk]

    assert beats._overdue() == 1

    SyncState.objects.filter(unit="history").update(next_update=now + beat)
    assert beats._overdue() == 0


TINY = capacity.Scale(
    profiles=4,
    threads=4,
    pool_max_size=2,  # fewer connections than threads: the pool must hold them to it
    steady_minutes=20 / 60,
    beat_seconds=5,
    latency_median_ms=0,
    latency_p99_ms=0,
    posts=5,
    backlog_minutes=2,
    settle_minutes=0,
    catch_up_minutes=0.5,
    idle_seconds=3,
    dispatch_profiles=(3, 30),
    dispatch_due=20,
    interval_scale=0.05,  # /history due every 3 s: a 20-second window sees units fall due
)


@pytest.mark.integration
def test_every_c_goal_gets_a_figure_and_the_run_leaves_nothing_behind(transactional_db):
    results = capacity.measure(TINY, log=lambda text: None)

    by_goal = {r.goal: r for r in results}
    assert list(by_goal) == ["C1", "C2", "C3", "C3b", "C4", "C5", "C6"]
    for goal in ("C1", "C2", "C4", "C6"):
        assert by_goal[goal].ratio is not None, by_goal[goal]
    # Twenty seconds may see no unit of the smaller world due: a rate, but maybe no ratio.
    assert by_goal["C5"].ours.endswith("per minute; 0; 0"), by_goal["C5"]
    # What holds whatever the machine's speed: nothing asked before its nextUpdate, no 429.
    assert by_goal["C1"].ours.endswith("; 0; 0"), by_goal["C1"]
    # Four threads per worker on two connections each: never more than the stated bound.
    assert by_goal["C4"].passed, by_goal["C4"]
    assert not Workspace.objects.exists()
    assert not SyncState.objects.exists()
