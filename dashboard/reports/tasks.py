"""Thin Celery tasks of scheduled report email; the work is in sending.py."""

import logging

from celery import shared_task

from dashboard.reports import sending

logger = logging.getLogger(__name__)


@shared_task
def dispatch_report_sends():
    """Every beat: claim due sends, re-check held ones, queue what is ready to go."""
    ids = sending.dispatch()
    enqueue(ids)
    if ids:
        logger.info("queued %d report sends", len(ids))
    return len(ids)


QUEUE = "reports"


def enqueue(send_ids, queue=QUEUE):
    """Queue each send on the reports queue (a benchmark or test worker may read its own).

    A send that could not be queued stays SCHEDULED: a later tick queues it again once its
    queued_until runs out."""
    for send_id in send_ids:
        send_report.apply_async((send_id,), queue=queue)


@shared_task
def send_report(send_id):
    outcome = sending.run_send(send_id)
    logger.info("report send %s: %s", send_id, outcome)
    return outcome
