"""A slow Ayrshare with real processes: profiles it leaves unanswered do not starve the others.

Issue 17, item 10: one hanging call could cost four read timeouts, and two such calls held both
worker processes, so nothing synced for minutes. Here the sandbox holds every call of two of the
three profiles for a minute while two worker processes sync, with the deadlines scaled down to
seconds (a read timeout of 2 s, as in every integration test).
"""

import re
import time

import pytest
from django.utils import timezone

from accounts.models import Profile
from dashboard.bench.workers import dispatch
from dashboard.models import SyncState

pytestmark = pytest.mark.integration

CALL_DEADLINE = 4  # a 2 s attempt, then a retry cut to what is left
UNIT_DEADLINE = 8
HOLD = 60  # far past every deadline
SLACK = 1.5  # a loaded machine; the database writes after the last call
# Celery's own line for every task that ended, with its duration and run_unit's result word.
TASK_ENDED = re.compile(
    r"Task dashboard\.tasks\.run_unit\[[^\]]+\] succeeded in ([\d.]+)s: '([\w-]+)'"
)


def profiles_by_index(sandbox):
    keys = sandbox.profile_keys
    return {keys.index(p.profile_key): p for p in Profile.objects.all()}


def ended_tasks(worker):
    """(seconds, result) of every run_unit task the worker finished."""
    return [(float(s), result) for s, result in TASK_ENDED.findall(worker.log())]


@pytest.mark.worker_env(
    AYRSHARE_CALL_DEADLINE=str(CALL_DEADLINE), SYNC_UNIT_DEADLINE=str(UNIT_DEADLINE)
)
def test_two_profiles_ayrshare_leaves_unanswered_do_not_starve_the_third(agency, sandbox, worker):
    held, free = [0, 1], 2
    profiles = profiles_by_index(sandbox)
    sandbox.configure(timeout_profiles=held, timeout_seconds=HOLD, latency_ms=100)
    free_units = SyncState.objects.filter(profile=profiles[free])
    started = time.monotonic()
    began = timezone.now()

    # Beat's part, every second, until the free profile has synced everything once.
    while free_units.filter(last_success__isnull=True).exists():
        elapsed = time.monotonic() - started
        assert elapsed < 30, (
            f"{free_units.filter(last_success__isnull=True).count()} of {free_units.count()} "
            f"units of the free profile had not synced after {elapsed:.0f} s:\n"
            f"{worker.log()[-3000:]}"
        )
        dispatch(worker)
        time.sleep(1)
    synced_in = time.monotonic() - started
    time.sleep(UNIT_DEADLINE + SLACK)  # what still runs ends, and shows in the log

    # The free profile synced during the hold, and never waited for the held ones.
    assert not free_units.filter(consecutive_failures__gt=0).exists()
    assert not free_units.filter(backoff_until__gt=began).exists()
    # Each held profile: one unit failed, in plain words on the sync page; its other units wait
    # with it and made no call.
    for index in held:
        units = SyncState.objects.filter(profile=profiles[index])
        failed = units.filter(consecutive_failures__gt=0)
        assert failed.count() == 1, list(failed.values_list("unit", "last_error"))
        assert failed.get().last_error.startswith("Ayrshare did not answer within 4 s")
        waiting = units.exclude(pk=failed.get().pk)
        assert waiting.count() == waiting.filter(backoff_until__gt=timezone.now()).count()
        assert not waiting.filter(last_attempt__isnull=False).exists()
    # Every unit ended inside its deadline; a hung one after one call deadline, and the units
    # chained behind it at once, so a worker process was free again within seconds.
    tasks = ended_tasks(worker)
    hung = [seconds for seconds, result in tasks if result == "failed"]
    skipped = [seconds for seconds, result in tasks if result == "not-due"]
    assert len(hung) == 2 and len(skipped) >= 2, tasks
    assert max(seconds for seconds, _ in tasks) <= UNIT_DEADLINE + SLACK, tasks
    assert all(CALL_DEADLINE - 0.5 <= seconds <= CALL_DEADLINE + SLACK for seconds in hung), hung
    assert sum(skipped) < 2, skipped
    print(
        f"\nfree profile synced in {synced_in:.1f} s; held profiles took "
        f"{sum(hung) + sum(skipped):.1f} s of worker time over {len(hung) + len(skipped)} tasks; "
        f"longest task {max(s for s, _ in tasks):.1f} s"
    )
