"""Thin Celery tasks: the beat dispatcher and the per-unit task, both calling sync.py."""

import logging

from celery import Task, chain, current_app, shared_task
from django.conf import settings
from django.db import connection

from dashboard import rezone, sync, workspace_rollups
from dashboard.celery import WORKER_ID, release_leases_of_gone_workers

logger = logging.getLogger(__name__)


@shared_task
def dispatch_due_units():
    """Every beat: lease what is due and queue it (no countdowns, no ETAs).

    A profile's units run one after another (in one chain), never side by side: Ayrshare's
    limit is per profile, and after a 429 no second request of that profile may already be on
    its way. Different chains run in parallel on every worker.
    """
    # Profiles made where nothing created their units (the admin, a shell).
    sync.ensure_units()
    # Units a killed worker held run again now, not after their lease.
    release_leases_of_gone_workers()
    claimed = sync.claim_due(
        limit=units_to_claim(waiting_messages()),
        per_profile=settings.SYNC_DISPATCH_PER_PROFILE,
    )
    enqueue(claimed)
    count = sum(len(units) for units in claimed.values())
    if count:
        logger.info("queued %d due units of %d profiles", count, len(claimed))
    return count


def units_to_claim(waiting):
    """How many due units a beat leases while `waiting` messages still wait in the queue.

    Every unit queued holds a lease that runs out SYNC_LEASE_SECONDS after the beat queued it,
    and a unit that starts after that may run beside the one the next beat queued for it. So
    the queue holds at most SYNC_DISPATCH_MAX units not yet started (20,000 by default: at
    10,000 profiles a beat has a few thousand due, and the workers start well over a hundred a
    second). A waiting message is a chain of at most SYNC_DISPATCH_PER_PROFILE units and is
    counted as that many: better to queue a little less than to let leases run out in the
    queue. When the workers keep up the queue is empty at each beat and every due unit goes
    (up to the bound); when they fall behind, the beat tops the queue up instead of piling
    more on. Nothing is dropped: what a beat leaves stays due and goes first next beat.
    """
    return max(0, settings.SYNC_DISPATCH_MAX - waiting * settings.SYNC_DISPATCH_PER_PROFILE)


def waiting_messages(queue=None):
    """Messages waiting in the sync queue (Redis LLEN); 0 with any other broker."""
    with current_app.connection_or_acquire() as connection:
        if connection.transport.driver_type != "redis":
            return 0
        client = connection.default_channel.client
        return client.llen(queue or settings.CELERY_TASK_DEFAULT_QUEUE)


class QueueUnavailable(Exception):
    """The broker (Redis) did not take the tasks; their leases were released."""


def enqueue(claimed, queue=None):
    """Send leased units ({profile_id: [(state_id, token), ...]}) as chains (see chains()).

    All chains go through one producer (one broker connection) taken once for the batch. If
    the broker refuses, the leases of every chain not sent are released at once (else those
    units would show "Updating…" and be skipped for the whole lease) and QueueUnavailable says so.
    """
    unsent = chains(claimed.values(), settings.SYNC_DISPATCH_PER_PROFILE)
    unsent.reverse()  # popped from the end: sent in the order claim_due gave
    try:
        with current_app.producer_or_acquire() as producer:
            while unsent:
                units = unsent[-1]
                signature = chain(run_unit.si(state_id, token) for state_id, token in units)
                signature.apply_async(producer=producer, queue=queue)
                unsent.pop()
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


def chains(units_per_profile, size):
    """The profiles' unit lists packed, in order, into chains of at most `size` units.

    A profile's units stay together in one chain. Several profiles share one when they have
    few units due, as in steady state (one or two each): a message costs the beat about half a
    millisecond to send, and at 10,000 profiles one chain per profile made a beat of 4,000
    messages. The worker sends the next task of a chain as each finishes, so that cost is
    spread over the workers' threads instead.
    """
    packed, current = [], []
    for units in units_per_profile:
        if current and len(current) + len(units) > size:
            packed.append(current)
            current = []
        current.extend(units)
    if current:
        packed.append(current)
    return packed


class UnitTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Celery sends the next task of a chain only after a success, so when this task failed,
        # or the next one could not be sent (Redis away), the units behind it in the chain (this
        # profile's and those of profiles packed with it) would keep their leases for
        # SYNC_LEASE_SECONDS. Give them back: the next beat queues them.
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
