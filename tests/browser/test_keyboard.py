"""By keyboard alone: after a sort, a page change or a filter, focus is on the control used (or
its replacement), one short line is read out, and the drawer gives focus back on Escape."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dashboard import picker
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import LAPTOP, PHONE, sideways

pytestmark = pytest.mark.browser


def focused_id(page):
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def press_and_wait(page, selector, url_pattern):
    page.locator(selector).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(url_pattern))
    page.wait_for_function(
        f"() => document.activeElement && document.activeElement.id === {selector[1:]!r}"
    )


def test_focus_stays_on_the_control_used_and_one_line_is_read_out(live_server, page, synced):
    sign_in(page, live_server, "olivia")
    # All time: more than one page of posts.
    page.goto(live_server.url + reverse("posts", args=["northwind"]) + "?range=")
    status = page.locator("#live-status")

    press_and_wait(page, "#sort-engagements", r"[?&]sort=-engagements")
    assert focused_id(page) == "sort-engagements"
    expect(status).to_have_text(re.compile(r"^Showing 1–50 of [\d,]+ posts$"))

    press_and_wait(page, "#page-next", r"[?&]after=")
    assert focused_id(page) == "page-next"
    expect(status).to_have_text(re.compile(r"^Showing 51–100 of [\d,]+ posts$"))

    networks = page.get_by_label("Networks")
    networks.focus()
    networks.select_option("instagram")
    expect(page).to_have_url(re.compile(r"[?&]platforms=instagram"))
    expect(status).to_have_text(re.compile(r"^Showing 1–\d+ of \d+ posts?$"))
    assert page.evaluate("() => document.activeElement.name") == "platforms"

    # The drawer: Enter opens it with focus inside, Escape closes it and gives focus back.
    details = page.locator("#results tbody tr").first.get_by_role("link", name="Details")
    details.focus()
    page.keyboard.press("Enter")
    drawer = page.locator("#drawer")
    expect(drawer).to_be_visible()
    page.wait_for_function(
        "() => document.getElementById('drawer').contains(document.activeElement)"
    )
    # A modal: the page behind it is inert, so Tab stays inside the drawer.
    assert page.evaluate("() => document.querySelector('#results').closest('[inert]') !== null")
    inside = (
        "() => document.getElementById('drawer').contains(document.activeElement)"
        " || document.activeElement === document.body"  # past the last control: the browser's
    )
    for _ in range(12):
        page.keyboard.press("Tab")
        assert page.evaluate(inside)
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    assert page.evaluate("() => document.activeElement.classList.contains('details-link')")
    assert page.evaluate("() => document.querySelector('[inert]') === null")

    # The agency table's sort headings keep focus too.
    page.goto(live_server.url + reverse("agency", args=["northwind"]))
    press_and_wait(page, "#sort-posts", r"[?&]sort=-posts")
    assert focused_id(page) == "sort-posts"
    expect(status).to_contain_text("profiles")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_profile_is_found_by_name_and_chosen_by_keyboard(
    live_server, page, axe, screenshot, synced, monkeypatch, size
):
    # Three profiles here; an agency's thousands would turn the list into this search too.
    monkeypatch.setattr(picker, "LIST_LIMIT", 1)
    wanted = synced["profiles"][1]
    page.set_viewport_size(size)
    sign_in(page, live_server, "olivia")
    status = page.locator("#profile-match-status")
    expect(status).to_have_text("Showing 3 of 3 profiles. Type a name to find others.")

    search = page.get_by_label("Find by name")
    search.focus()
    page.keyboard.type(wanted.title)
    page.keyboard.press("Enter")  # finds, without running the page's filters
    expect(status).to_have_text(f"1 profile match “{wanted.title}”.")
    assert "profile_search" not in page.url
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.value") == str(wanted.pk)
    page.keyboard.press("Space")

    # Checking it filters the overview; focus stays on it for the next one.
    expect(page).to_have_url(re.compile(rf"[?&]profiles={wanted.pk}(&|$)"))
    assert page.evaluate("() => document.activeElement.value") == str(wanted.pk)
    assert axe("picker") == []
    assert sideways(page) == 0
    screenshot("picker")

    # Another search keeps it, checked, above what the new text finds.
    search.fill("")
    expect(status).to_have_text("Showing 2 of 3 profiles. Type a name to find others.")
    chosen = page.get_by_role("list", name="Chosen profiles").get_by_role("checkbox")
    expect(chosen).to_have_count(1)
    expect(chosen).to_be_checked()
