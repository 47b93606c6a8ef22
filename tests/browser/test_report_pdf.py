"""An owner downloads a report as a PDF from the report page, by keyboard, at a phone's and a
laptop's width: the page says it is being made, then offers the file by its name. The render
runs in the request (Celery eager) with the real Chromium; test_pdf.py checks the PDF itself."""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from pypdf import PdfReader

from dashboard.celery import app
from dashboard.reports.models import SECTION_KEYS, Report, ReportFile
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import LAPTOP, PHONE, check

pytestmark = pytest.mark.browser


@pytest.fixture
def eager():
    """The render runs in the request, as with a report worker that is never behind."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_an_owner_downloads_the_report_as_a_letter_pdf(
    live_server, page, axe, screenshot, synced, eager, size
):
    report = Report.objects.create(
        workspace=synced["workspace"], title="Northwind monthly", sections=list(SECTION_KEYS)
    )
    page.set_viewport_size(size)
    sign_in(page, live_server, "olivia")
    page.goto(live_server.url + reverse("report", args=["northwind", report.pk]))

    page.get_by_label("Paper").select_option("Letter")
    page.get_by_role("button", name="Download PDF").focus()
    page.keyboard.press("Enter")
    file = ReportFile.objects.filter(report=report)
    link = page.get_by_role("link", name="Download client-report-")
    expect(link).to_be_visible(timeout=60_000)
    problems = check(page, axe, screenshot, "pdf-ready")

    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == file.get().filename()
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    assert round(float(reader.pages[0].mediabox.width)) == 612  # Letter
    assert problems == []
