"""The PDF render, on the `reports` queue (settings.CELERY_TASK_ROUTES), one at a time."""

import logging

from celery import shared_task
from django.conf import settings

from dashboard.reports import files

log = logging.getLogger(__name__)


@shared_task(
    soft_time_limit=settings.REPORTS_PDF_SOFT_TIME_LIMIT,
    time_limit=settings.REPORTS_PDF_TIME_LIMIT,
)
def render_pdf(file_id):
    file = files.render(file_id)
    if file is not None:
        log.info("report file %s: %s", file_id, file.status)
