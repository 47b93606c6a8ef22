"""Thin Celery tasks: the beat dispatcher and the per-unit task, both calling sync.py."""

import logging

from celery import chain, shared_task

from dashboard import sync, workspace_rollups

logger = logging.getLogger(__name__)


@shared_task
def dispatch_due_units():
    """Every beat: lease what is due and queue it (no countdowns, no ETAs).

    A profile's units run one after another (a chain), never side by side: Ayrshare's limit is
    per profile, and after a 429 no second request of that profile may already be on its way.
    Different profiles run in parallel on every worker.
    """
    sync.ensure_units()
    claimed = sync.claim_due()
    enqueue(claimed)
    count = sum(len(units) for units in claimed.values())
    if count:
        logger.info("queued %d due units of %d profiles", count, len(claimed))
    return count


def enqueue(claimed):
    """Send leased units ({profile_id: [(state_id, token), ...]}), one chain per profile."""
    for units in claimed.values():
        chain(run_unit.si(state_id, token) for state_id, token in units).apply_async()


@shared_task
def run_unit(state_id, token=None, force=False):
    return sync.run_unit(state_id, token, force=force)


@shared_task
def refresh_rollups(workspace_id):
    """After a profile joins or leaves a workspace's totals (see workspace_rollups.py)."""
    return workspace_rollups.refresh(workspace_id)


@shared_task
def sweep_rollups():
    """Every few beats: days a worker killed between its writes and its refresh left in the
    backlog, which would keep the whole-workspace overview on the slower per-profile rollups
    until that workspace's next sync unit ends."""
    return workspace_rollups.refresh_all()
