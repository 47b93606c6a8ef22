"""C3's benchmark at a tiny size: its rows, and nothing left leased, queued or seeded."""

import pytest

from accounts.models import Profile, Workspace
from dashboard.bench import dispatch
from dashboard.models import SyncState
from tests.accounts.factories import ProfileFactory

pytestmark = pytest.mark.django_db


def test_measures_both_sizes_and_gives_back_every_lease():
    # A unit of the installation's own, due: the bench's dispatches lease it too.
    ours = SyncState.objects.create(profile=ProfileFactory(), unit="history", next_update=None)
    lines = []

    rows = dispatch.measure(log=lines.append, sizes=(2, 4), due=5)

    assert [row.goal for row in rows] == ["C3", "C3b"]
    c3, c3b = rows
    assert "52 units ÷ 26 units" in c3.metric
    assert c3.ratio > 0 and c3.passed in (True, False)
    assert c3b.ratio > 0 and c3b.target == "<= 1 s"
    # 4 profiles × 0.42 units a beat, /history every 5 minutes (SYNC_HISTORY_INTERVAL) the most
    assert "2 units due per beat" in c3b.metric
    assert any("26 units, 6 leased per dispatch" in line for line in lines)
    ours.refresh_from_db()
    assert ours.lease_until is None and ours.lease_token == ""
    assert not Workspace.objects.filter(name="bench dispatch").exists()
    assert Profile.objects.count() == 1
    assert SyncState.objects.count() == 1
