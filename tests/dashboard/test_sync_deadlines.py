"""Deadlines: a unit stops in time and keeps what it read; a profile Ayrshare leaves unanswered
waits, its other units do not each hang in turn, and other profiles are not held back.

Against the sandbox over real HTTP where time matters (its latency and held answers), with a
fake client where only the kind of error does.
"""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from dashboard import sync
from dashboard.ayrshare.client import NoAnswerError, TransientError
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.ayrshare.sandbox.clock import parse_iso
from dashboard.models import Post, SyncState
from tests.accounts.factories import ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import sandbox_profiles
from tests.dashboard.test_sync_failures import RefusingClient

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EPOCH = "2010-01-01T00:00:00Z"
NO_ANSWER = NoAnswerError("Ayrshare did not answer within 90 s; gave up after 2 attempts")


@pytest.fixture(autouse=True)
def quick_sync(settings, tmp_path):
    settings.REDIS_URL = ""  # the request budget in a file of this test's own
    settings.DATA_DIR = tmp_path
    settings.SYNC_RETRY_BASE_SECONDS = 60


@pytest.fixture
def sandbox(settings):
    # Frozen a little ahead of our clock, so no nextUpdate it promises passes during the test.
    with start_sandbox(profiles=2, posts=2500, seed=3, speed=0, start=time.time() + 5) as sb:
        settings.AYRSHARE_API_URL = sb.url
        yield sb


def connect(sandbox):
    keys = sandbox.keys()
    profiles = sandbox_profiles(WorkspaceFactory(api_key=keys["apiKey"]), keys)
    sync.ensure_units(profiles)
    return profiles


def state(profile, unit):
    return SyncState.objects.get(profile=profile, unit=unit)


def backfill_ends(sandbox):
    """The endDate of each /history page the backfill read (from the start of time, not the
    recent window or the deleted-posts check)."""
    pages = [c for c in sandbox.calls.since(0) if c["path"] == "/api/history"]
    backfill = [c for c in pages if "status" not in c["query"] and c["query"]["startDate"] == EPOCH]
    return [parse_iso(c["query"]["endDate"]) for c in backfill]


def timed_run(state_id, **kwargs):
    started = time.monotonic()
    result = sync.run_unit(state_id, **kwargs)
    return result, time.monotonic() - started


# --- a unit's deadline ------------------------------------------------------------------------


def test_a_backfill_stopped_by_its_deadline_keeps_its_pages_and_carries_on_at_the_next_beat(
    sandbox, settings
):
    # Each page takes 0.3 s; a call may take 1 s, so the unit starts calls only in its first 0.5 s.
    settings.AYRSHARE_CALL_DEADLINE = 1.0
    settings.SYNC_UNIT_DEADLINE = 1.5
    sandbox.configure(latency_ms=300)
    profile, _ = connect(sandbox)
    history = state(profile, "history")

    started = time.time()
    result, took = timed_run(history.pk)

    # The deadline bounds the calls: none starts after the first 0.5 s (give or take the trip
    # to the sandbox). Writing the pages read comes on top, and takes longer on a busy machine
    # (2.6 s seen with six test runs on two cores, 3.3 s in CI's three), never a hang.
    assert max(c["wall_time"] for c in sandbox.calls.since(0)) - started < 0.5 + 0.5
    slack = 3.0
    assert result == "paused" and took < 1.5 + slack
    first = backfill_ends(sandbox)
    assert 1 <= len(first) < 3  # stopped before the 2,500 posts' third page
    stopped = state(profile, "history")
    assert Post.objects.filter(profile=profile).count() == 1000 * len(first)
    assert stopped.cursor["backfill_end"]
    # Not a failure, nothing to show on the sync page; due again at the next beat.
    assert stopped.consecutive_failures == 0 and stopped.last_error == ""
    assert sync.due_states().filter(pk=history.pk).exists()

    results = [result]
    while results[-1] != "ok":
        assert len(results) < 10, results
        result, took = timed_run(history.pk)
        assert took < 1.5 + slack
        results.append(result)

    ends = backfill_ends(sandbox)
    assert len(ends) == 3 and ends == sorted(ends, reverse=True)  # no page read twice
    assert ends[len(first)] == parse_iso(stopped.cursor["backfill_end"])
    assert Post.objects.filter(profile=profile).count() == 2500
    done = state(profile, "history")
    assert done.cursor["backfilled"] and done.last_success and done.consecutive_failures == 0


