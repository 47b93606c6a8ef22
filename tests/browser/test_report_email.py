"""An owner schedules a report's email, reads the send log and decides on a held draft; a
recipient unsubscribes. At a phone's and a laptop's width, with axe-core on every page."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dashboard.reports import sending
from dashboard.reports.models import Report, Send
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import LAPTOP, PHONE, check

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_an_owner_schedules_the_email_and_decides_on_a_held_draft(
    live_server, page, axe, screenshot, synced, size
):
    page.set_viewport_size(size)
    workspace = synced["workspace"]
    report = Report.objects.create(
        workspace=workspace, title="Northwind monthly", sections=["kpis"]
    )
    report.profiles.add(synced["profiles"][0])
    sign_in(page, live_server, "olivia")
    page.goto(live_server.url + reverse("report", args=[workspace.slug, report.pk]))
    page.get_by_role("link", name="Schedule").click()
    problems = check(page, axe, screenshot, "schedule-form")

    page.get_by_role("radio", name="Monthly").check()
    page.get_by_role("radio", name="A day of the month").check()
    page.get_by_role("spinbutton", name="Day of the month").fill("31")
    page.get_by_role("textbox", name="Recipients").fill("ann@client.test, not-an-address")
    # Keyboard: the button takes focus and Enter saves.
    page.get_by_role("button", name="Save schedule").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").first).to_contain_text("was not saved")
    expect(page.get_by_text("“not-an-address” is not an email address.")).to_be_visible()
    problems += check(page, axe, screenshot, "schedule-errors")

    page.get_by_role("textbox", name="Recipients").fill("ann@client.test\nbob@client.test")
    page.get_by_role("button", name="Save schedule").click()
    expect(page.get_by_role("heading", name="Now: Monthly on the 31st")).to_be_visible()
    expect(page.locator(".next-sends li")).to_have_count(3)
    sending.unsubscribe(report.recipients.get(email="bob@client.test"))
    page.reload()
    expect(page.locator(".recipients")).to_contain_text("unsubscribed")
    problems += check(page, axe, screenshot, "schedule-saved")

    numbers = [{"label": "Engagements", "value": 1234, "percent": False}]
    Send.objects.create(
        report=report,
        due_at=datetime.datetime(2026, 4, 1, 7, tzinfo=datetime.UTC),
        status=Send.SENT,
        sent_at=datetime.datetime(2026, 4, 1, 7, 1, tzinfo=datetime.UTC),
        recipients=["ann@client.test"],
        first=datetime.date(2026, 3, 1),
        last=datetime.date(2026, 3, 31),
        pdf=b"%PDF-1.4",
        pdf_name="northwind-monthly-report-2026-03.pdf",
        numbers=numbers,
    )
    held = Send.objects.create(
        report=report,
        due_at=datetime.datetime(2026, 5, 1, 7, tzinfo=datetime.UTC),
        status=Send.HELD_FOR_REVIEW,
        reason="Waiting for an owner's approval.",
        pdf=b"%PDF-1.4",
        pdf_name="northwind-monthly-report-2026-04.pdf",
        numbers=numbers,
    )
    page.get_by_role("link", name="Send log").click()
    expect(page.get_by_role("link", name="northwind-monthly-report-2026-03.pdf")).to_be_visible()
    expect(page.get_by_role("button", name="Approve & send")).to_be_visible()
    problems += check(page, axe, screenshot, "send-log")
    page.get_by_role("button", name="Skip").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Skipped: this report is not sent.")).to_be_visible()
    held.refresh_from_db()
    assert held.status == Send.SKIPPED

    page.get_by_role("link", name="Back to the report").click()
    expect(page.get_by_role("heading", name="Changed since the last one sent")).to_be_visible()
    problems += check(page, axe, screenshot, "report-changes")

    # A recipient, signed out, opens the link from the email and confirms.
    page.context.clear_cookies()
    token = sending.unsubscribe_token(report.recipients.get(email="ann@client.test"))
    page.goto(live_server.url + reverse("report_unsubscribe", args=[token]))
    problems += check(page, axe, screenshot, "unsubscribe-confirm")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    assert not problems, "\n".join(problems)
