"""The whole workspace's overview reads its own rollups, which equal the raw posts when read."""

import datetime
import threading
from datetime import UTC, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import kpis, rollups, tasks, trends, upsert, workspace_rollups
from dashboard.models import PlatformPost, ProfileTotals, RollupBacklog
from tests.accounts.factories import MembershipFactory, ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import PlatformPostFactory
from tests.dashboard.test_rollups import network_post

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
FIRST, LAST = NOW.date() - timedelta(days=40), NOW.date()


@pytest.fixture
def agency():
    """Three profiles, four networks, missing metrics, a placeholder and a neighbour's posts."""
    workspace = WorkspaceFactory()
    profiles = ProfileFactory.create_batch(3, workspace=workspace)
    for n in range(60):
        PlatformPostFactory(
            profile=profiles[n % 3],
            platform=("facebook", "instagram", "youtube", "tiktok")[n % 4],
            published_at=NOW - timedelta(hours=13 * n),
            impressions=None if n % 4 == 0 else 10 * n,
            engagements=None if n % 5 == 0 else n,
            reach=None if n % 2 else n * 3,
            last_updated=NOW - timedelta(minutes=n),
            next_update=timezone.now() + timedelta(hours=n + 1),
        )
    PlatformPostFactory(profile=profiles[0], social_id="ayrshare:x", published_at=NOW)
    PlatformPostFactory(profile=ProfileFactory(), published_at=NOW, engagements=1000)
    workspace_rollups.refresh(workspace.pk)
    return workspace, [p.pk for p in profiles]


def test_the_cards_are_the_networks_rows_added_up(agency, monkeypatch):
    workspace, ids = agency
    whole = workspace_rollups.whole(workspace.pk, ids)
    for where in (whole, None):
        totals, by_network = kpis.period_figures(ids, FIRST, LAST, where)
        assert totals == kpis.totals(ids, FIRST, LAST, upcoming=False, workspace=where)
        assert by_network == kpis.totals_by_network(ids, FIRST, LAST, where)
        assert sorted(by_network) == ["facebook", "instagram", "tiktok", "youtube"]
    long_ago = FIRST - timedelta(days=900), FIRST - timedelta(days=800)
    assert kpis.period_figures(ids, *long_ago, whole) == (
        kpis.totals(ids, *long_ago, upcoming=False, workspace=whole),
        {},
    )
    # While a zone change rebuilds the rollups the figures come from the posts themselves.
    monkeypatch.setattr(rollups, "usable", lambda: False)
    for period in ((FIRST, LAST), long_ago):
        totals, by_network = kpis.period_figures(ids, *period)
        assert totals == kpis.posts_totals(ids, *period)
        assert by_network == kpis.totals_by_network(ids, *period)


def assert_figures_equal_the_raw_rows(workspace, ids):
    """Every figure the overview reads from the workspace rollups, against the raw posts."""
    whole = workspace_rollups.whole(workspace.pk, ids)
    assert whole
    raw = kpis.posts_totals(ids, FIRST, LAST)
    rolled = kpis.totals(ids, FIRST, LAST, upcoming=False, workspace=whole)
    assert rolled == {**raw, "next_post_update": None}
    assert kpis.totals(ids, FIRST, LAST, workspace=whole) == kpis.totals(ids, FIRST, LAST)
    assert kpis.totals_by_network(ids, FIRST, LAST, whole) == kpis.totals_by_network(
        ids, FIRST, LAST
    )
    for every in ("day", "week", "month"):
        assert trends.over_time(ids, FIRST, LAST, every, whole) == trends.posts_over_time(
            ids, FIRST, LAST, every
        )
        assert trends.by_platform(ids, FIRST, LAST, every, whole) == trends.posts_by_platform(
            ids, FIRST, LAST, every
        )
    assert trends.heatmap(ids, FIRST, LAST, whole) == trends.heatmap(ids, FIRST, LAST)
    earliest = PlatformPost.objects.filter(profile__in=ids).order_by("published_at").first()
    assert kpis.first_day(ids, whole) == timezone.localdate(earliest.published_at)


def test_the_workspace_rollups_equal_the_raw_rows(agency):
    workspace, ids = agency

    assert workspace_rollups.whole(workspace.pk, ids)
    assert_figures_equal_the_raw_rows(workspace, ids)
    assert kpis.posts_totals(ids, FIRST, LAST)["posts"] == 60


