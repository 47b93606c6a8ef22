"""Thin Celery tasks: the beat dispatcher and the per-unit task, both calling sync.py."""

import logging

from celery import Task, chain, shared_task
from django.db import connection

from dashboard import rezone, sync, workspace_rollups
from dashboard.celery import WORKER_ID, release_leases_of_gone_workers

logger = logging.getLogger(__name__)


@shared_task
def dispatch_due_units():
    """Every beat: lease what is due and queue it (no countdowns, no ETAs).

    A profile's units run one after another (a chain), never side by side: Ayrshare's limit is
    per profile, and after a 429 no second request of that profile may already be on its way.
    Different profiles run in parallel on every worker.
    """
    sync.ensure_units()
    # Units a killed worker held run again now, not after their lease.
    release_leases_of_gone_workers()
    claimed = sync.claim_due()
    enqueue(claimed)
    count = sum(len(units) for units in claimed.values())
    if count:
        logger.info("queued %d due units of %d profiles", count, len(claimed))
    return count


class QueueUnavailable(Exception):
    """The broker (Redis) did not take the tasks; their leases were released."""


def enqueue(claimed):
    """Send leased units ({profile_id: [(state_id, token), ...]}), one chain per profile.

    If the broker refuses, the leases of every chain not sent are released at once (else those
    units would show "Updating…" and be skipped for the whole lease) and QueueUnavailable says so.
    """
    unsent = list(claimed.values())
    while unsent:
        units = unsent[0]
        try:
            chain(run_unit.si(state_id, token) for state_id, token in units).apply_async()
        except Exception as exc:
            leases = [lease for units in unsent for lease in units]
            sync.release(leases)
            logger.error(
                "could not queue %d units (%s: %s); their leases are released",
                len(leases),
                type(exc).__name__,
                exc,
            )
            raise QueueUnavailable(str(exc)) from exc
        unsent.pop(0)


class UnitTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Celery sends the next task of a chain only after a success, so when this task failed,
        # or the next one could not be sent (Redis away), the units behind it in the chain would
        # keep their leases for SYNC_LEASE_SECONDS. Give them back: the next beat queues them.
        leases = _chained_leases(self.request)
        try:
            released = sync.release(leases)
        except Exception:
            logger.exception("could not release the leases of %d chained units", len(leases))
        else:
            if released:
                logger.warning("released the leases of %d units behind a failed one", released)


@shared_task(bind=True, base=UnitTask)
def run_unit(self, state_id, token=None, force=False):
    # This unit's lease and those of the units chained behind it travel in this one message:
    # if this worker dies now, a worker that starts releases them all (see celery.py).
    leases = [(state_id, token), *_chained_leases(self.request)]
    sync.hold(leases, WORKER_ID)
    try:
        return sync.run_unit(state_id, token, force=force)
    except sync.DATABASE_GONE:
        # The database dropped the connection mid-unit (a restart, a failover): what the unit
        # had not committed is rolled back and nothing was recorded. Once more on a new
        # connection, now, rather than after a failure's backoff or the lease.
        logger.warning("unit %s lost its database connection; running it again", state_id)
        connection.close()
        sync.release([(state_id, token)])
        return sync.run_unit(state_id, force=force)
    finally:
        sync.let_go(leases)


def _chained_leases(request):
    """(state_id, token) of the run_unit tasks still to come in this task's chain."""
    leases = []
    for signature in request.chain or ():
        args = signature.get("args") or ()
        if signature.get("task") == run_unit.name and len(args) >= 2:
            leases.append((args[0], args[1]))
    return leases


@shared_task
def refresh_rollups(workspace_id):
    """After a profile joins or leaves a workspace's totals (see workspace_rollups.py)."""
    return workspace_rollups.refresh(workspace_id)


@shared_task
def rebuild_rollups_in_zone(workspace_id):
    """After the workspace's time zone changed: its rollups in the new zone (rezone.py). Safe
    to run twice, or after a newer change: it marks only the zone it built, if still current."""
    marked = rezone.rebuild_workspace(workspace_id)
    logger.info("Workspace %s rollups rebuilt, marked zone: %s", workspace_id, marked)
    return marked


@shared_task
def sweep_rollups():
    """Every few beats: days a worker killed between its writes and its refresh left in the
    backlog, which would keep the whole-workspace overview on the slower per-profile rollups
    until that workspace's next sync unit ends."""
    return workspace_rollups.refresh_all()