def test_post_analytics_out_of_time_asks_fewer_posts_and_the_rest_at_the_next_runs(
    sandbox, settings
):
    profile, _ = connect(sandbox)
    assert sync.run_unit(state(profile, "history").pk) == "ok"
    # Each call takes 0.15 s and may take 1 s: a run starts calls for only 0.6 s of its 1.6 s.
    settings.AYRSHARE_CALL_DEADLINE = 1.0
    settings.SYNC_UNIT_DEADLINE = 1.6
    settings.SYNC_POST_ANALYTICS_BATCH = 12
    sandbox.configure(latency_ms=150)
    analytics = state(profile, "post_analytics")

    asked = []
    for _ in range(3):
        mark = sandbox.calls.next_index
        result, took = timed_run(analytics.pk, force=True)
        assert result == "ok" and took < 1.6 + 0.5
        calls = [c for c in sandbox.calls.since(mark) if c["path"] == "/api/analytics/post"]
        asked.append([c["body"]["id"] for c in calls])

    # A smaller batch than 12 each time, counted as done (the page shows it synced)...
    assert all(1 <= len(run) < 12 for run in asked), asked
    done = state(profile, "post_analytics")
    assert done.last_success and done.consecutive_failures == 0 and done.last_error == ""
    # ...and due again at the next beat for the posts left, none asked twice.
    assert done.next_update <= timezone.now() + timedelta(seconds=settings.SYNC_BEAT_SECONDS)
    every = [post for run in asked for post in run]
    assert len(every) == len(set(every))


def test_a_unit_that_has_no_time_for_a_whole_call_makes_none(sandbox, settings, monkeypatch):
    settings.AYRSHARE_CALL_DEADLINE = 90
    settings.SYNC_UNIT_DEADLINE = 150
    profile, _ = connect(sandbox)
    # The unit started 61 s ago by its clock: 89 s are left, too few for a 90 s call.
    real = time.monotonic
    monkeypatch.setattr(sync.time, "monotonic", lambda: real() - 61)

    assert sync.run_unit(state(profile, "links").pk) == "paused"

    assert list(sandbox.calls.since(0)) == []
    assert state(profile, "links").consecutive_failures == 0


# --- a profile Ayrshare leaves unanswered -----------------------------------------------------


def test_a_held_call_fails_its_unit_in_its_deadline_and_the_rest_of_the_chain_ends_at_once(
    sandbox, settings
):
    settings.AYRSHARE_READ_TIMEOUT = 2
    settings.AYRSHARE_CALL_DEADLINE = 1
    held, other = connect(sandbox)
    sandbox.configure(timeout_rate=1.0, timeout_seconds=30)
    chain = sorted(SyncState.objects.filter(profile=held), key=lambda s: sync._run_order(s.unit))

    result, took = timed_run(chain[0].pk)

    assert result == "failed" and took < 1.5
    failed = state(held, chain[0].unit)
    assert failed.last_error.startswith("Ayrshare did not answer within 1 s")
    mark = sandbox.calls.next_index
    # The units chained behind it: not due, no call, no worker time.
    behind = [timed_run(s.pk) for s in chain[1:]]
    assert {result for result, _ in behind} == {"not-due"}
    assert sum(took for _, took in behind) < 1
    assert list(sandbox.calls.since(mark)) == []
    # They wait as long as the failed unit, and show no failure of their own.
    for waiting in SyncState.objects.filter(profile=held).exclude(pk=failed.pk):
        assert waiting.backoff_until >= failed.backoff_until - timedelta(seconds=15)
        assert waiting.consecutive_failures == 0 and waiting.last_error == ""
    # Another profile is not held back.
    assert not SyncState.objects.filter(profile=other, backoff_until__isnull=False).exists()
    sandbox.configure(timeout_rate=0.0)
    assert sync.run_unit(state(other, "history").pk) == "ok"