def test_a_write_shows_on_the_workspace_overview_before_its_refresh(agency):
    workspace, ids = agency
    post = network_post("new", published=NOW - timedelta(days=2), engagements=500, impressions=9)

    upsert.upsert_network_posts(ProfileFactory.build(pk=ids[1], workspace=workspace), [post], NOW)

    # The day the refresh has yet to take in comes from the profiles' daily rollups.
    assert workspace_rollups.whole(workspace.pk, ids).pending == (
        timezone.localdate(post.published_at),
    )
    assert_figures_equal_the_raw_rows(workspace, ids)
    assert kpis.posts_totals(ids, FIRST, LAST)["posts"] == 61
    assert workspace_rollups.refresh(workspace.pk) == 1
    assert not RollupBacklog.objects.filter(workspace=workspace).exists()
    assert workspace_rollups.whole(workspace.pk, ids)
    assert_figures_equal_the_raw_rows(workspace, ids)
    assert kpis.posts_totals(ids, FIRST, LAST)["posts"] == 61


def test_the_beat_sweep_takes_in_days_a_killed_worker_left_in_the_backlog(agency, settings):
    workspace, ids = agency
    post = network_post("left", published=NOW - timedelta(days=3), engagements=7, impressions=1)
    # The worker wrote and committed, then died before its refresh.
    upsert.upsert_network_posts(ProfileFactory.build(pk=ids[0], workspace=workspace), [post], NOW)
    assert workspace_rollups.whole(workspace.pk, ids).pending

    tasks.sweep_rollups()

    assert not RollupBacklog.objects.exists()  # this workspace's day, and the neighbour's
    assert workspace_rollups.whole(workspace.pk, ids).pending == ()
    assert_figures_equal_the_raw_rows(workspace, ids)
    scheduled = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "dashboard.tasks.sweep_rollups" in scheduled


def test_only_exactly_the_active_profiles_read_the_workspace_rollups(agency):
    workspace, ids = agency
    neighbour = PlatformPost.objects.exclude(profile__in=ids).first().profile_id

    assert not workspace_rollups.whole(workspace.pk, ids[:2])
    assert not workspace_rollups.whole(workspace.pk, [*ids, neighbour])
    assert not workspace_rollups.whole(workspace.pk, [])


def _owner(client, workspace):
    membership = MembershipFactory(workspace=workspace)
    client.force_login(membership.user)
    return membership


def test_archiving_a_profile_takes_it_out_of_the_workspace_rollups(
    client, agency, django_capture_on_commit_callbacks
):
    workspace, ids = agency
    _owner(client, workspace)

    with django_capture_on_commit_callbacks() as refreshes:
        client.post(f"/w/{workspace.slug}/profiles/{ids[2]}/archive/")

    assert len(refreshes) == 1  # a refresh task, sent once the archive is committed
    # Until it runs, every day of the archived profile comes from the others' daily rollups.
    assert len(workspace_rollups.whole(workspace.pk, ids[:2]).pending) == 20
    assert_figures_equal_the_raw_rows(workspace, ids[:2])
    workspace_rollups.refresh(workspace.pk)
    assert workspace_rollups.whole(workspace.pk, ids[:2]).pending == ()
    assert_figures_equal_the_raw_rows(workspace, ids[:2])

    with django_capture_on_commit_callbacks():
        client.post(f"/w/{workspace.slug}/profiles/{ids[2]}/archive/")
    workspace_rollups.refresh(workspace.pk)
    assert workspace_rollups.whole(workspace.pk, ids)
    assert_figures_equal_the_raw_rows(workspace, ids)


def test_removing_a_profile_takes_it_out_of_the_workspace_rollups(
    client, agency, django_capture_on_commit_callbacks
):
    workspace, ids = agency
    _owner(client, workspace)

    with django_capture_on_commit_callbacks():
        client.post(f"/w/{workspace.slug}/profiles/{ids[0]}/remove/")

    workspace_rollups.refresh(workspace.pk)
    assert workspace_rollups.whole(workspace.pk, ids[1:])
    assert_figures_equal_the_raw_rows(workspace, ids[1:])


def test_each_profile_counts_its_published_network_posts(agency):
    workspace, ids = agency

    counts = dict(ProfileTotals.objects.filter(profile__in=ids).values_list("profile", "posts"))

    assert counts == {pk: 20 for pk in ids}


