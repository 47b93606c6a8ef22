import datetime
import re

import pytest
from django.db import connection
from django.db.models import Count, Q, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Membership
from dashboard import agency, trends
from dashboard.models import AccountMetrics, LinkedAccount, PlatformPost, SyncState
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory

pytestmark = pytest.mark.django_db

FRAGMENT = {"HX-Request": "true", "HX-Target": "agency-table"}


def url(membership, query=""):
    return f"/w/{membership.workspace.slug}/agency/{query}"


def days_ago(n):
    return timezone.now() - datetime.timedelta(days=n)


@pytest.fixture
def member(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    return membership


def profile_order(page):
    """Profile titles in the order of the table's rows."""
    return re.findall(
        r'<th scope="row" class="agency-profile">\s*<a [^>]*>.*?</svg> ([^<]+)</a>', page
    )


def health_of(page, title):
    """The health cell of one profile's row."""
    return row_of(page, title).split('data-label="Health">')[1]


def row_of(page, title):
    """The HTML of the table row of one profile."""
    start = page.index(f"</svg> {title}</a>")
    return page[start : page.index("</tr>", start)]


def test_each_row_equals_the_direct_aggregate_of_its_posts(client, member):
    acme = ProfileFactory(workspace=member.workspace, title="Acme")
    PlatformPostFactory(profile=acme, impressions=1000, engagements=50, published_at=days_ago(1))
    PlatformPostFactory(profile=acme, impressions=3000, engagements=None, published_at=days_ago(2))
    PlatformPostFactory(profile=acme, impressions=None, engagements=7, published_at=days_ago(3))
    # Outside the 28-day default period, and an Ayrshare placeholder: neither counts.
    PlatformPostFactory(profile=acme, impressions=99999, engagements=1, published_at=days_ago(40))
    PlatformPostFactory(
        profile=acme, social_id="ayrshare:x", impressions=88888, published_at=days_ago(1)
    )

    row = row_of(client.get(url(member)).content.decode(), "Acme")

    direct = (
        PlatformPost.objects.filter(profile=acme, published_at__gte=days_ago(27.9))
        .exclude(social_id__startswith="ayrshare:")
        .aggregate(
            posts=Count("pk"),
            impr=Sum("impressions"),
            eng=Sum("engagements"),
            both_e=Sum("engagements", filter=Q(impressions__isnull=False)),
            both_i=Sum("impressions", filter=Q(engagements__isnull=False)),
        )
    )
    cells = re.findall(r'<td class="num"[^>]*>(.*?)</td>', row)
    assert cells[0] == str(direct["posts"]) == "3"
    assert cells[1] == f"{direct['impr']:,}" == "4,000"
    assert cells[2] == str(direct["eng"]) == "57"
    assert cells[3] == f"{direct['both_e'] / direct['both_i'] * 100:.2f} %" == "5.00 %"


def test_missing_numbers_are_a_dash_with_a_reason_not_zero(client, member):
    ProfileFactory(workspace=member.workspace, title="Quiet")
    page = client.get(url(member)).content.decode()
    quiet = row_of(page, "Quiet")
    assert 'data-label="Posts published">0</td>' in quiet  # no posts is a true zero
    assert 'title="No posts published in this period">—' in quiet
    assert 'title="No follower count reported yet">—' in quiet
    assert "Engagement rate = engagements ÷ the first positive of impressions, reach, views" in page


def test_followers_and_growth_come_from_account_metrics(client, member):
    acme = ProfileFactory(workspace=member.workspace, title="Acme")
    today = timezone.localdate()
    AccountMetrics.objects.create(
        profile=acme, platform="facebook", date=today - datetime.timedelta(days=30), followers=1000
    )
    AccountMetrics.objects.create(profile=acme, platform="facebook", date=today, followers=1250)
    row = row_of(client.get(url(member)).content.decode(), "Acme")
    assert 'data-label="Followers">1,250</td>' in row
    assert 'data-label="Growth">+250</td>' in row


def test_the_profile_links_to_its_overview_for_the_same_period(client, member):
    acme = ProfileFactory(workspace=member.workspace, title="Acme")
    page = client.get(url(member, "?range=7")).content.decode()
    assert f'href="/w/{member.workspace.slug}/?profiles={acme.pk}&amp;range=7"' in page


@pytest.fixture
def three(member):
    high = ProfileFactory(workspace=member.workspace, title="beta")
    low = ProfileFactory(workspace=member.workspace, title="Alpha")
    none = ProfileFactory(workspace=member.workspace, title="Gamma")
    PlatformPostFactory(profile=high, engagements=500, impressions=1000)
    PlatformPostFactory(profile=low, engagements=5, impressions=1000)
    PlatformPostFactory(profile=none, engagements=None, impressions=None)
    return high, low, none


def test_sorting_by_engagements_puts_missing_numbers_last_both_ways(client, member, three):
    descending = client.get(url(member, "?sort=-engagements")).content.decode()
    assert profile_order(descending) == ["beta", "Alpha", "Gamma"]
    assert 'aria-sort="descending"' in descending
    ascending = client.get(url(member, "?sort=engagements")).content.decode()
    assert profile_order(ascending) == ["Alpha", "beta", "Gamma"]


def test_sorting_by_title_ignores_case_and_links_flip_the_direction(client, member, three):
    page = client.get(url(member)).content.decode()
    assert profile_order(page) == ["Alpha", "beta", "Gamma"]
    assert 'href="?sort=-title"' in page
    assert profile_order(client.get(url(member, "?sort=-title")).content.decode()) == [
        "Gamma",
        "beta",
        "Alpha",
    ]
    # A sort link keeps the chosen period.
    assert (
        'href="?range=7&amp;sort=-engagements"'
        in client.get(url(member, "?range=7")).content.decode()
    )


def test_bad_sort_or_period_is_a_400_with_a_message(client, member, three):
    response = client.get(url(member, "?sort=-password"))
    assert response.status_code == 400
    assert "Sort by: Select a valid choice." in response.content.decode()
    response = client.get(url(member, "?start=2026-03-10&end=2026-03-01"))
    assert response.status_code == 400
    assert "after" in response.content.decode()
    # htmx does not swap a 4xx: the fragment carries the message instead.
    fragment = client.get(url(member, "?sort=nope"), headers=FRAGMENT)
    assert fragment.status_code == 200 and 'role="alert"' in fragment.content.decode()


def test_htmx_gets_only_the_table(client, member, three):
    response = client.get(url(member, "?sort=-engagements"), headers=FRAGMENT)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and 'id="period"' not in page
    assert profile_order(page) == ["beta", "Alpha", "Gamma"]
    assert 'hx-target="#agency-table"' in page and 'hx-push-url="true"' in page
    assert "HX-Request" in response["Vary"]
    restore = client.get(url(member), headers={**FRAGMENT, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()


def test_a_client_sees_only_their_assigned_profiles(client):
    membership = MembershipFactory(role=Membership.Role.CLIENT)
    mine = ProfileFactory(workspace=membership.workspace, title="Mine")
    ProfileFactory(workspace=membership.workspace, title="Someone else")
    membership.profiles.add(mine)
    client.force_login(membership.user)
    page = client.get(url(membership)).content.decode()
    assert profile_order(page) == ["Mine"]
    assert "Someone else" not in page


def test_no_profiles_shows_the_way_to_the_profiles_page(client, member):
    page = client.get(url(member)).content.decode()
    assert "No profiles to compare yet" in page
    assert f'href="/w/{member.workspace.slug}/profiles/"' in page


def test_health_badges_failing_stale_and_ok(client, member):
    now = timezone.now()
    ok = ProfileFactory(workspace=member.workspace, title="Fine")
    stale = ProfileFactory(workspace=member.workspace, title="Behind")
    failing = ProfileFactory(workspace=member.workspace, title="Broken")
    ProfileFactory(workspace=member.workspace, title="New")
    hour = datetime.timedelta(hours=1)
    SyncState.objects.create(profile=ok, unit="history", last_success=now, next_update=now + hour)
    SyncState.objects.create(
        profile=stale, unit="history", last_success=now - 3 * hour, next_update=now - 2 * hour
    )
    SyncState.objects.create(
        profile=failing,
        unit="history",
        last_success=now - hour,
        next_update=now,
        consecutive_failures=3,
        last_error="Profile-Key not valid",
    )

    page = client.get(url(member)).content.decode()

    # Why, in words under the badge (not in a hover title), in a marketer's words.
    fine = health_of(page, "Fine")
    assert ">OK<" in fine and "small" not in fine
    behind = health_of(page, "Behind")
    assert ">Stale<" in behind and '<span class="muted small">Post history: due since' in behind
    broken = health_of(page, "Broken")
    assert ">Failing<" in broken
    assert "Post history: Profile-Key not valid (3× in a row)" in broken
    new = row_of(page, "New")
    assert ">Stale<" in new and "No sync has run for this profile yet" in new
    assert 'data-label="Last sync">\n              <span class="muted">never</span>' in new
    assert all("title=" not in health_of(page, name) for name in ("Fine", "Behind", "Broken"))
    worst_first = client.get(url(member, "?sort=-health")).content.decode()
    assert profile_order(worst_first)[0] == "Broken"
    assert profile_order(worst_first)[-1] == "Fine"


def test_the_sparkline_has_one_point_per_day(client, member):
    acme = ProfileFactory(workspace=member.workspace, title="Acme")
    PlatformPostFactory(profile=acme, engagements=40, published_at=days_ago(0))
    PlatformPostFactory(profile=acme, engagements=10, published_at=days_ago(3))
    row = row_of(client.get(url(member, "?range=7")).content.decode(), "Acme")

    points = re.findall(r'<polyline points="([^"]+)"', row)
    assert len(points) == 1 and len(points[0].split()) == 7
    assert 'data-points="7"' in row
    assert "total 50" in row and "peak 40" in row
    assert 'role="img"' in row


def test_a_long_period_has_one_point_per_week_and_all_time_starts_with_the_first_post(
    client, member
):
    acme = ProfileFactory(workspace=member.workspace, title="Acme")
    PlatformPostFactory(profile=acme, engagements=5, published_at=days_ago(400))
    PlatformPostFactory(profile=acme, engagements=7, published_at=days_ago(0))
    page = client.get(url(member, "?range=")).content.decode()
    row = row_of(page, "Acme")

    weeks = len(
        trends.buckets(
            timezone.localdate() - datetime.timedelta(days=400), timezone.localdate(), "week"
        )
    )
    assert f'data-points="{weeks}"' in row
    assert "Weekly engagements" in row and "total 12" in row
    assert f"?profiles={acme.pk}&amp;range=" in page  # the profile link keeps "All time"


def test_a_day_whose_posts_report_nothing_is_a_gap(client, member):
    acme = ProfileFactory(workspace=member.workspace, title="Acme")
    PlatformPostFactory(profile=acme, engagements=None, published_at=days_ago(3))
    row = row_of(client.get(url(member, "?range=7")).content.decode(), "Acme")
    segments = [len(p.split()) for p in re.findall(r'<polyline points="([^"]+)"', row)]
    assert segments == [3, 3]
    assert "1 day with posts that report no engagements" in row


def _queries(client, membership):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(membership)).status_code == 200
    return len(captured)


def _profiles(workspace, count):
    for _ in range(count):
        profile = ProfileFactory(workspace=workspace)
        PlatformPostFactory(profile=profile, engagements=3, impressions=10)
        SyncState.objects.create(profile=profile, unit="history", last_success=timezone.now())
        AccountMetrics.objects.create(
            profile=profile, platform="facebook", date=timezone.localdate(), followers=5
        )


def test_query_count_is_the_same_for_2_and_30_profiles(
    client, member, django_assert_max_num_queries
):
    _profiles(member.workspace, 2)
    with_two = _queries(client, member)
    _profiles(member.workspace, 28)
    with django_assert_max_num_queries(12):
        assert client.get(url(member)).status_code == 200
    assert _queries(client, member) == with_two


def test_each_row_names_its_accounts_and_warns_before_a_network_stops(client, member):
    profile = ProfileFactory(workspace=member.workspace, title="Acme")
    now = timezone.now()
    LinkedAccount.objects.create(
        profile=profile,
        platform="linkedin",
        username="acme-co",
        profile_url="https://www.linkedin.com/company/1",
        image_url="javascript:alert(1)",
        refresh_days_remaining=3,
        checked_at=now,
    )
    page = client.get(url(member)).content.decode()
    assert '<a href="https://www.linkedin.com/company/1"' in page and "acme-co" in page
    assert "javascript:" not in page  # a picture that is not a web address is dropped
    assert "Reconnect LinkedIn in Ayrshare within 3 days, or its numbers stop updating." in page


def test_a_phone_sorts_with_a_labelled_list_in_words(client, member):
    ProfileFactory(workspace=member.workspace, title="Acme")
    page = client.get(url(member, "?sort=-engagement_rate")).content.decode()
    assert '<label for="id_sort">Sort by</label>' in page
    assert '<option value="-engagement_rate" selected>Eng. rate, highest first</option>' in page
    assert '<option value="title">Profile, A to Z</option>' in page
    assert 'class="agency-table stack-on-phone"' in page


def test_many_problems_show_two_and_link_to_the_rest_on_the_sync_page(client, member):
    acme = ProfileFactory(workspace=member.workspace, title="Acme")
    for unit in ("history", "social", "links"):
        SyncState.objects.create(
            profile=acme, unit=unit, consecutive_failures=1, last_error="Ayrshare is down"
        )
    health = health_of(client.get(url(member)).content.decode(), "Acme")
    assert health.count("Ayrshare is down") == 2
    sync = f"/w/{member.workspace.slug}/sync/#sync-profile-{acme.pk}"
    assert f'<a class="small" href="{sync}">and 1 more on the Sync page</a>' in health


def test_past_a_page_of_profiles_the_table_pages_them_sorted_as_a_whole(
    client, member, monkeypatch
):
    monkeypatch.setattr(agency, "PAGE_SIZE", 2)
    for title, engagements in [("A", 5), ("B", 40), ("C", 10), ("D", 30), ("E", None)]:
        profile = ProfileFactory(workspace=member.workspace, title=title)
        PlatformPostFactory(profile=profile, engagements=engagements, published_at=days_ago(1))

    first = client.get(url(member)).content.decode()
    assert profile_order(first) == ["A", "B"]
    assert "profiles 1–2 of 5." in first and "Page 1 of 3" in first
    assert 'href="?page=2" hx-get="?page=2"' in first and 'rel="prev"' not in first

    # The second page of the whole workspace by engagements, not of the first page's rows.
    second = client.get(url(member, "?sort=-engagements&page=2")).content.decode()
    assert profile_order(second) == ["C", "A"]
    assert "profiles 3–4 of 5." in second
    assert ">10</td>" in row_of(second, "C") and ">5</td>" in row_of(second, "A")
    # A new sort starts again from the first page; the pager keeps the sort.
    assert 'href="?sort=engagements"' in second
    assert 'href="?sort=-engagements&amp;page=1"' in second
    assert 'href="?sort=-engagements&amp;page=3"' in second

    # A page past the end shows the last one; a page that is no number is a message.
    past_the_end = client.get(url(member, "?page=9")).content.decode()
    assert profile_order(past_the_end) == ["E"] and "profile 5 of 5." in past_the_end
    response = client.get(url(member, "?page=two"))
    assert response.status_code == 400
    assert "Page: Enter a whole number." in response.content.decode()


def test_sorted_by_health_or_last_sync_each_page_shows_the_badges_it_was_ranked_by(
    client, member, monkeypatch
):
    monkeypatch.setattr(agency, "PAGE_SIZE", 2)
    now, hour = timezone.now(), datetime.timedelta(hours=1)
    units = {
        "Fine": [(now - hour, now + hour, 0)],
        "Behind": [(now - 3 * hour, now - 2 * hour, 0)],
        "Broken": [(now - 5 * hour, now, 2)],
        "Mixed": [(now - 2 * hour, now + hour, 0), (None, None, 0)],
        "New": [],
    }
    for title, states in units.items():
        profile = ProfileFactory(workspace=member.workspace, title=title)
        for n, (success, due, failures) in enumerate(states):
            SyncState.objects.create(
                profile=profile,
                unit=("history", "links")[n],
                last_success=success,
                next_update=due,
                consecutive_failures=failures,
            )

    pages = [client.get(url(member, f"?sort=-health&page={n}")).content.decode() for n in (1, 2, 3)]

    assert [profile_order(page) for page in pages] == [
        ["Broken", "Behind"],
        ["Mixed", "New"],
        ["Fine"],
    ]
    badges = [">Failing<", ">Stale<", ">Stale<", ">Stale<", ">OK<"]
    shown = [health_of(page, title) for page in pages for title in profile_order(page)]
    assert all(badge in cell for badge, cell in zip(badges, shown, strict=True))
    # Longest ago first; never synced last.
    oldest = client.get(url(member, "?sort=last_sync")).content.decode()
    assert profile_order(oldest) == ["Broken", "Behind"]
    last = client.get(url(member, "?sort=last_sync&page=3")).content.decode()
    assert profile_order(last) == ["New"]
