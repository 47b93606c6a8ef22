"""In Chromium, on data synced from the sandbox over HTTP: the pages opened every morning."""

import csv
import datetime
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from dashboard.metrics import duration
from dashboard.models import PlatformPost
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def table_ids(page):
    return page.locator("#results tbody tr").evaluate_all(
        "rows => rows.map(row => row.dataset.socialId)"
    )


def query(page):
    return parse_qs(urlparse(page.url).query)


def test_posts_filter_back_sort_paginate_drawer_and_csv(live_server, page, screenshot, synced):
    sign_in(page, live_server, "olivia")
    # Every post of all time: more than a page (the default is the last 28 days' published).
    posts_url = live_server.url + reverse("posts", args=["northwind"]) + "?range=&show=all"
    page.goto(posts_url)
    first_page = table_ids(page)
    assert len(first_page) == 50
    screenshot("01-posts")

    # A filter swaps the table and puts itself in the address.
    page.get_by_label("Networks").select_option("instagram")
    expect(page).to_have_url(re.compile(r"[?&]platforms=instagram(&|$)"))
    expect(page.locator("#results tbody tr").first).to_be_visible()
    networks = page.locator("#results tbody tr td:nth-child(4)").all_inner_texts()
    assert networks and {n.strip().lower() for n in networks} == {"instagram"}
    instagram = PlatformPost.objects.filter(platform="instagram").count()
    expect(page.locator(".result-count")).to_contain_text(f"of {instagram} post")
    screenshot("02-filtered")

    # Back restores the unfiltered view, form included.
    page.go_back()
    expect(page).to_have_url(posts_url)
    expect(page.locator(".result-count")).not_to_contain_text(f"of {instagram} post")
    assert table_ids(page) == first_page
    assert page.get_by_label("Networks").evaluate("s => [...s.selectedOptions].length") == 0

    # Sorting by engagements puts the biggest first, missing numbers last.
    page.locator("#results thead").get_by_role("link", name="Engagements").click()
    expect(page).to_have_url(f"{posts_url}&sort=-engagements")
    best = PlatformPost.objects.exclude(engagements=None).order_by("-engagements", "-pk")[0]
    expect(page.locator("#results tbody tr").first).to_have_attribute(
        "data-social-id", best.social_id
    )
    screenshot("03-sorted")

    # The next page keeps the sort; the CSV of the same address lists the same rows in order.
    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"\?range=&show=all&sort=-engagements&after=[\w=-]+$"))
    second_page = table_ids(page)
    assert len(second_page) == 50 and second_page[0] != best.social_id
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    with open(download.value.path(), encoding="utf-8", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert [row["social_id"] for row in rows[50:100]] == second_page
    assert len(rows) == PlatformPost.objects.count()

    # A row opens the drawer with that post; Escape closes it.
    page.locator("#results tbody tr").first.get_by_role("link", name="Details").click()
    drawer = page.locator("#drawer")
    expect(drawer).to_be_visible()
    expect(drawer.get_by_role("heading").first).to_be_visible()
    first = PlatformPost.objects.get(social_id=second_page[0])
    expect(drawer).to_contain_text(first.text.split("\n")[0][:30])
    screenshot("04-drawer")
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()


def chart_points(page, chart_id):
    return page.locator(f'canvas[data-chart="{chart_id}"]').evaluate(
        "canvas => Chart.getChart(canvas).data.datasets.map(d => d.data)"
    )


def daily_engagements(first, days):
    """The engagements of network posts published on each local day, added up here in Python:
    0 for a day without posts, None for a day whose posts report none."""
    days = [first + datetime.timedelta(days=n) for n in range(days)]
    posted, sums = set(), {}
    for post in PlatformPost.objects.exclude(social_id__startswith="ayrshare:"):
        day = post.published_at and timezone.localdate(post.published_at)
        posted.add(day)
        if post.engagements is not None:
            sums[day] = sums.get(day, 0) + post.engagements
    return [sums.get(day) if day in posted else 0 for day in days]


def test_overview_charts_draw_the_stored_numbers(live_server, page, screenshot, synced):
    sign_in(page, live_server, "olivia")
    page.goto(live_server.url + reverse("home", args=["northwind"]) + "?range=28")
    expect(page.locator('canvas[data-chart="chart-engagements"]')).to_be_visible()
    first = timezone.localdate() - datetime.timedelta(days=27)
    expected = daily_engagements(first, 28)
    assert any(expected)
    assert chart_points(page, "chart-engagements") == [expected]
    stacked = chart_points(page, "chart-platforms")
    by_day = [sum(v or 0 for v in day) for day in zip(*stacked, strict=True)]
    assert by_day == [v or 0 for v in expected]
    screenshot("01-overview")

    # Weekly grouping swaps the section and keeps the total.
    page.get_by_label("Week", exact=True).check()
    expect(page).to_have_url(re.compile(r"[?&]every=week(&|$)"))
    weekly = chart_points(page, "chart-engagements")[0]
    assert 4 <= len(weekly) <= 5
    # Weeks may start before the period: compare only what falls inside it.
    assert sum(v or 0 for v in weekly) >= sum(v or 0 for v in expected)

    # Typing a date switches the period to custom dates.
    page.get_by_label("From").fill((first + datetime.timedelta(days=7)).isoformat())
    page.get_by_label("From").dispatch_event("change")
    expect(page).to_have_url(re.compile(r"[?&]range=custom&start=\d{4}-\d\d-\d\d"))
    screenshot("02-overview-custom")


def test_agency_view_sorts_and_opens_a_profiles_overview(live_server, page, screenshot, synced):
    sign_in(page, live_server, "olivia")
    page.goto(live_server.url + reverse("agency", args=["northwind"]))
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    screenshot("01-agency")

    page.locator("thead").get_by_role("link", name="Posts").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-posts(&|$)"))
    counts = [int(c.replace(",", "")) for c in rows.locator("td:nth-child(2)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and len(counts) == 3
    page.locator("thead").get_by_role("link", name="Posts").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=posts(&|$)"))
    counts_up = [int(c.replace(",", "")) for c in rows.locator("td:nth-child(2)").all_inner_texts()]
    assert counts_up == sorted(counts)
    screenshot("02-agency-sorted")

    title = rows.first.locator("th > a").inner_text().strip()
    rows.first.locator("th > a").click()
    expect(page).to_have_url(re.compile(r"/w/northwind/\?.*profiles=\d+"))
    assert title in page.locator("main").inner_text()


def test_a_client_sees_only_the_assigned_profile_everywhere(live_server, page, screenshot, synced):
    mine, *others = synced["profiles"]
    sign_in(page, live_server, "clara")
    for name in ("home", "agency", "posts", "audience"):
        page.goto(live_server.url + reverse(name, args=["northwind"]))
        text = page.locator("main").inner_text()
        assert mine.title in text, name
        for other in others:
            assert other.title not in text, (name, other.title)
        screenshot(f"client-{name}")
    assert set(
        page.goto(live_server.url + reverse("posts", args=["northwind"])) and table_ids(page)
    ) <= set(PlatformPost.objects.filter(profile=mine).values_list("social_id", flat=True))


def test_a_failed_update_says_so_and_keeps_the_table(live_server, page, synced):
    sign_in(page, live_server, "olivia")
    page.goto(live_server.url + reverse("posts", args=["northwind"]))
    before = table_ids(page)
    # The connection drops for the table's own requests: htmx ones carry HX-Request.
    page.route(
        re.compile(r".*/posts/\?.*"),
        lambda route: (
            route.abort() if route.request.headers.get("hx-request") else route.continue_()
        ),
    )
    page.get_by_label("Networks").select_option("instagram")
    expect(page.get_by_role("alert")).to_contain_text("did not answer")
    assert table_ids(page) == before


@pytest.fixture
def threads_linked(sandbox):
    """Threads linked to the first sandbox profile before the sync; unlinked again after."""
    sandbox.link(0, "threads")
    yield
    sandbox.unlink(0, "threads")


def test_watch_time_audience_numbers_and_link_clicks_as_ayrshare_sends_them_today(
    live_server, page, screenshot, threads_linked, synced
):
    sign_in(page, live_server, "olivia")

    # The drawer of a video says how long people watched it.
    video = (
        PlatformPost.objects.filter(platform="tiktok", watch_time__isnull=False)
        .order_by("-views", "pk")
        .first()
    )
    assert video is not None
    page.goto(
        live_server.url
        + reverse("posts", args=["northwind"])
        + "?platforms=tiktok&sort=-views&range=&show=all"
    )
    row = page.locator(f'#results tbody tr[data-social-id="{video.social_id}"]')
    row.get_by_role("link", name="Details").click()
    drawer = page.locator("#drawer")
    this_post = drawer.locator("section", has=page.get_by_text("(this post)"))
    expect(this_post.get_by_text("Watch time")).to_be_visible()
    expect(this_post.get_by_text("Average view duration")).to_be_visible()
    expect(this_post).to_contain_text(duration(video.watch_time))
    screenshot("01-drawer-video")
    page.keyboard.press("Escape")

    # The audience page: LinkedIn's organic and paid followers, Threads and Bluesky accounts.
    first = synced["profiles"][0]
    page.goto(live_server.url + reverse("audience", args=["northwind"]) + f"?profile={first.pk}")
    linkedin = page.locator("article.account-card", has_text="LinkedIn")
    expect(linkedin.get_by_text("Organic followers")).to_be_visible()
    expect(linkedin.get_by_text("Paid followers")).to_be_visible()
    for network in ("Threads", "Bluesky"):
        expect(page.locator("article.account-card", has_text=network)).to_be_visible()
    # The links table shows each link's clicks.
    links = page.locator("table.links-table tbody tr")
    expect(links.first).to_be_visible()
    clicks = links.locator("td.num").all_inner_texts()
    assert any(text.strip().replace(",", "").isdigit() and text.strip() != "0" for text in clicks)
    screenshot("02-audience")
