"""Every page at a phone's and a laptop's width: axe-core finds no serious or critical WCAG 2.2 AA
violation, and nothing scrolls sideways (WCAG 1.4.10 reflow)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dashboard import agency
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 860}
PAGES = [
    ("home", "home", ""),
    ("posts", "posts", ""),
    ("agency", "agency", ""),
    ("audience", "audience", ""),
    ("sync", "sync_status", ""),
    ("profiles", "profiles", ""),
    ("members", "members", ""),
    ("settings", "workspace_settings", ""),
]


def sideways(page):
    """How many pixels the page is wider than the window (0 when it reflows)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


def check(page, axe, screenshot, step):
    problems = [f"{step}: {line}" for line in axe(step)]
    extra = sideways(page)
    if extra:
        problems.append(f"{step}: the page scrolls sideways by {extra} px")
    screenshot(step)
    return problems


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_every_signed_in_page_passes_axe_and_reflows(
    live_server,
    page,
    axe,
    screenshot,
    synced,
    size,  # noqa: F811
    monkeypatch,
):
    page.set_viewport_size(size)
    sign_in(page, live_server, "olivia")
    problems = []
    for name, url_name, query in PAGES:
        page.goto(live_server.url + reverse(url_name, args=["northwind"]) + query)
        problems += check(page, axe, screenshot, name)

    # The agency table a page at a time, with its pager; its links swap the table in place.
    monkeypatch.setattr(agency, "PAGE_SIZE", 1)
    page.goto(live_server.url + reverse("agency", args=["northwind"]) + "?page=2")
    pager = page.get_by_role("navigation", name="Pages of profiles")
    problems += check(page, axe, screenshot, "agency-paged")
    pager.get_by_role("link", name="Previous profiles").click()
    expect(page).to_have_url(re.compile(r"[?&]page=1$"))
    expect(pager.get_by_text("Page 1 of")).to_be_visible()

    # States: the posts table after an htmx filter, and the drawer open.
    page.goto(live_server.url + reverse("posts", args=["northwind"]))
    # The default columns fit a laptop: nothing hides to the right of the table's box.
    box = page.locator("#results .table-wrap")
    if box.evaluate("box => box.scrollWidth > box.clientWidth + 1"):
        problems.append("posts: the table scrolls sideways inside its box")
    if size == PHONE:
        page.get_by_role("button", name="Filters").click()
    page.get_by_label("Networks").select_option("instagram")
    expect(page).to_have_url(re.compile(r"[?&]platforms=instagram(&|$)"))
    problems += check(page, axe, screenshot, "posts-filtered")
    page.locator("#results tbody tr").first.get_by_role("link", name="Details").click()
    expect(page.locator("#drawer")).to_be_visible()
    problems += check(page, axe, screenshot, "drawer")

    assert problems == []


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_signed_out_pages_pass_axe_and_reflow(live_server, page, axe, screenshot, size, db):
    page.set_viewport_size(size)
    problems = []
    for name in ("login", "password_reset"):
        page.goto(live_server.url + reverse(name))
        problems += check(page, axe, screenshot, name)
    assert problems == []
