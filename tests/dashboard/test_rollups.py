"""Daily rollups stay equal to the raw posts after every write, and the overview reads them."""

import datetime
import io
import time
import zoneinfo
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Profile, Workspace
from dashboard import kpis, rollups, trends, upsert, workspace_rollups
from dashboard.ayrshare.normalize import HistoryPost, NetworkPost, NetworkRef
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.metrics import METRICS
from dashboard.models import DailyMetrics, PlatformPost, RollupBacklog
from tests.accounts.factories import ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import PlatformPostFactory, sandbox_profiles

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIELDS = (
    "posts",
    "sum_impressions",
    "impressions_reported",
    "sum_reach",
    "reach_reported",
    "sum_views",
    "views_reported",
    "sum_engagements",
    "engagements_reported",
    "rate_engagements",
    "rate_base",
    "oldest_update",
    "newest_update",
)


def _add(total, value):
    return total if value is None else (value if total is None else total + value)


def expected_rollups():
    """The rollups recomputed in Python from every raw row: the reference they must equal."""
    groups = defaultdict(lambda: dict.fromkeys(FIELDS))
    posts = PlatformPost.objects.exclude(published_at=None).select_related("profile__workspace")
    for post in posts:
        if post.social_id.startswith("ayrshare:"):
            continue
        # Each post's day is a day of its workspace's zone.
        zone = zoneinfo.ZoneInfo(post.profile.workspace.time_zone)
        key = (post.profile_id, post.platform, post.published_at.astimezone(zone).date())
        group = groups[key]
        group["posts"] = (group["posts"] or 0) + 1
        for metric in rollups.KPI_METRICS:
            value = getattr(post, metric)
            group[f"sum_{metric}"] = _add(group[f"sum_{metric}"], value)
            reported = group[f"{metric}_reported"] or 0
            group[f"{metric}_reported"] = reported + (value is not None)
        base = post.impressions or post.reach or post.views  # the first positive: metrics' rule
        if post.engagements is not None and base:
            group["rate_engagements"] = _add(group["rate_engagements"], post.engagements)
            group["rate_base"] = _add(group["rate_base"], base)
        if post.last_updated is not None:
            oldest, newest = group["oldest_update"], group["newest_update"]
            group["oldest_update"] = min(oldest or post.last_updated, post.last_updated)
            group["newest_update"] = max(newest or post.last_updated, post.last_updated)
    return dict(groups)


def stored_rollups():
    return {
        (row["profile_id"], row["platform"], row["day"]): {f: row[f] for f in FIELDS}
        for row in DailyMetrics.objects.values("profile_id", "platform", "day", *FIELDS)
    }


def assert_rollups_exact():
    """Rollup totals ÷ raw totals = 1.000 for every (profile, network, day)."""
    assert stored_rollups() == expected_rollups()


def network_post(social_id, *, platform="facebook", published=NOW, at=NOW, **metrics):
    values = dict.fromkeys(METRICS)
    values.update(metrics)
    return NetworkPost(
        platform=platform,
        social_id=social_id,
        published_at=published,
        text="",
        url="",
        media_type="",
        thumbnail_url="",
        metrics=values,
        last_updated=at,
        next_update=at + timedelta(minutes=30),
        raw={},
    )


def history_post(ayrshare_id, *, schedule, refs=()):
    return HistoryPost(
        ayrshare_id=ayrshare_id,
        text="",
        status="success" if refs else "pending",
        post_type="scheduled",
        schedule_date=schedule,
        created_at=schedule - timedelta(days=1),
        notes="",
        platforms=["facebook"],
        errors=[],
        media_urls=[],
        network_refs=tuple(refs),
        raw={},
    )


