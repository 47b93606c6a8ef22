"""Scheduled report email with real parts: a Celery worker process on the reports queue
(concurrency 1), Redis, PostgreSQL and an SMTP server; the benchmark's own path, made small."""

import uuid

import pytest

from dashboard.bench import sends
from dashboard.reports.models import Send

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_reports_due_at_the_same_minute_are_each_sent_once_by_a_real_worker():
    outcome = sends.run(
        4, queue=f"it-reports-{uuid.uuid4().hex[:8]}", log=lambda text: None, timeout=120
    )
    assert (outcome.sent, outcome.messages) == (4, 4)
    # The seeded workspace is gone, its sends with it: nothing is left for a later tick.
    assert not Send.objects.exists()


def test_the_benchmark_row_reports_the_pace_and_the_300_send_projection():
    [row] = sends.measure(3, log=lambda text: None)
    assert row.goal == "M1"
    assert "3/3 sent" in row.ours and "300 at that pace" in row.ours
    assert row.passed is True
