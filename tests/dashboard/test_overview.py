import datetime
import re

import pytest
from django.db.models import Sum
from django.utils import timezone

from dashboard.models import AccountMetrics, MetricSnapshot, PlatformPost, SyncState
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory, at, days_ago

pytestmark = pytest.mark.django_db

FRAGMENT = {"HX-Request": "true", "HX-Target": "overview"}


def _home(membership, query=""):
    return f"/w/{membership.workspace.slug}/{query}"


@pytest.fixture
def member(client):
    membership = MembershipFactory()
    membership.profile = ProfileFactory(workspace=membership.workspace)
    client.force_login(membership.user)
    return membership


def test_kpi_cards_show_the_direct_aggregate_and_coverage(client, member):
    PlatformPostFactory(profile=member.profile, impressions=1234, engagements=5)
    PlatformPostFactory(profile=member.profile, impressions=None, engagements=4)

    page = client.get(_home(member)).content.decode()

    total = PlatformPost.objects.filter(profile=member.profile).aggregate(i=Sum("impressions"))
    assert f">{total['i']:,}<" in page
    assert "1 of 2 posts; 1 not yet reported" in page
    assert "Previous: 0" in page
    assert "too few to compare" in page
    assert "Engagement rate = engagements ÷ the first positive of impressions, reach, views" in page


def test_a_positive_change_shows_a_plus_sign(client, member):
    for _ in range(3):
        PlatformPostFactory(profile=member.profile, published_at=at(days_ago(30)), views=10)
        PlatformPostFactory(profile=member.profile, published_at=at(days_ago(1)), views=25)

    page = client.get(_home(member)).content.decode()

    assert "Previous: 30" in page
    assert "+150.0%" in page


def test_follower_cards_show_the_total_at_period_end_and_the_growth(client, member):
    for platform, before, after in (("facebook", 1000, 1100), ("instagram", 50, 40)):
        AccountMetrics.objects.create(
            profile=member.profile, platform=platform, date=days_ago(28), followers=before
        )
        AccountMetrics.objects.create(
            profile=member.profile, platform=platform, date=days_ago(0), followers=after
        )

    page = client.get(_home(member)).content.decode()

    assert '<p class="big">1,140</p>' in page
    assert '<p class="big">+90</p>' in page
    assert "Follower growth" in page


def test_cards_say_how_fresh_the_numbers_are(client, member):
    updated = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=3)
    PlatformPostFactory(profile=member.profile, last_updated=updated)
    upcoming = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=2)
    SyncState.objects.create(profile=member.profile, unit="history", next_update=upcoming)

    page = client.get(_home(member)).content.decode()

    assert f'datetime="{timezone.localtime(updated).isoformat()}"' in page
    assert f'datetime="{timezone.localtime(upcoming).isoformat()}"' in page
    # Each time says its zone in the text, and the next one how far off it is.
    freshness = page[page.index('class="muted small freshness"') :]
    freshness = freshness[: freshness.index("</p>")].replace("\xa0", " ")
    assert "next update" in freshness and "in 1 hour · " in freshness  # 1 h 59 min ahead
    assert freshness.count(" UTC<") == 2


def test_a_next_update_seconds_away_reads_due_now(client, member):
    PlatformPostFactory(profile=member.profile)
    # Not "in 3 seconds", and not "3 seconds ago" by the time the page is read.
    soon = timezone.now() + datetime.timedelta(seconds=3)
    SyncState.objects.create(profile=member.profile, unit="history", next_update=soon)

    page = client.get(_home(member)).content.decode()

    assert re.search(r"next update <time datetime=\"[^\"]+\">due now</time>", page)


def test_activity_totals_come_from_snapshots(client, member):
    first = days_ago(27)
    old = PlatformPostFactory(profile=member.profile, published_at=at(days_ago(60)))
    MetricSnapshot.objects.create(
        platform_post=old, captured_at=at(first) - datetime.timedelta(days=1), impressions=400
    )
    MetricSnapshot.objects.create(platform_post=old, captured_at=at(days_ago(1)), impressions=977)

    lifetime = client.get(_home(member)).content.decode()
    activity = client.get(_home(member, "?totals=activity")).content.decode()

    assert "Activity during the period: what each post gained" in activity
    assert '<p class="big">577</p>' in activity
    assert '<p class="big">577</p>' not in lifetime


