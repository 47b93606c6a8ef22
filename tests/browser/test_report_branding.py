"""A workspace logo uploaded through the real browser's file input, and a report in German
number format with its per-network table and links: axe-clean at a phone's and a laptop's
width, no sideways scrolling."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dashboard.reports import periods
from dashboard.reports.models import SECTION_KEYS, Report
from tests.accounts.test_logos import png
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.browser.test_accessibility import LAPTOP, PHONE, check

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_an_owner_uploads_a_logo_and_reads_a_german_format_report(
    live_server, page, axe, screenshot, synced, size, tmp_path, request
):
    page.set_viewport_size(size)
    sign_in(page, live_server, "olivia")
    page.goto(live_server.url + reverse("workspace_settings", args=["northwind"]))
    svg = tmp_path / "logo.png"
    svg.write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    page.get_by_label("Logo").set_input_files(svg)
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".settings-form")).to_contain_text("SVG is not accepted")
    problems = check(page, axe, screenshot, "settings-logo-refused")

    logo = tmp_path / "northwind.png"
    logo.write_bytes(png(160, 48))
    page.get_by_label("Logo").set_input_files(logo)
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("img", name="Northwind Agency logo")).to_be_visible()
    problems += check(page, axe, screenshot, "settings-logo")

    report = Report.objects.create(
        workspace=synced["workspace"],
        title="Northwind in German numbers",
        sections=list(SECTION_KEYS),
        period_rule=periods.LAST_28_DAYS,
        number_format="de",
    )
    page.goto(live_server.url + reverse("report", args=["northwind", report.pk]))
    header = page.locator(".report-head")
    expect(header.get_by_role("img", name="Northwind Agency logo")).to_be_visible()
    expect(header.locator(".report-period")).to_contain_text(re.compile(r"\d\d\.\d\d\.\d{4}"))
    table = page.locator(".network-table")
    expect(table.locator("tbody tr").first).to_be_visible()
    expect(page.locator("[data-links='summary']")).to_contain_text("as of")
    problems += check(page, axe, screenshot, "report-de")
    ARTIFACTS.mkdir(exist_ok=True)
    for name in ("section-network-table", "section-links"):
        section = page.locator(f"section[aria-labelledby='{name}']")
        section.screenshot(path=ARTIFACTS / f"{request.node.name}-{name}.png")
    assert problems == []
