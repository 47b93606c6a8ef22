"""Thin Celery tasks: the beat dispatcher and the per-unit task, both calling sync.py."""

import logging

from celery import shared_task

from dashboard import sync

logger = logging.getLogger(__name__)


@shared_task
def dispatch_due_units():
    """Every beat: lease what is due and queue one task per unit (no countdowns, no ETAs)."""
    sync.ensure_units()
    claimed = sync.claim_due()
    for state_id, token in claimed:
        run_unit.delay(state_id, token)
    if claimed:
        logger.info("queued %d due units", len(claimed))
    return len(claimed)


@shared_task
def run_unit(state_id, token=None, force=False):
    return sync.run_unit(state_id, token, force=force)