def test_activity_switch_is_disabled_with_the_reason_without_snapshot_history(client, member):
    post = PlatformPostFactory(profile=member.profile)
    MetricSnapshot.objects.create(platform_post=post, captured_at=timezone.now(), impressions=5)

    page = client.get(_home(member, "?totals=activity")).content.decode()

    assert 'value="activity" form="overview-form" disabled' in page
    assert "Metric history starts on" in page
    assert "Showing lifetime totals instead" in page


def test_charts_heatmap_and_top_posts_are_on_the_page(client, member):
    PlatformPostFactory(
        profile=member.profile,
        published_at=at(days_ago(2), 9),
        engagements=42,
        impressions=1000,
        text="<script>alert(1)</script>",
        url="https://example.com/p/1",
    )

    page = client.get(_home(member, "?every=week")).content.decode()

    assert 'data-chart="chart-engagements"' in page
    assert 'id="chart-platforms"' in page
    assert "Week of" in page
    assert 'class="heat heat-5"' in page
    assert "42 engagements from 1 post" in page
    # A screen reader meets one picture, not 168 cells, and is sent to the numbers' table.
    heatmap = page[page.index('<table class="heatmap"') :]
    heatmap = heatmap[: heatmap.index("</table>")]
    assert 'role="img" aria-label="Heatmap of engagements' in heatmap
    assert "visually-hidden" not in heatmap
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert 'href="https://example.com/p/1"' in page
    assert ">4.20 %<" in page


def test_the_form_submits_with_htmx_and_the_fragment_is_only_the_overview(client, member):
    PlatformPostFactory(profile=member.profile, impressions=321)

    page = client.get(_home(member))
    fragment = client.get(_home(member, "?range=7"), headers=FRAGMENT)

    assert 'hx-target="#overview"' in page.content.decode()
    assert 'hx-push-url="true"' in page.content.decode()
    body = fragment.content.decode()
    assert body.lstrip().startswith('<div id="overview"')
    assert ">321<" in body
    assert "profiles-heading" not in body and "<form" not in body
    assert 'id="totals-switch" class="switch" hx-swap-oob="true"' in body
    assert "HX-Request" in fragment["Vary"]


@pytest.mark.parametrize(
    ("query", "every"),
    [("?range=", "week"), ("?range=90", "day"), ("?range=&every=day", "day")],
)
def test_a_period_longer_than_three_months_charts_weeks_unless_days_are_asked(
    client, member, query, every
):
    PlatformPostFactory(profile=member.profile, published_at=at(days_ago(200)))
    PlatformPostFactory(profile=member.profile, published_at=at(days_ago(1)))

    body = client.get(_home(member, query), headers=FRAGMENT).content.decode()

    assert ("Week of" in body) == (every == "week")
    # The switch is swapped with the chart, so it says which grouping is shown.
    assert f'name="every" value="{every}" form="overview-form" checked' in body
    assert 'id="every-switch" class="switch" hx-swap-oob="true"' in body


def test_choosing_profiles_narrows_the_numbers(client, member):
    other = ProfileFactory(workspace=member.workspace)
    PlatformPostFactory(profile=member.profile, impressions=111)
    PlatformPostFactory(profile=other, impressions=2222)

    both = client.get(_home(member)).content.decode()
    one = client.get(_home(member, f"?profiles={other.pk}")).content.decode()

    assert '<p class="big">2,333</p>' in both
    assert '<p class="big">2,222</p>' in one