def test_rollups_equal_the_raw_rows_after_every_step_of_a_sync():
    one, two = ProfileFactory(), ProfileFactory()
    day = timedelta(days=1)

    upsert.upsert_network_posts(
        one,
        [
            network_post("a", impressions=100, likes=5),
            network_post("b", impressions=None, likes=3),
            network_post("c", published=NOW - day, reach=40),
            network_post("d", platform="instagram", impressions=7, likes=1),
        ],
        NOW,
    )
    upsert.upsert_network_posts(two, [network_post("a", impressions=9, views=90)], NOW)
    assert_rollups_exact()
    assert DailyMetrics.objects.count() == 4

    # Metrics grow.
    later = NOW + timedelta(hours=3)
    upsert.upsert_network_posts(one, [network_post("a", at=later, impressions=150, likes=8)], later)
    assert_rollups_exact()

    # The network moves a post to another day: it leaves the old day, which then has no posts.
    upsert.upsert_network_posts(one, [network_post("c", published=NOW + 3 * day, reach=41)], later)
    assert_rollups_exact()
    assert not DailyMetrics.objects.filter(profile=one, day=(NOW - day).date()).exists()

    # A scheduled post is a placeholder (not counted), then goes live under its real id.
    upsert.upsert_posts(one, [history_post("Ayr1", schedule=NOW + 5 * day)], NOW)
    assert_rollups_exact()
    assert not DailyMetrics.objects.filter(day=(NOW + 5 * day).date()).exists()
    live = NetworkRef("facebook", "live1", "success", "", False, {})
    upsert.upsert_posts(one, [history_post("Ayr1", schedule=NOW + 5 * day, refs=[live])], later)
    assert_rollups_exact()
    assert DailyMetrics.objects.get(day=(NOW + 5 * day).date()).posts == 1

    # A deleted profile takes its rollups with it.
    two.delete()
    assert_rollups_exact()


def test_single_row_saves_keep_the_rollups_exact():
    post = PlatformPostFactory(published_at=NOW, impressions=10)
    PlatformPostFactory(profile=post.profile, published_at=NOW, impressions=None)
    assert_rollups_exact()

    post.published_at = NOW + timedelta(days=2)
    post.impressions = 11
    post.save()
    assert_rollups_exact()
    assert DailyMetrics.objects.count() == 2


@pytest.fixture
def workspace():
    """Two profiles, three networks, none and all metrics, a placeholder, a month of days."""
    one, two = ProfileFactory(), ProfileFactory()
    for n in range(40):
        PlatformPostFactory(
            profile=one if n % 3 else two,
            platform=("facebook", "instagram", "youtube")[n % 3],
            published_at=NOW - timedelta(hours=17 * n),
            impressions=None if n % 4 == 0 else 10 * n,
            engagements=None if n % 5 == 0 else n,
            reach=None if n % 2 else n * 3,
            last_updated=NOW - timedelta(minutes=n),
            next_update=NOW + timedelta(days=400, minutes=n),
        )
    PlatformPostFactory(profile=one, social_id="ayrshare:x", published_at=NOW, impressions=999)
    return Profile.objects.filter(pk__in=[one.pk, two.pk])


@pytest.mark.parametrize("days", [1, 7, 40])
def test_kpi_totals_from_rollups_equal_the_raw_rows(workspace, days):
    last = NOW.date()
    first = last - timedelta(days=days - 1)
    assert_rollups_exact()

    result = kpis.totals(workspace, first, last)

    assert result == kpis.posts_totals(workspace, first, last)
    raw = list(kpis.period_posts(workspace, first, last))
    assert result["posts"] == len(raw)
    impressions = [p.impressions for p in raw if p.impressions is not None]
    assert result["impressions"] == (sum(impressions) if impressions else None)
    assert result["impressions_reported"] == len(impressions)
    assert result["reach_unsupported"] == len([p for p in raw if p.platform == "youtube"])
    # The one rule: engagements over each post's own denominator (impressions, else reach, else
    # views), summed over the posts that have both.
    both = [
        (p.engagements, p.impressions or p.reach or p.views)
        for p in raw
        if p.engagements is not None and (p.impressions or p.reach or p.views)
    ]
    if both:
        rate = sum(e for e, _ in both) / sum(b for _, b in both)
        assert result["engagement_rate"] == pytest.approx(rate)


