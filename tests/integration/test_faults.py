"""Faults with real processes: a worker killed mid-unit, the broker gone while units are queued.

The lease here is the production one (10 minutes): what frees a dead worker's units is that the
worker is gone (its alive note lapses), not that its lease runs out.
"""

import os
import signal
import time

import pytest
from django.utils import timezone

from dashboard.bench.workers import Worker, dispatch
from dashboard.models import SyncState

pytestmark = pytest.mark.integration

RECOVERY_SECONDS = 60


@pytest.mark.worker_env(SYNC_LEASE_SECONDS="600")
def test_the_units_of_a_worker_killed_mid_unit_run_again_within_a_minute(
    agency, sandbox, worker, worker_env
):
    sandbox.configure(latency_ms=400)  # each unit takes a while: the kill lands inside one
    dispatch(worker)
    deadline = time.monotonic() + 30
    while not any("run_unit" in line for line in worker.lines):
        assert time.monotonic() < deadline, "no unit started"
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait()
    killed_at = timezone.now()
    stranded = set(SyncState.objects.filter(lease_until__gt=killed_at).values_list("pk", flat=True))
    assert stranded, "the kill left no unit leased"
    sandbox.configure(latency_ms=0)

    second = Worker(worker_env, worker.queue)
    try:
        second.wait_ready()
        started = time.monotonic()
        # Beat's part, every 2 s: the dispatcher releases the dead worker's leases once it is
        # gone and queues those units again.
        while True:
            done = SyncState.objects.filter(
                pk__in=stranded, lease_until__isnull=True, last_success__gt=killed_at
            ).count()
            if done == len(stranded):
                break
            elapsed = time.monotonic() - started
            assert elapsed < RECOVERY_SECONDS, (
                f"{len(stranded) - done} of {len(stranded)} units of the killed worker had not "
                f"run again after {elapsed:.0f} s:\n{second.log()[-3000:]}"
            )
            dispatch(second)
            time.sleep(2)
        print(f"\nrecovered {len(stranded)} units {time.monotonic() - started:.0f} s after restart")
        assert "released" in second.log()  # said in the log, not silent
    finally:
        second.stop()