def use_client(monkeypatch, client):
    monkeypatch.setattr(sync, "client_for", lambda profile, budget, stop_at: client)


@pytest.fixture
def profile(db):
    profile = ProfileFactory(platforms=["facebook", "instagram"])
    sync.ensure_units([profile])
    return profile


def test_the_wait_doubles_with_each_unit_left_unanswered(profile, monkeypatch):
    use_client(monkeypatch, RefusingClient(NO_ANSWER))
    base = timedelta(seconds=60)

    before = timezone.now()
    assert sync.run_unit(state(profile, "history").pk) == "failed"
    first_wait = state(profile, "links").backoff_until - before
    SyncState.objects.filter(profile=profile).update(backoff_until=None)
    before = timezone.now()
    assert sync.run_unit(state(profile, "links").pk) == "failed"
    second_wait = state(profile, "social").backoff_until - before

    # One endpoint that hangs costs the others a minute; a second one, two; and so on.
    assert base <= first_wait < base + timedelta(seconds=5)
    assert 2 * base <= second_wait < 2 * base + timedelta(seconds=5)


def test_the_wait_counts_only_units_whose_last_try_went_unanswered(profile, monkeypatch):
    # Earlier: links was left unanswered, social failed otherwise, user was answered since.
    for unit, code in (("links", NoAnswerError.__name__), ("social", "503"), ("user", "")):
        SyncState.objects.filter(profile=profile, unit=unit).update(last_error_code=code)
    use_client(monkeypatch, RefusingClient(NO_ANSWER))

    before = timezone.now()
    assert sync.run_unit(state(profile, "history").pk) == "failed"

    # Two units left unanswered (history now, links before): twice the base wait.
    wait = state(profile, "user").backoff_until - before
    assert timedelta(seconds=120) <= wait < timedelta(seconds=125)


def test_other_failures_do_not_hold_back_the_profile(profile, monkeypatch):
    use_client(monkeypatch, RefusingClient(TransientError("Service unavailable", status=503)))

    assert sync.run_unit(state(profile, "history").pk) == "failed"

    # A 5xx came back at once: the rest of the chain is worth trying.
    held = SyncState.objects.filter(profile=profile, backoff_until__isnull=False)
    assert list(held.values_list("unit", flat=True)) == ["history"]


class HangingClient:
    """Every call hangs for `seconds`, then Ayrshare has not answered."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __getattr__(self, name):
        def call(*args, **kwargs):
            time.sleep(self.seconds)
            raise NO_ANSWER

        return call


def test_a_unit_that_hung_backs_off_from_when_it_gave_up(profile, monkeypatch, settings):
    settings.SYNC_RETRY_BASE_SECONDS = 1
    use_client(monkeypatch, HangingClient(1.3))

    assert sync.run_unit(state(profile, "history").pk) == "failed"
    gave_up = timezone.now()

    # Counted from its start, the backoff (0.8 to 1.2 s) would be over before it failed.
    history = state(profile, "history")
    assert history.backoff_until > gave_up + timedelta(seconds=0.7)
    assert not sync.due_states().filter(pk=history.pk).exists()


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"AYRSHARE_CALL_DEADLINE": "0"}, "AYRSHARE_CALL_DEADLINE"),
        ({"AYRSHARE_CALL_DEADLINE": "200"}, "SYNC_UNIT_DEADLINE"),
        ({"SYNC_UNIT_DEADLINE": "200"}, "CELERY_TASK_SOFT_TIME_LIMIT"),
        ({"CELERY_TASK_SOFT_TIME_LIMIT": "180"}, "SYNC_UNIT_DEADLINE"),
    ],
)
def test_deadlines_that_do_not_fit_the_task_time_limit_stop_the_start(env, named):
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "dashboard.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr
