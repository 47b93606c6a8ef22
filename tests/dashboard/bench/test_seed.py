"""Benchmark workspaces: shaped like synced data, exact rollups, and gone without a trace."""

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Profile, Workspace
from dashboard import sync, workspace_rollups
from dashboard.bench import seed, web
from dashboard.metrics import PLATFORM_METRICS
from dashboard.models import (
    AccountMetrics,
    DailyMetrics,
    MetricSnapshot,
    PlatformPost,
    SyncState,
    WorkspaceDailyMetrics,
)

pytestmark = pytest.mark.django_db


def test_seeds_the_posts_across_the_profiles_with_exact_rollups():
    seeded = seed.seed_workspace("t", 1201, 4)

    posts = PlatformPost.objects.filter(profile__workspace=seeded.workspace)
    assert posts.count() == 1201
    assert sorted(posts.values_list("profile__title", flat=True).distinct()) == [
        "Client 000",
        "Client 001",
        "Client 002",
        "Client 003",
    ]
    assert web.rollup_agreement(seeded).ratio == 1.0
    assert SyncState.objects.filter(profile__workspace=seeded.workspace).count() == 4 * len(
        sync.DEFAULT_INTERVALS
    )
    # As after a sync: the whole workspace reads its own rollups.
    assert workspace_rollups.whole(seeded.workspace.pk, [p.pk for p in seeded.profiles])


def test_each_network_of_each_profile_has_a_year_of_follower_counts():
    seeded = seed.seed_workspace("t", 200, 2)
    seed.seed_followers(seeded)

    rows = AccountMetrics.objects.filter(profile__workspace=seeded.workspace)
    assert rows.count() == 2 * len(seed.NETWORKS) * seed.SPAN.days
    newest = rows.order_by("-date").first()
    oldest = rows.filter(profile=newest.profile, platform=newest.platform).order_by("date").first()
    assert newest.followers > oldest.followers  # they grow, so growth is not always 0


def test_a_network_never_reports_a_metric_it_does_not_have():
    seeded = seed.seed_workspace("t", 600, 2)

    for post in PlatformPost.objects.filter(profile__workspace=seeded.workspace):
        for name, value in post.metrics().items():
            if name not in PLATFORM_METRICS[post.platform]:
                assert value is None, (post.platform, name)


def test_some_texts_would_run_as_formulas_in_a_spreadsheet():
    seeded = seed.seed_workspace("t", 300, 2)

    posts = PlatformPost.objects.filter(profile__workspace=seeded.workspace)
    assert posts.filter(text__startswith="=").exists()


def test_drop_removes_the_workspace_and_every_row_and_nothing_else():
    keep = seed.seed_workspace("keep", 200, 2)
    gone = seed.seed_workspace("gone", 300, 3)
    seed.seed_followers(gone)

    seed.drop(gone)

    assert not Workspace.objects.filter(pk=gone.workspace.pk).exists()
    assert not get_user_model().objects.filter(pk=gone.user.pk).exists()
    assert not Profile.objects.filter(pk__in=[p.pk for p in gone.profiles]).exists()
    assert PlatformPost.objects.count() == 200
    assert not DailyMetrics.objects.exclude(profile__workspace=keep.workspace).exists()
    assert (
        MetricSnapshot.objects.exclude(platform_post__profile__workspace=keep.workspace).count()
        == 0
    )
    assert not AccountMetrics.objects.exclude(profile__workspace=keep.workspace).exists()
    assert not WorkspaceDailyMetrics.objects.exclude(workspace=keep.workspace).exists()