@pytest.mark.parametrize("every", ["day", "week"])
def test_charts_from_rollups_equal_the_raw_rows(workspace, every):
    first, last = NOW.date() - timedelta(days=30), NOW.date()

    over = trends.over_time(workspace, first, last, every)
    split = trends.by_platform(workspace, first, last, every)

    assert over == trends.posts_over_time(workspace, first, last, every)
    assert split == trends.posts_by_platform(workspace, first, last, every)
    raw = list(kpis.period_posts(workspace, first, last))
    reported = [p.engagements for p in raw if p.engagements is not None]
    assert sum(v for v in over["engagements"] if v) == sum(reported)
    assert set(split["platforms"]) == {p.platform for p in raw}


def test_a_request_in_another_time_zone_reads_the_raw_rows(workspace):
    from django.utils import timezone

    first, last = NOW.date() - timedelta(days=30), NOW.date()
    with timezone.override("Pacific/Auckland"):
        assert trends.over_time(workspace, first, last) == trends.posts_over_time(
            workspace, first, last
        )
        assert kpis.totals(workspace, first, last) == kpis.posts_totals(workspace, first, last)


def test_rebuild_reproduces_the_rows_and_is_idempotent(workspace):
    before = stored_rollups()
    DailyMetrics.objects.filter(platform="facebook").delete()
    DailyMetrics.objects.update(posts=0, sum_impressions=None)

    out = io.StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert stored_rollups() == before
    call_command("rebuild_rollups", stdout=io.StringIO())
    assert stored_rollups() == before
    assert f"{len(before):,} daily rollups and " in out.getvalue()


def test_rebuild_after_a_time_zone_change_moves_posts_to_their_local_day():
    post = PlatformPostFactory(
        published_at=datetime.datetime(2026, 11, 3, 2, tzinfo=UTC), engagements=4
    )
    assert DailyMetrics.objects.get().day == datetime.date(2026, 11, 3)

    # The workspace's zone, not settings.TIME_ZONE, decides its days.
    Workspace.objects.filter(pk=post.profile.workspace_id).update(time_zone="America/New_York")
    call_command("rebuild_rollups", stdout=io.StringIO())

    assert DailyMetrics.objects.get().day == datetime.date(2026, 11, 2)
    assert_rollups_exact()


def test_the_sync_hook_costs_a_few_statements_per_batch_of_a_thousand_posts():
    profile = ProfileFactory()
    posts = [
        network_post(str(n), published=NOW - timedelta(hours=5 * n), impressions=n)
        for n in range(1000)
    ]
    with CaptureQueriesContext(connection) as first:
        upsert.upsert_network_posts(profile, posts, NOW)
    later = NOW + timedelta(hours=1)
    moved = [network_post(str(n), published=NOW, at=later, impressions=n + 1) for n in range(1000)]
    with CaptureQueriesContext(connection) as second:
        upsert.upsert_network_posts(profile, moved, later)

    tables = ("dashboard_dailymetrics", "dashboard_profiletotals", "dashboard_rollupbacklog")
    rollup_statements = [
        [q for q in run.captured_queries if any(t in q["sql"] for t in tables)]
        for run in (first, second)
    ]
    # One INSERT … SELECT … ON CONFLICT, the post count and the backlog; the second also
    # deletes the days the posts all left.
    assert [len(s) for s in rollup_statements] == [3, 4]
    assert_rollups_exact()


