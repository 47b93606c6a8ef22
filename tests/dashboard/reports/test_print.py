"""The print view's signed link, the PDF's file name, and asking for a PDF from the report page
(the render itself is faked here at the Chromium boundary; test_pdf.py prints real ones)."""

import datetime
import time

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from accounts.models import Membership
from dashboard.reports import files, pdf, periods, print_link, tasks
from dashboard.reports.models import ReportFile
from tests.dashboard.reports.test_reports import SECRET_B, cast, make_report, url  # noqa: F401

pytestmark = pytest.mark.django_db
Role = Membership.Role
TODAY = datetime.date(2026, 3, 15)
FAKE_PDF = b"%PDF-1.7 fake"


def print_url(token):
    return f"/reports/print/{token}/"


# The print view


def test_a_signed_link_shows_that_report_without_a_session(cast):  # noqa: F811
    report = make_report(cast["workspace"], [cast["a"]], title="Acme <b>March</b>")
    response = Client().get(print_url(print_link.sign(report, "Letter", TODAY)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme &lt;b&gt;March&lt;/b&gt;" in page
    assert 'class="report-cover"' in page and "paper-letter" in page
    # As of the signed day: last month of March 15 is February.
    assert "Feb 1, 2026 – Feb 28, 2026" in page
    assert SECRET_B not in page  # profile B is not in this report
    assert 'href="/w/' not in page  # no way into the app
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]


@pytest.mark.parametrize("tamper", ["garbage", "flip", "other-salt", "bad-paper"])
def test_a_bad_link_is_a_404(cast, tamper):  # noqa: F811
    report = make_report(cast["workspace"])
    token = {
        "garbage": "not-a-token",
        "flip": print_link.sign(report, "A4", TODAY)[:-2] + "xx",
        "other-salt": signing.dumps({"report": report.pk, "paper": "A4", "today": "2026-03-15"}),
        "bad-paper": signing.dumps(
            {"report": report.pk, "paper": "A3", "today": "2026-03-15"}, salt=print_link.SALT
        ),
    }[tamper]
    assert Client().get(print_url(token)).status_code == 404


def test_an_expired_link_is_a_404(cast, monkeypatch, settings):  # noqa: F811
    report = make_report(cast["workspace"])
    settings.REPORTS_PRINT_LINK_MAX_AGE = 120
    signed_at = time.time() - 121
    monkeypatch.setattr(signing.time, "time", lambda: signed_at)
    token = print_link.sign(report, "A4", TODAY)
    monkeypatch.undo()
    assert Client().get(print_url(token)).status_code == 404


def test_a_link_to_a_deleted_report_is_a_404(cast):  # noqa: F811
    report = make_report(cast["workspace"])
    token = print_link.sign(report, "A4", TODAY)
    report.delete()
    assert Client().get(print_url(token)).status_code == 404


def test_only_a4_and_letter_can_be_signed(cast):  # noqa: F811
    with pytest.raises(ValueError, match="A4, Letter"):
        print_link.sign(make_report(cast["workspace"]), "A3", TODAY)


# File names


@pytest.mark.parametrize(
    "rule, start, expected",
    [
        (periods.LAST_MONTH, None, "client-report-2026-02.pdf"),
        (periods.LAST_28_DAYS, None, "client-report-2026-02.pdf"),  # Feb 15 – Mar 14
        # A weekly report by its ISO week: a month holds four or five of them.
        (periods.LAST_WEEK, None, "client-report-2026-W10.pdf"),
        (periods.CUSTOM, datetime.date(2025, 12, 29), "client-report-2025-12.pdf"),
    ],
)
def test_the_file_is_named_by_the_periods_first_day(cast, rule, start, expected):  # noqa: F811
    end = start and start + datetime.timedelta(days=10)
    report = make_report(cast["workspace"], period_rule=rule, start=start, end=end)
    first, _ = periods.period(rule, TODAY, start, end)
    assert pdf.filename(report, first) == expected


# Asking for a PDF from the report page


@pytest.fixture
def queued(monkeypatch):
    """Tasks sent to the reports queue, by file id; the render is faked at Chromium."""
    sent = []
    monkeypatch.setattr(tasks.render_pdf, "delay", sent.append)
    monkeypatch.setattr(pdf, "render", lambda report, paper, today: FAKE_PDF)
    return sent


def ask(client, report, paper="A4", **headers):
    return client.post(url(report.workspace, report.pk, "pdf"), {"paper": paper}, **headers)


def test_the_pdf_is_queued_then_polled_then_downloaded(
    client,
    cast,  # noqa: F811
    queued,
    django_capture_on_commit_callbacks,
):
    report = make_report(cast["workspace"], [cast["a"]], clients_may_view=True)
    client.force_login(cast["people"][Role.CLIENT].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, report, "Letter", HTTP_HX_REQUEST="true")
    file = ReportFile.objects.get()
    assert queued == [file.pk]
    assert (file.status, file.paper, file.requested_by) == ("pending", "Letter", client_user(cast))
    assert "Making the Letter PDF" in response.content.decode()
    status_url = url(report.workspace, report.pk, "pdf", file.pk)
    assert f'hx-get="{status_url}"' in response.content.decode()

    files.render(file.pk)  # what the reports worker runs
    polled = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    first, _ = periods.period(report.period_rule, file.as_of)
    name = f"client-report-{first:%Y-%m}.pdf"
    assert f"Download {name}" in polled and "hx-get" not in polled

    download = client.get(url(report.workspace, report.pk, "pdf", file.pk, "download"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="{name}"'
    assert download.content == FAKE_PDF


def client_user(cast):  # noqa: F811
    return cast["people"][Role.CLIENT].user


def test_without_javascript_the_report_page_shows_the_pdfs_progress(client, cast, queued):  # noqa: F811
    report = make_report(cast["workspace"])
    client.force_login(cast["people"][Role.ANALYST].user)
    response = ask(client, report)
    file = ReportFile.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(report.workspace, report.pk) + f"?pdf={file.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Making the A4 PDF" in page and "Check again" in page


def test_a_failed_render_says_why_and_offers_no_download(client, cast, monkeypatch):  # noqa: F811
    def broken(report, paper, today):
        raise RuntimeError("A chart of the report did not draw; no PDF was printed.")

    monkeypatch.setattr(pdf, "render", broken)
    report = make_report(cast["workspace"])
    client.force_login(cast["people"][Role.OWNER].user)
    file = ReportFile.objects.create(
        report=report, paper="A4", first=TODAY, last=TODAY, as_of=TODAY
    )
    assert files.render(file.pk).status == "failed"
    assert files.render(file.pk) is None  # a redelivered task renders nothing twice
    page = client.get(url(report.workspace, report.pk, "pdf", file.pk)).content.decode()
    assert "could not be made" in page and "did not draw" in page
    download = url(report.workspace, report.pk, "pdf", file.pk, "download")
    assert client.get(download).status_code == 404


def test_a_machine_without_chromium_says_how_to_install_it(client, cast, settings):  # noqa: F811
    settings.CHROMIUM_PATH = "/nonexistent/chromium"
    report = make_report(cast["workspace"])
    client.force_login(cast["people"][Role.OWNER].user)
    file = ReportFile.objects.create(
        report=report, paper="A4", first=TODAY, last=TODAY, as_of=TODAY
    )
    assert files.render(file.pk).status == "failed"
    page = client.get(url(report.workspace, report.pk, "pdf", file.pk)).content.decode()
    assert "No Chromium at /nonexistent/chromium" in page
    assert "install Debian&#x27;s chromium package" in page


def test_a_queue_that_does_not_answer_fails_the_file_not_the_page(
    client,
    cast,  # noqa: F811
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    def refused(file_id):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(tasks.render_pdf, "delay", refused)
    report = make_report(cast["workspace"])
    client.force_login(cast["people"][Role.OWNER].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, report, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    file = ReportFile.objects.get()
    assert file.status == "failed" and "did not answer" in file.error


@pytest.mark.parametrize("paper", ["", "A3", "<b>"])
def test_an_unknown_paper_is_a_400_with_the_message(client, cast, queued, paper):  # noqa: F811
    report = make_report(cast["workspace"])
    client.force_login(cast["people"][Role.OWNER].user)
    response = ask(client, report, paper)
    assert response.status_code == 400
    assert "Choose the paper: A4 or Letter." in response.content.decode()
    assert not ReportFile.objects.exists()


def test_no_one_reaches_a_pdf_of_a_report_they_may_not_see(client, cast, queued):  # noqa: F811
    hidden = make_report(cast["workspace"], [cast["b"]], clients_may_view=True)
    file = ReportFile.objects.create(
        report=hidden, paper="A4", first=TODAY, last=TODAY, as_of=TODAY, status="ready", pdf=b"x"
    )
    client.force_login(cast["people"][Role.CLIENT].user)
    assert ask(client, hidden).status_code == 404
    assert client.get(url(hidden.workspace, hidden.pk, "pdf", file.pk)).status_code == 404
    download = url(hidden.workspace, hidden.pk, "pdf", file.pk, "download")
    assert client.get(download).status_code == 404
    # Another report's id in the URL does not open this report's file.
    mine = make_report(cast["workspace"], [cast["a"]], clients_may_view=True)
    assert client.get(url(mine.workspace, mine.pk, "pdf", file.pk, "download")).status_code == 404
    assert not ReportFile.objects.exclude(pk=file.pk).exists()


def test_asking_for_a_pdf_needs_the_csrf_token(cast, queued):  # noqa: F811
    report = make_report(cast["workspace"])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast["people"][Role.OWNER].user)
    assert ask(strict, report).status_code == 403
    assert not ReportFile.objects.exists()


def test_the_render_task_goes_to_the_reports_queue_with_a_time_limit(settings):
    route = settings.CELERY_TASK_ROUTES[tasks.render_pdf.name]
    assert route == {"queue": "reports"}
    assert tasks.render_pdf.soft_time_limit < tasks.render_pdf.time_limit
    assert settings.CELERY_TASK_DEFAULT_QUEUE != "reports"


def test_a_pdf_no_worker_took_stops_polling_and_says_why(client, cast, settings):  # noqa: F811
    report = make_report(cast["workspace"])
    file = ReportFile.objects.create(
        report=report, paper="A4", first=TODAY, last=TODAY, as_of=TODAY
    )
    client.force_login(cast["people"][Role.OWNER].user)
    status_url = url(report.workspace, report.pk, "pdf", file.pk)
    assert "hx-get" in client.get(status_url).content.decode()
    settings.REPORTS_PDF_TIME_LIMIT = 120
    created = timezone.now() - datetime.timedelta(minutes=5)
    ReportFile.objects.filter(pk=file.pk).update(created=created)
    page = client.get(status_url).content.decode()
    assert "report worker" in page and "may not be running" in page
    assert "hx-get" not in page
