"""An owner builds a client report and opens it, at a phone's and a laptop's width, with
axe-core finding no serious or critical WCAG 2.2 AA violation on the form or the report."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dashboard.reports.models import Report, ShareLink
from tests.browser.conftest import ARTIFACTS, run_axe, sign_in
from tests.browser.test_accessibility import LAPTOP, PHONE, check

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_an_owner_creates_a_report_and_views_it(live_server, page, axe, screenshot, synced, size):
    page.set_viewport_size(size)
    sign_in(page, live_server, "olivia")
    if size == PHONE:
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Reports").click()
    expect(page).to_have_url(live_server.url + reverse("reports", args=["northwind"]))
    problems = check(page, axe, screenshot, "reports-empty")

    page.get_by_role("link", name="New report").click()
    problems += check(page, axe, screenshot, "report-form")
    client = synced["profiles"][0].title
    page.get_by_label(client).check()
    page.get_by_role("radio", name="Custom dates").check()
    page.get_by_role("textbox", name="From (custom dates)").fill("2026-03-01")
    page.get_by_role("textbox", name="To (custom dates)").fill("2026-02-01")
    page.get_by_role("textbox", name="Title").fill(f"{client} monthly")
    # Keyboard: Enter in a text field submits the form.
    page.get_by_role("textbox", name="Title").press("Enter")
    expect(page.get_by_role("alert").first).to_contain_text("was not saved")
    expect(page.locator("form.report-form")).to_contain_text(
        "The “From” date is after the “To” date."
    )
    problems += check(page, axe, screenshot, "report-form-errors")

    page.get_by_role("radio", name="Last month").check()
    page.get_by_role("textbox", name="Commentary").fill("Reach grew on every network.")
    page.get_by_label("Prepared by").fill("Olivia, Northwind Agency")
    page.get_by_role("button", name="Create report").click()

    report = Report.objects.get(title=f"{client} monthly")
    expect(page).to_have_url(live_server.url + reverse("report", args=["northwind", report.pk]))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{client} monthly")
    expect(page.locator("[data-kpi='posts-published'] .big")).to_have_text(re.compile(r"\d"))
    expect(page.get_by_text("Reach grew on every network.")).to_be_visible()
    expect(page.locator("canvas[data-chart='chart-engagements']")).to_be_visible()
    problems += check(page, axe, screenshot, "report")

    # The print view: the report alone, no card or chart box split across pages.
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.get_by_role("link", name="Edit report")).to_be_hidden()
    for box in (".kpi-card", ".chart-box", ".top-posts tr"):
        assert page.locator(box).first.evaluate("e => getComputedStyle(e).breakInside") == "avoid"
    screenshot("report-print")
    page.emulate_media(media="screen")

    page.get_by_role("link", name="All reports").click()
    expect(page.get_by_role("link", name=f"{client} monthly", exact=True)).to_be_visible()
    problems += check(page, axe, screenshot, "reports-list")
    assert problems == []


def test_a_client_seat_sees_only_its_own_profiles_reports(
    live_server, page, axe, screenshot, synced
):
    mine, other = synced["profiles"][0], synced["profiles"][1]
    shown = Report.objects.create(
        workspace=synced["workspace"], title="Your month", sections=["kpis"], clients_may_view=True
    )
    shown.profiles.set([mine])
    internal = Report.objects.create(
        workspace=synced["workspace"], title="Internal review", sections=["kpis"]
    )
    internal.profiles.set([mine])
    theirs = Report.objects.create(
        workspace=synced["workspace"],
        title="Another client",
        sections=["kpis"],
        clients_may_view=True,
    )
    theirs.profiles.set([other])

    sign_in(page, live_server, "clara")
    page.goto(live_server.url + reverse("reports", args=["northwind"]))
    reports = page.get_by_role("main")
    expect(reports.get_by_role("link", name="Your month", exact=True)).to_be_visible()
    expect(reports).not_to_contain_text("Internal review")
    expect(reports).not_to_contain_text("Another client")
    expect(reports.get_by_role("link", name="New report")).to_have_count(0)
    problems = check(page, axe, screenshot, "client-reports")

    reports.get_by_role("link", name="Your month", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your month")
    expect(page.locator(".report-profiles")).to_have_text(mine.title)
    expect(page.get_by_role("link", name="Edit report")).to_have_count(0)
    problems += check(page, axe, screenshot, "client-report")

    response = page.goto(live_server.url + reverse("report", args=["northwind", theirs.pk]))
    assert response.status == 404


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_an_owner_shares_a_report_and_a_signed_out_visitor_opens_it(
    live_server, browser, page, axe, screenshot, synced, size, request
):
    page.set_viewport_size(size)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, live_server, "olivia")
    client = synced["profiles"][0].title
    page.goto(live_server.url + reverse("report_new", args=["northwind"]))
    page.get_by_label(client).check()
    page.get_by_role("textbox", name="Title").fill(f"{client} for the client")
    page.get_by_role("button", name="Create report").click()
    # The preview: the report as the app shows it, numbers and all.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{client} for the client")
    expect(page.locator("[data-kpi='posts-published'] .big")).to_have_text(re.compile(r"\d"))
    posts_published = page.locator("[data-kpi='posts-published'] .big").inner_text()

    page.get_by_role("link", name="Share").click()
    problems = check(page, axe, screenshot, "share")
    page.get_by_role("textbox", name="Label").fill("For the client")
    page.get_by_label("Password (optional)").fill("tulips in may")
    page.get_by_role("button", name="Make link").click()
    expect(page.get_by_text("Copy it now: it will not be shown again.")).to_be_visible()
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    url = page.evaluate("() => navigator.clipboard.readText()")
    assert url == page.get_by_role("textbox", name="Link to the report").input_value()
    assert url.startswith(live_server.url + "/s/")
    problems += check(page, axe, screenshot, "share-new-link")

    # A browser with no session at all.
    visitor_context = browser.new_context(viewport=size)
    visitor = visitor_context.new_page()
    visitor.set_default_timeout(10_000)

    def visitor_check(step):
        name = f"{request.node.name}-{step}"
        found = [f"{step}: {line}" for line in run_axe(visitor, name)]
        visitor.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
        return found

    try:
        visitor.goto(url)
        expect(visitor.get_by_role("heading", level=1)).to_have_text("This report needs a password")
        problems += visitor_check("shared-password")
        visitor.get_by_role("textbox", name="Password").fill("tulips in may")
        visitor.get_by_role("textbox", name="Password").press("Enter")
        expect(visitor.get_by_role("heading", level=1)).to_have_text(f"{client} for the client")
        expect(visitor.locator("[data-kpi='posts-published'] .big")).to_have_text(posts_published)
        expect(visitor.locator("canvas[data-chart='chart-engagements']")).to_be_visible()
        # Nothing of the app: no navigation, no account menu, no link into it.
        expect(visitor.locator(".topbar, nav")).to_have_count(0)
        expect(visitor.locator("a[href^='/']")).to_have_count(0)
        problems += visitor_check("shared")
        assert visitor.evaluate("() => document.documentElement.scrollWidth") <= size["width"]
    finally:
        visitor_context.close()

    link = ShareLink.objects.get(label="For the client")
    assert link.view_count == 1
    page.reload()
    expect(page.locator(f"[data-link='{link.pk}'] [data-label='Views']")).to_have_text("1")
    assert problems == []