@pytest.fixture
def sandbox(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.DATA_DIR = tmp_path
    settings.SYNC_POST_ANALYTICS_BATCH = 5
    start = time.time() + 5
    with start_sandbox(profiles=2, posts=40, seed=3, speed=0, start=start) as running:
        settings.AYRSHARE_API_URL = running.url
        yield running


def test_a_real_sync_against_the_sandbox_leaves_exact_rollups(sandbox):
    keys = sandbox.keys()
    profiles = sandbox_profiles(WorkspaceFactory(api_key=keys["apiKey"]), keys)

    call_command("sync", "--once", "--force", stdout=io.StringIO(), stderr=io.StringIO())

    assert PlatformPost.objects.exclude(social_id__startswith="ayrshare:").exists()
    assert DailyMetrics.objects.exists()
    assert_rollups_exact()
    chosen = Profile.objects.filter(pk__in=[p.pk for p in profiles])
    first, last = datetime.date(2000, 1, 1), datetime.date(2030, 12, 31)
    assert kpis.totals(chosen, first, last) == kpis.posts_totals(chosen, first, last)
    # Each unit refreshed the workspace rollups: no day waits for a refresh.
    workspace = profiles[0].workspace_id
    whole = workspace_rollups.whole(workspace, [p.pk for p in profiles])
    assert whole.pending == ()
    rolled = kpis.totals(chosen, first, last, upcoming=False, workspace=whole)
    assert rolled == kpis.totals(chosen, first, last, upcoming=False)


def test_the_upcoming_update_can_be_asked_separately(workspace):
    first, last = NOW.date() - timedelta(days=40), NOW.date()
    raw = kpis.posts_totals(workspace, first, last)

    lean = kpis.totals(workspace, first, last, upcoming=False)

    assert lean["next_post_update"] is None
    assert kpis.next_post_update(workspace, first, last) == raw["next_post_update"]
    assert {**lean, "next_post_update": raw["next_post_update"]} == raw


def test_overview_figures_cost_one_query_each_whatever_the_number_of_posts(
    workspace, django_assert_num_queries
):
    first, last = NOW.date() - timedelta(days=40), NOW.date()
    PlatformPostFactory.create_batch(30, profile=workspace[0], published_at=NOW, engagements=1)
    with django_assert_num_queries(4):
        kpis.totals(workspace, first, last)
        kpis.totals(workspace, *kpis.previous_period(first, last))
        trends.over_time(workspace, first, last)
        trends.by_platform(workspace, first, last, "week")


def _statements_on(queries, tables):
    return [q["sql"] for q in queries if any(t in q["sql"] for t in tables)]


ROLLUP_TABLES = ("dashboard_dailymetrics", "dashboard_profiletotals", "dashboard_rollupbacklog")


def test_a_page_that_repeats_what_we_hold_recomputes_no_day():
    profile = ProfileFactory()
    page = [
        network_post(str(n), published=NOW - timedelta(days=n), impressions=n, likes=n)
        for n in range(30)
    ]
    upsert.upsert_network_posts(profile, page, NOW)
    workspace_rollups.refresh(profile.workspace_id)
    later = NOW + timedelta(hours=1)
    repeated = [replace(post, last_updated=later) for post in page]

    with CaptureQueriesContext(connection) as queries:
        upsert.upsert_network_posts(profile, repeated, later)

    assert _statements_on(queries, ROLLUP_TABLES) == []
    assert not RollupBacklog.objects.exists()  # the whole-workspace overview stays readable
    assert_rollups_exact()


def test_one_changed_post_moves_the_totals_by_exactly_its_change_and_marks_only_its_day():
    profile = ProfileFactory()
    page = [
        network_post(str(n), published=NOW - timedelta(days=n), impressions=100, likes=n)
        for n in range(10)
    ]
    upsert.upsert_network_posts(profile, page, NOW)
    workspace_rollups.refresh(profile.workspace_id)
    chosen = Profile.objects.filter(pk=profile.pk)
    first, last = (NOW - timedelta(days=30)).date(), NOW.date()
    before = kpis.totals(chosen, first, last)

    page[3] = network_post("3", published=NOW - timedelta(days=3), impressions=100, likes=3 + 7)
    upsert.upsert_network_posts(profile, page, NOW + timedelta(hours=1))

    after = kpis.totals(chosen, first, last)
    assert after["engagements"] == before["engagements"] + 7
    assert after["impressions"] == before["impressions"]
    assert list(RollupBacklog.objects.values_list("day", flat=True)) == [
        (NOW - timedelta(days=3)).date()
    ]
    assert_rollups_exact()


def test_a_post_moved_to_another_day_leaves_its_old_day_among_unchanged_posts():
    profile = ProfileFactory()
    day = timedelta(days=1)
    page = [network_post("a", likes=1), network_post("b", likes=2, published=NOW - day)]
    upsert.upsert_network_posts(profile, page, NOW)

    page[1] = network_post("b", likes=2, published=NOW - 2 * day)
    upsert.upsert_network_posts(profile, page, NOW)

    days = dict(DailyMetrics.objects.values_list("day", "posts"))
    assert days == {NOW.date(): 1, (NOW - 2 * day).date(): 1}
    assert_rollups_exact()
