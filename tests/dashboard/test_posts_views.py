import csv
import datetime
import io
import re
from html import unescape

import pytest
from django.utils import timezone

from dashboard.models import PlatformPost, SyncState
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory, PostFactory

pytestmark = pytest.mark.django_db

# session, user, membership, profiles choices, count, rows, the other three tabs' counts,
# the networks whose oldest posts Ayrshare no longer gives
MAX_QUERIES = 11
FRAGMENT = {"HX-Request": "true", "HX-Target": "results"}


def url(membership, query=""):
    return f"/w/{membership.workspace.slug}/posts/{query}"


@pytest.fixture
def member(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    return membership


@pytest.fixture
def profile(member):
    return ProfileFactory(workspace=member.workspace, title="Acme Coffee")


def test_the_page_lists_posts_with_text_escaped(client, member, profile):
    PlatformPostFactory(profile=profile, text="<script>alert(1)</script> launch")
    response = client.get(url(member))
    page = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)" in page and "<script>alert(1)" not in page
    assert "Acme Coffee" in page
    assert 'id="filters"' in page and 'hx-push-url="true"' in page
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_htmx_gets_only_the_table(client, member, profile):
    PlatformPostFactory(profile=profile, text="Morning espresso")
    response = client.get(url(member, "?q=espresso"), headers=FRAGMENT)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Morning espresso" in page
    assert "<html" not in page and 'id="filters"' not in page
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(client, member, profile):
    headers = {**FRAGMENT, "HX-History-Restore-Request": "true"}
    page = client.get(url(member), headers=headers).content.decode()
    assert "<html" in page


def test_empty_state_offers_a_reset(client, member, profile):
    PlatformPostFactory(profile=profile, text="Morning espresso")
    page = client.get(url(member, "?q=tea")).content.decode()
    assert "No posts match these filters" in page
    assert f'href="{url(member)}"' in page


def test_bad_input_is_a_400_with_the_form_and_the_message(client, member):
    response = client.get(url(member, "?start=2026-05-02&end=2026-05-01&sort=evil"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "after the “To” date" in page and "valid choice" in page
    assert 'id="filters"' in page


def test_a_client_never_sees_another_profiles_posts(client, member):
    client_member = MembershipFactory(workspace=member.workspace, role="client")
    mine = ProfileFactory(workspace=member.workspace)
    theirs = ProfileFactory(workspace=member.workspace)
    client_member.profiles.add(mine)
    PlatformPostFactory(profile=mine, text="Assigned post")
    PlatformPostFactory(profile=theirs, text="Secret post")
    client.force_login(client_member.user)

    assert b"Secret post" not in client.get(url(member)).content
    response = client.get(url(member, f"?profiles={theirs.pk}"))
    assert response.status_code == 400 and b"Secret post" not in response.content


def test_missing_metric_is_a_dash_with_a_reason_and_zero_is_zero(client, member, profile):
    PlatformPostFactory(profile=profile, platform="youtube", views=0, impressions=None)
    page = client.get(url(member)).content.decode()
    row = page.split("<tbody>")[1].split("</tr>")[0]
    assert 'title="Not reported by this network"' in row
    # In words too: read out, and shown on a phone's card, where nothing hovers.
    assert '<span class="reason"> (not reported by this network)</span>' in row
    assert 'data-label="Views">0</td>' in row


def test_a_failed_metrics_fetch_is_not_a_zero_nor_a_wait(client, member, profile):
    PlatformPostFactory(
        profile=profile, platform="facebook", likes=None, analytics_error="HTTP 500 from Ayrshare"
    )
    page = client.get(url(member)).content.decode()
    row = page.split("<tbody>")[1].split("</tr>")[0]
    assert 'title="Fetch failed"' in row
    assert "Not available yet" not in row


def test_failed_placeholder_shows_the_network_error(client, member, profile):
    post = PostFactory(profile=profile, status="error")
    PlatformPostFactory(
        profile=profile,
        post=post,
        social_id="ayrshare:abc:tiktok",
        status="error",
        published_at=None,
        error_message="Video too long for <TikTok>",
    )
    page = client.get(url(member, "?show=failed")).content.decode()
    assert "Video too long for &lt;TikTok&gt;" in page
    assert "not published yet" in page


def test_sort_and_page_links_keep_the_filters(client, member, profile):
    PlatformPostFactory.create_batch(51, profile=profile, platform="instagram")
    page = client.get(url(member, "?platforms=instagram")).content.decode()
    assert re.search(r'href="\?platforms=instagram&amp;after=[\w-]+" hx-get="[^"]+"', page)
    assert 'href="?platforms=instagram&amp;sort=-impressions"' in page
    assert "Page 1 of 2" in page


def links(html, rel):
    """The href of the rel= link, unescaped, checking it is also an htmx link that pushes."""
    match = re.search(
        rf'<a href="([^"]+)" hx-get="([^"]+)"[^>]*hx-push-url="true" rel="{rel}"', html
    )
    if not match:
        return None
    assert match[1] == match[2]
    return unescape(match[1])


def social_ids(html):
    return re.findall(r'data-social-id="([^"]+)"', html)


@pytest.mark.parametrize("cap", [1000, 5])  # few rows (read all, sorted) or many (by index)
@pytest.mark.parametrize("query", ["?sort=-likes", "?platforms=instagram&sort=views", ""])
def test_next_and_newer_links_walk_every_row_once(client, member, profile, query, cap, monkeypatch):
    monkeypatch.setattr("dashboard.queries.COUNT_CAP", cap)
    now = timezone.now().replace(microsecond=0)
    for n in range(130):
        PlatformPostFactory(
            profile=profile,
            platform="instagram" if n % 3 else "facebook",
            likes=None if n % 7 == 0 else n % 5,
            views=None if n % 4 == 0 else n % 3,
            published_at=now - datetime.timedelta(hours=n % 20),
        )
    pages, link = [], url(member, query)
    while link:
        html = client.get(link if link.startswith("/") else url(member, link)).content.decode()
        pages.append(social_ids(html))
        link = links(html, "next")
    body = b"".join(client.get(url(member, "export.csv" + query)).streaming_content)
    rows = csv.DictReader(io.StringIO(body.decode().removeprefix("\ufeff")))
    shown = [social_id for page in pages for social_id in page]
    assert len(shown) == len(set(shown)) and len(pages) > 1
    expected = PlatformPost.objects.filter(profile=profile)
    if "instagram" in query:
        expected = expected.filter(platform="instagram")
    assert sorted(shown) == sorted(expected.values_list("social_id", flat=True))
    assert [row["social_id"] for row in rows] == shown  # the CSV's order is the table's
    # And back: "Newer page" from the last page shows the pages before, in order.
    back = [pages[-1]]
    link = links(html, "prev")
    while link:
        html = client.get(url(member, link)).content.decode()
        back.append(social_ids(html))
        link = links(html, "prev")
    assert back[::-1] == pages


def test_the_table_rows_equal_the_csv_rows_walking_by_cursor(client, member, profile):
    for n in range(60):
        PlatformPostFactory(profile=profile, likes=None if n % 6 == 0 else n % 4)
    shown, link = [], url(member, "?sort=-likes")
    while link:
        html = client.get(link if link.startswith("/") else url(member, link)).content.decode()
        shown += social_ids(html)
        link = links(html, "next")
    body = b"".join(client.get(url(member, "export.csv?sort=-likes")).streaming_content)
    rows = csv.DictReader(io.StringIO(body.decode().removeprefix("\ufeff")))
    assert [row["social_id"] for row in rows] == shown


def test_a_second_page_says_so_and_offers_the_first(client, member, profile):
    PlatformPostFactory.create_batch(160, profile=profile)
    first = client.get(url(member)).content.decode()
    second = client.get(url(member, links(first, "next"))).content.decode()
    third = client.get(url(member, links(second, "next"))).content.decode()
    assert "Page 2 of 4" in second and "Showing 51–100 of 160" in second
    assert links(second, "prev") == "?"  # the first page is a plain link
    assert "Page 3 of 4" in third and "First page" in third
    assert "before=" in links(third, "prev")


def test_an_old_page_number_link_still_works_near_the_top(client, member, profile):
    PlatformPostFactory.create_batch(60, profile=profile)
    page = client.get(url(member, "?page=2")).content.decode()
    assert len(social_ids(page)) == 10 and "Page 2 of 2" in page
    response = client.get(url(member, "?page=500"))
    assert response.status_code == 400
    assert "use the page links" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["?after=garbage", "?after=WzEsMiwzXQ&sort=-published_at", "?before=e30"]
)
def test_a_tampered_page_link_is_a_400_with_a_message(client, member, profile, query):
    PlatformPostFactory(profile=profile)
    response = client.get(url(member, query))
    assert response.status_code == 400
    assert "page link is damaged" in response.content.decode()
    fragment = client.get(url(member, query), headers=FRAGMENT)
    assert fragment.status_code == 200 and 'role="alert"' in fragment.content.decode()
    assert "page link is damaged" in fragment.content.decode()


def test_a_cursor_for_another_sort_is_refused_not_a_500(client, member, profile):
    PlatformPostFactory.create_batch(51, profile=profile, likes=5)
    first = client.get(url(member, "?sort=-likes")).content.decode()
    cursor = links(first, "next").split("after=")[1]
    assert client.get(url(member, f"?after={cursor}")).status_code == 400


@pytest.mark.parametrize("headers", [{}, FRAGMENT])
def test_a_deep_page_costs_the_queries_of_the_first(
    client, member, profile, headers, django_assert_max_num_queries
):
    PlatformPostFactory.create_batch(160, profile=profile)
    first = client.get(url(member)).content.decode()
    with django_assert_max_num_queries(MAX_QUERIES) as captured:
        second = client.get(url(member, links(first, "next")), headers=headers)
    assert second.status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES) as again:
        client.get(url(member), headers=headers)
    assert len(captured) == len(again)


def test_the_fragment_carries_a_csv_link_for_the_same_filters(client, member, profile):
    PlatformPostFactory(profile=profile, platform="instagram")
    page = client.get(url(member, "?platforms=instagram&sort=likes&page=1"), headers=FRAGMENT)
    export = f"/w/{member.workspace.slug}/posts/export.csv?platforms=instagram&amp;sort=likes"
    assert f'href="{export}"' in page.content.decode()


def test_bad_input_from_htmx_shows_the_message_in_place(client, member):
    # htmx would not swap a 400, so the fragment carries the message instead.
    response = client.get(url(member, "?start=2026-05-02&end=2026-05-01"), headers=FRAGMENT)
    assert response.status_code == 200
    assert "after the “To” date" in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def placeholder(profile, status, when):
    post = PostFactory(profile=profile, status=status, schedule_date=when)
    return PlatformPostFactory(
        profile=profile,
        post=post,
        social_id=f"ayrshare:{post.pk}:facebook",
        status=status,
        # As the sync stores one: dated by its schedule (upsert._upsert_network_entries).
        published_at=when,
    )


def tab_counts(page):
    return dict(re.findall(r'id="tab-(\w+)"[^>]*>[^<]+<span class="tab-count">([\d,+]+)<', page))


def test_the_page_opens_on_published_posts_newest_first_with_a_count_per_tab(
    client, member, profile
):
    now = timezone.now()
    older = PlatformPostFactory(profile=profile, published_at=now - datetime.timedelta(days=3))
    newer = PlatformPostFactory(profile=profile, published_at=now - datetime.timedelta(hours=1))
    ahead = placeholder(profile, "pending", now + datetime.timedelta(days=40))
    failed = placeholder(profile, "error", now - datetime.timedelta(days=1))
    # Published before the default period: on "All time" only.
    PlatformPostFactory(profile=profile, published_at=now - datetime.timedelta(days=60))

    page = client.get(url(member)).content.decode()

    assert social_ids(page) == [newer.social_id, older.social_id]
    assert tab_counts(page) == {"published": "2", "upcoming": "1", "failed": "1", "all": "4"}
    assert re.search(r'id="tab-published"[^>]*aria-current="page"', page)
    assert '<option value="28" selected>' in page
    upcoming = client.get(url(member, "?show=upcoming")).content.decode()
    assert social_ids(upcoming) == [ahead.social_id]
    assert "Scheduled for" in upcoming
    assert social_ids(client.get(url(member, "?show=failed")).content.decode()) == [
        failed.social_id
    ]
    every = client.get(url(member, "?show=all&range=")).content.decode()
    assert len(social_ids(every)) == 5


def test_the_csv_without_a_query_has_the_rows_the_page_shows_without_one(client, member, profile):
    shown = PlatformPostFactory(profile=profile)
    placeholder(profile, "pending", timezone.now() + datetime.timedelta(days=2))
    PlatformPostFactory(profile=profile, published_at=timezone.now() - datetime.timedelta(days=90))

    response = client.get(url(member, "export.csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert [row["social_id"] for row in rows] == [shown.social_id]


def test_a_tab_keeps_the_other_filters_and_the_form_keeps_the_tab(client, member, profile):
    PlatformPostFactory(profile=profile, platform="instagram")
    page = client.get(url(member, "?platforms=instagram&show=failed")).content.decode()
    assert 'href="?platforms=instagram&amp;show=upcoming"' in page
    assert '<input type="hidden" name="show" value="failed" form="filters">' in page


def test_the_default_table_fits_a_laptop_and_a_person_chooses_more_columns(client, member, profile):
    PlatformPostFactory(profile=profile, impressions=900, likes=12, comments=3)
    headings = re.compile(r'<th scope="col" class="num"[^>]*>\s*<a id="sort-(\w+)"')

    page = client.get(url(member, "?q=Network")).content.decode()
    assert headings.findall(page) == [
        "impressions",
        "reach",
        "views",
        "engagements",
        "engagement_rate",
    ]

    back = url(member, "?q=Network")
    response = client.post(
        url(member, "columns/"), {"columns": ["comments", "likes"], "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    page = client.get(back).content.decode()
    assert headings.findall(page) == ["likes", "comments"]
    assert ">12<" in page and ">900<" not in page
    # Another person of the same workspace keeps the default.
    other = MembershipFactory(workspace=member.workspace)
    client.force_login(other.user)
    assert len(headings.findall(client.get(url(member)).content.decode())) == 5


def test_a_bad_column_choice_says_so_and_changes_nothing(client, member, profile):
    PlatformPostFactory(profile=profile)
    response = client.post(
        url(member, "columns/"), {"columns": ["likes", "password"], "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == url(member)
    page = client.get(url(member)).content.decode()
    assert "The columns were not changed" in page and "password" in page
    member.refresh_from_db()
    assert member.post_columns is None


def test_choosing_columns_needs_a_post(client, member):
    assert client.get(url(member, "columns/")).status_code == 405


def test_the_phone_filter_button_counts_the_filters_in_use(client, member, profile):
    page = client.get(url(member, "?platforms=instagram&q=tea")).content.decode()
    assert re.search(r'aria-controls="filter-fields">Filters<span id="filter-count"> \(2\)', page)
    assert 'id="filter-count"> (2)' in page and page.count('id="filter-count"') == 1
    fragment = client.get(url(member, "?q=tea&range="), headers=FRAGMENT).content.decode()
    assert '<span id="filter-count" hx-swap-oob="true"> (2)</span>' in fragment
    plain = client.get(url(member)).content.decode()
    assert '<span id="filter-count"></span>' in plain


def test_the_sort_is_a_labelled_select_too_for_phones(client, member, profile):
    PlatformPostFactory(profile=profile)
    page = client.get(url(member, "?sort=-views"), headers=FRAGMENT).content.decode()
    assert '<label for="id_sort">Sort by</label>' in page
    assert '<option value="-views" selected>Views, highest first</option>' in page
    assert 'name="sort" form="filters"' in page


@pytest.mark.parametrize(
    "address", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>"]
)
def test_a_post_address_that_is_not_http_is_text_not_a_link(client, member, profile, address):
    PlatformPostFactory(profile=profile, text="Launch day", url=address, engagements=5)
    for page in (
        client.get(url(member)).content.decode(),
        client.get(f"/w/{member.workspace.slug}/").content.decode(),  # top and latest posts
    ):
        assert "Launch day" in page
        assert "javascript:" not in page.lower() and 'href="data:' not in page


def test_a_web_address_stays_a_link(client, member, profile):
    PlatformPostFactory(profile=profile, text="Launch day", url="https://example.com/p/1")
    page = client.get(url(member)).content.decode()
    assert '<a href="https://example.com/p/1" rel="noopener noreferrer"' in page


def test_the_page_says_which_networks_older_posts_ayrshare_cannot_give(client, member, profile):
    PlatformPostFactory(profile=profile)
    SyncState.objects.create(
        profile=profile,
        unit="platform:facebook",
        cursor={"reaches_back": "2025-03-03T10:00:00+00:00"},
    )
    SyncState.objects.create(profile=profile, unit="platform:instagram", cursor={})

    every = client.get(url(member, "?range=")).content.decode()
    assert "Facebook posts of Acme Coffee before Mar 3, 2025" in every
    assert "Instagram posts of" not in every
    # The last 28 days start after that date: nothing is missing from them.
    assert "posts of Acme Coffee before" not in client.get(url(member)).content.decode()
