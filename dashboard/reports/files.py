"""Rendered PDFs of reports (ReportFile): ask for one, render it, hand it out."""

import logging

from django.db import transaction
from django.utils import timezone

from dashboard.reports import pdf, periods
from dashboard.reports.models import ReportFile

log = logging.getLogger(__name__)


def request(report, paper, user=None, today=None):
    """A pending ReportFile of `report`'s current period; the reports queue renders it."""
    from dashboard.reports import tasks  # tasks imports this module

    today = today or timezone.localdate()
    first, last = periods.period(report.period_rule, today, report.start, report.end)
    file = ReportFile.objects.create(
        report=report, paper=paper, first=first, last=last, as_of=today, requested_by=user
    )
    transaction.on_commit(lambda: _enqueue(tasks, file))
    return file


def _enqueue(tasks, file):
    try:
        tasks.render_pdf.delay(file.pk)
    except Exception as error:  # the broker (Redis) is away: say so on the page, never a 500
        log.error("could not queue report file %s: %s", file.pk, error)
        file.status = ReportFile.Status.FAILED
        file.error = "The task queue (Redis) did not answer. Try again in a few minutes."
        file.finished = timezone.now()
        file.save(update_fields=["status", "error", "finished"])


def render(file_id):
    """Render a pending file: READY with its bytes, or FAILED with the reason. None if the file
    is gone or not pending (a redelivered task renders nothing twice)."""
    claimed = ReportFile.objects.filter(pk=file_id, status=ReportFile.Status.PENDING)
    file = claimed.select_related("report__workspace").first()
    if file is None:
        return None
    try:
        file.pdf = pdf.render(file.report, paper=file.paper, today=file.as_of)
        file.status = ReportFile.Status.READY
    except Exception as error:  # a failed render is a message on the page, not a retry loop
        log.exception("report file %s failed", file_id)
        file.status, file.error = ReportFile.Status.FAILED, f"{type(error).__name__}: {error}"
    file.finished = timezone.now()
    file.save(update_fields=["pdf", "status", "error", "finished"])
    return file
