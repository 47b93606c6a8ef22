"""A PDF asked for on the report page is rendered by a real `celery worker -Q <reports> -c 1`
with Debian's Chromium, and the page then offers it; the sync worker never takes the render."""

import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Membership
from dashboard.bench.workers import Worker
from dashboard.celery import app
from dashboard.reports.models import SECTION_KEYS, Report, ReportFile
from tests.accounts.factories import MembershipFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def reports_queue(worker_env):
    """A reports queue of this test's own, in the worker's settings and in this process's
    routes (Celery reads them once, so the router is rebuilt)."""
    queue = f"it-reports-{uuid.uuid4().hex[:8]}"
    worker_env["REPORTS_QUEUE"] = queue
    saved = app.conf.task_routes
    app.conf.task_routes = {"dashboard.reports.tasks.render_pdf": {"queue": queue}}
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
    try:
        yield queue
    finally:
        app.conf.task_routes = saved
        app.amqp.flush_routes()
        app.amqp.__dict__.pop("router", None)


def test_the_report_worker_renders_the_pdf_and_the_page_offers_it(
    client, agency, worker, worker_env, reports_queue
):
    if not Path(settings.CHROMIUM_PATH).exists():
        pytest.fail(f"needs Chromium at {settings.CHROMIUM_PATH}", pytrace=False)
    renderer = Worker(worker_env, reports_queue, name="reports", concurrency=1)
    try:
        renderer.wait_ready()
        workspace = agency
        report = Report.objects.create(
            workspace=workspace, title="Agency monthly", sections=list(SECTION_KEYS)
        )
        owner = MembershipFactory(workspace=workspace, role=Membership.Role.OWNER)
        client.force_login(owner.user)
        base = f"/w/{workspace.slug}/reports/{report.pk}/pdf/"
        assert client.post(base, {"paper": "A4"}, HTTP_HX_REQUEST="true").status_code == 200
        file = ReportFile.objects.get(report=report)

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            file.refresh_from_db()
            if file.status != ReportFile.Status.PENDING:
                break
            time.sleep(0.5)
        assert file.status == ReportFile.Status.READY, (file.error, renderer.lines[-20:])
        assert bytes(file.pdf).startswith(b"%PDF-")
        page = client.get(f"{base}{file.pk}/", HTTP_HX_REQUEST="true").content.decode()
        assert f"Download {file.filename()}" in page
        download = client.get(f"{base}{file.pk}/download/")
        assert download["Content-Disposition"] == f'attachment; filename="{file.filename()}"'
        # The render ran in the report worker, not the sync worker (whose banner lists the task).
        assert any(received(line) for line in renderer.lines)
        assert not any(received(line) for line in worker.lines)
    finally:
        renderer.stop()


def received(line):
    return "dashboard.reports.tasks.render_pdf[" in line and "received" in line
