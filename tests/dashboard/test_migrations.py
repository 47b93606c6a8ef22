"""Migrations that move data: run forward from the state before them, on real rows."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("dashboard", "0003_daily_rollups"), ("accounts", "0002_profile_suspended_invitation")]
AFTER = [("dashboard", "0005_snapshot_profile_required")]
# Workspaces as these migrations knew them: before accounts' later columns (time_zone), which
# an older model's insert would leave empty.
OLD_WORKSPACES = ("accounts", "0005_throttle_entry")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    """The next tests on this database expect every migration applied."""
    yield
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())


def test_existing_snapshots_get_their_posts_profile():
    old = _migrate(BEFORE)
    workspace = old.get_model("accounts", "Workspace").objects.create(name="W", slug="w")
    profiles = [
        old.get_model("accounts", "Profile").objects.create(workspace=workspace, title=t)
        for t in ("A", "B")
    ]
    now = timezone.now()
    for n, profile in enumerate(profiles):
        post = old.get_model("dashboard", "PlatformPost").objects.create(
            profile=profile,
            platform="facebook",
            social_id=f"p{n}",
            published_at=now,
            synced_at=now,
        )
        old.get_model("dashboard", "MetricSnapshot").objects.create(
            platform_post=post, captured_at=now - datetime.timedelta(hours=n), likes=n
        )

    new = _migrate(AFTER)

    rows = new.get_model("dashboard", "MetricSnapshot").objects.values_list("profile_id", "likes")
    assert sorted(rows) == [(profiles[0].pk, 0), (profiles[1].pk, 1)]


def test_existing_follower_counts_get_their_series():
    old = _migrate([("dashboard", "0006_workspace_rollups"), OLD_WORKSPACES])
    workspace = old.get_model("accounts", "Workspace").objects.create(name="W", slug="w")
    profile = old.get_model("accounts", "Profile").objects.create(workspace=workspace, title="A")
    day = datetime.date(2026, 11, 1)
    reports = [("facebook", 0, 100), ("facebook", 4, None), ("facebook", 3, 130), ("tiktok", 2, 7)]
    for platform, offset, followers in reports:
        old.get_model("dashboard", "AccountMetrics").objects.create(
            profile=profile,
            platform=platform,
            date=day + datetime.timedelta(days=offset),
            followers=followers,
        )

    new = _migrate([("dashboard", "0007_follower_series")])

    series = new.get_model("dashboard", "FollowerSeries").objects.order_by("platform")
    assert [
        (s.platform, s.first_date.day, s.first_followers, s.last_date.day, s.last_followers)
        for s in series
    ] == [("facebook", 1, 100, 4, 130), ("tiktok", 3, 7, 3, 7)]


def test_rollups_take_the_one_engagement_rate_rule(settings):
    old = _migrate([("dashboard", "0008_current_shapes"), OLD_WORKSPACES])
    workspace = old.get_model("accounts", "Workspace").objects.create(name="W", slug="w")
    profile = old.get_model("accounts", "Profile").objects.create(workspace=workspace, title="A")
    published = timezone.now().replace(hour=12) - datetime.timedelta(days=1)
    day = timezone.localdate(published)
    posts = [("tiktok", None, 1000, 85), ("facebook", 2000, 1500, 40), ("tiktok", None, 0, 3)]
    for n, (platform, impressions, reach, engagements) in enumerate(posts):
        old.get_model("dashboard", "PlatformPost").objects.create(
            profile=profile,
            platform=platform,
            social_id=f"p{n}",
            published_at=published,
            synced_at=published,
            impressions=impressions,
            reach=reach,
            engagements=engagements,
        )
    # Rows as the rollups kept them before: engagements ÷ impressions, TikTok left out.
    for platform, top, base in (("tiktok", None, None), ("facebook", 40, 2000)):
        for model, owner in (("DailyMetrics", {"profile": profile}), ("WorkspaceDailyMetrics", {})):
            old.get_model("dashboard", model).objects.create(
                **(owner or {"workspace": workspace}),
                platform=platform,
                day=day,
                rate_engagements=top,
                rate_impressions=base,
            )

    new = _migrate([("dashboard", "0009_one_engagement_rate")])

    for model in ("DailyMetrics", "WorkspaceDailyMetrics"):
        rows = new.get_model("dashboard", model).objects.order_by("platform")
        # TikTok counts by reach; a post with no positive denominator is left out.
        assert [(r.platform, r.rate_engagements, r.rate_base) for r in rows] == [
            ("facebook", 40, 2000),
            ("tiktok", 85, 1000),
        ], model