def test_the_whole_workspace_overview_shows_the_raw_figures_without_daily_rollups(client, agency):
    workspace, ids = agency
    _owner(client, workspace)
    fragment = {"HX-Request": "true", "HX-Target": "overview"}

    with CaptureQueriesContext(connection) as queries:
        body = client.get(f"/w/{workspace.slug}/?range=", headers=fragment).content.decode()

    tables = ("dashboard_dailymetrics", "dashboard_platformpost")
    read = [t for q in queries.captured_queries for t in tables if f'FROM "{t}"' in q["sql"]]
    # The posts table only for the ten top posts and the latest posts.
    assert read.count("dashboard_platformpost") <= 2 and "dashboard_dailymetrics" not in read
    total = kpis.posts_totals(ids, datetime.date(2000, 1, 1), timezone.localdate())
    assert f'<p class="big">{total["posts"]}</p>' in body
    assert f'<p class="big">{total["engagements"]:,}</p>' in body


def test_only_the_days_waiting_for_a_refresh_are_read_from_the_daily_rollups(client, agency):
    workspace, ids = agency
    _owner(client, workspace)
    post = network_post("late", published=NOW - timedelta(days=2), engagements=70, impressions=3)
    upsert.upsert_network_posts(ProfileFactory.build(pk=ids[2], workspace=workspace), [post], NOW)
    fragment = {"HX-Request": "true", "HX-Target": "overview"}

    with CaptureQueriesContext(connection) as queries:
        body = client.get(f"/w/{workspace.slug}/?range=", headers=fragment).content.decode()

    daily = [q["sql"] for q in queries.captured_queries if '"dashboard_dailymetrics"' in q["sql"]]
    # Thousands of profiles syncing keep some day always waiting: the page reads that day's
    # rows of every profile, not the whole period's.
    assert daily
    assert all('"dashboard_dailymetrics"."day" IN (' in sql for sql in daily)
    total = kpis.posts_totals(ids, datetime.date(2000, 1, 1), timezone.localdate())
    assert total["posts"] == 61
    assert f'<p class="big">{total["posts"]}</p>' in body
    assert f'<p class="big">{total["engagements"]:,}</p>' in body


def test_a_refresh_with_nothing_noted_is_one_read(agency):
    workspace, _ = agency
    with CaptureQueriesContext(connection) as queries:
        assert workspace_rollups.refresh(workspace.pk) == 0
    assert len(queries) == 1


def test_a_unit_that_changed_nothing_keeps_the_workspace_rollups_readable(agency):
    workspace, ids = agency
    profile = ProfileFactory(workspace=workspace)
    page = [network_post(str(n), impressions=n, likes=n) for n in range(5)]
    upsert.upsert_network_posts(profile, page, NOW)
    workspace_rollups.refresh(workspace.pk)

    upsert.upsert_network_posts(profile, page, NOW + timedelta(hours=1))

    assert workspace_rollups.whole(workspace.pk, [*ids, profile.pk])
    assert_figures_equal_the_raw_rows(workspace, [*ids, profile.pk])


@pytest.mark.django_db(transaction=True)
def test_two_profiles_writing_the_same_day_do_not_wait_for_each_other(agency):
    """Thousands of profiles of one workspace sync at once: one unit's open transaction must not
    hold back another writing the same day, and a refresh between them misses nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    workspace, ids = agency
    day = NOW - timedelta(days=2)
    written, commit = threading.Event(), threading.Event()

    def slow_unit():
        try:
            with transaction.atomic():
                profile = ProfileFactory.build(pk=ids[0], workspace=workspace)
                upsert.upsert_network_posts(profile, [network_post("a", published=day)], NOW)
                written.set()
                assert commit.wait(10)
        finally:
            connection.close()

    first = threading.Thread(target=slow_unit)
    first.start()
    assert written.wait(10)
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '2s'")  # waiting on the open transaction would fail
    profile = ProfileFactory.build(pk=ids[1], workspace=workspace)
    upsert.upsert_network_posts(profile, [network_post("b", published=day)], NOW)
    assert workspace_rollups.refresh(workspace.pk) == 1
    commit.set()
    first.join(10)

    # The first unit's day was not in what that refresh read: it is still waiting for one, and
    # the figures take it from the profiles' daily rollups meanwhile.
    assert workspace_rollups.whole(workspace.pk, ids).pending == (timezone.localdate(day),)
    assert_figures_equal_the_raw_rows(workspace, ids)
    assert workspace_rollups.refresh(workspace.pk) == 1
    assert workspace_rollups.whole(workspace.pk, ids).pending == ()
    assert_figures_equal_the_raw_rows(workspace, ids)
