"""Thin Celery tasks of reports; the work is in files.py (PDF downloads) and sending.py (email).

The PDF render and the send (which renders its PDF) run on the `reports` queue, whose worker
takes one at a time (docker-compose's report-worker): Chromium needs the memory.
"""

import logging

from celery import shared_task
from django.conf import settings

from dashboard.reports import files, sending

log = logging.getLogger(__name__)


@shared_task(
    soft_time_limit=settings.REPORTS_PDF_SOFT_TIME_LIMIT,
    time_limit=settings.REPORTS_PDF_TIME_LIMIT,
)
def render_pdf(file_id):
    file = files.render(file_id)
    if file is not None:
        log.info("report file %s: %s", file_id, file.status)


@shared_task
def dispatch_report_sends():
    """Every beat: claim due sends, re-check held ones, queue what is ready to go."""
    ids = sending.dispatch()
    enqueue(ids)
    if ids:
        log.info("queued %d report sends", len(ids))
    return len(ids)


def enqueue(send_ids, queue=None):
    """Queue each send on the reports queue (a benchmark or test worker may read its own).

    A send that could not be queued stays SCHEDULED: a later tick queues it again once its
    queued_until runs out."""
    for send_id in send_ids:
        send_report.apply_async((send_id,), queue=queue or settings.REPORTS_QUEUE)


@shared_task(
    # A send renders one PDF, then writes one email per recipient.
    soft_time_limit=settings.REPORTS_PDF_SOFT_TIME_LIMIT + 60,
    time_limit=settings.REPORTS_PDF_TIME_LIMIT + 60,
)
def send_report(send_id):
    outcome = sending.run_send(send_id)
    log.info("report send %s: %s", send_id, outcome)
    return outcome