@pytest.mark.parametrize(
    "query, message",
    [
        ("?every=month", "Group charts by: Select a valid choice"),
        ("?totals=everything", "Totals: Select a valid choice"),
        ("?range=abc", "Period"),
        ("?start=2026-03-10&end=2026-03-01", "after"),
    ],
)
def test_bad_values_are_a_400_with_a_message(client, member, query, message):
    response = client.get(_home(member, query))
    assert response.status_code == 400
    assert message in response.content.decode()
    # The fragment answers 200 (htmx swaps no 4xx) with the same message in place.
    fragment = client.get(_home(member, query), headers=FRAGMENT)
    assert fragment.status_code == 200
    assert message in fragment.content.decode()


def _populate(profile, count):
    posts = PlatformPostFactory.create_batch(
        count, profile=profile, impressions=3, engagements=1, published_at=at(days_ago(3))
    )
    MetricSnapshot.objects.bulk_create(
        MetricSnapshot(
            platform_post=p, profile=p.profile, captured_at=at(days_ago(100)), impressions=1
        )
        for p in posts
    )
    AccountMetrics.objects.create(
        profile=profile, platform="facebook", date=days_ago(count // 10), followers=count
    )


@pytest.mark.parametrize("query", ["", "?totals=activity&every=week"])
def test_query_count_does_not_grow_with_posts(client, member, query, django_assert_max_num_queries):
    # 25 before the whole-workspace check (workspace_rollups.whole); +2 for the per-network
    # table (this period and the one before), +2 for the links panel; +8 while the workspace
    # rollups wait for a refresh (as here: nothing runs one), which its days' readers take from
    # the profiles' daily rollups beside the workspace's.
    budget = 38
    _populate(member.profile, 10)
    with django_assert_max_num_queries(budget):
        assert client.get(_home(member, query)).status_code == 200
    with django_assert_max_num_queries(budget):
        assert client.get(_home(member, query), headers=FRAGMENT).status_code == 200
    _populate(member.profile, 290)
    with django_assert_max_num_queries(budget):
        assert client.get(_home(member, query)).status_code == 200
    with django_assert_max_num_queries(budget):
        assert client.get(_home(member, query), headers=FRAGMENT).status_code == 200


def test_a_client_sees_only_their_profiles_numbers(client):
    from accounts.models import Membership

    membership = MembershipFactory(role=Membership.Role.CLIENT)
    mine = ProfileFactory(workspace=membership.workspace)
    other = ProfileFactory(workspace=membership.workspace)
    membership.profiles.add(mine)
    PlatformPostFactory(profile=mine, impressions=111)
    PlatformPostFactory(profile=other, impressions=98765)
    client.force_login(membership.user)

    page = client.get(_home(membership)).content.decode()

    assert ">111<" in page
    assert "98,765" not in page
    assert client.get(_home(membership, f"?profiles={other.pk}")).status_code == 400


def test_a_workspace_without_profiles_says_how_to_start(client):
    owner = MembershipFactory()
    client.force_login(owner.user)
    page = client.get(_home(owner)).content.decode()
    assert "Connect your first profile" in page
    assert f"/w/{owner.workspace.slug}/profiles/import/" in page
    assert "Posts published" not in page


def test_a_client_with_nothing_assigned_is_told_so(client):
    from accounts.models import Membership

    member = MembershipFactory(role=Membership.Role.CLIENT)
    ProfileFactory(workspace=member.workspace)
    client.force_login(member.user)
    page = client.get(_home(member)).content.decode()
    assert "Nothing has been shared with you yet" in page
    assert "profiles/import" not in page


def test_all_time_starts_with_the_earliest_post(client):
    membership = MembershipFactory()
    profile = ProfileFactory(workspace=membership.workspace)
    old = timezone.now() - datetime.timedelta(days=400)
    PlatformPostFactory(profile=profile, published_at=old, impressions=7000)
    PlatformPostFactory(profile=profile, impressions=300)
    client.force_login(membership.user)

    page = client.get(_home(membership, "?range=")).content.decode()

    first = timezone.localdate(old)
    assert f"{first:%b} {first.day}, {first.year} – " in page
    assert ">7,300<" in page
    assert ">300<" in client.get(_home(membership)).content.decode()  # the default: 28 days
