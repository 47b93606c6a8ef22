"""Benchmark workspaces, written through the sync's own bulk path (upsert.upsert_network_posts).

Posts are synthetic but shaped like real ones: six networks with their own metric sets (a
metric the network does not report stays NULL), some numbers not yet reported, a few texts
that a spreadsheet would run as formulas, spread over a year so the rollups see real days.
"""

import datetime
import random
import time
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, Profile, Workspace
from dashboard import followers, sync, upsert, workspace_rollups
from dashboard.ayrshare.normalize import NetworkPost
from dashboard.metrics import METRICS, PLATFORM_METRICS, with_engagement
from dashboard.models import (
    AccountMetrics,
    DailyMetrics,
    FollowerSeries,
    MetricSnapshot,
    PlatformPost,
    SyncState,
)

NETWORKS = ("facebook", "instagram", "linkedin", "tiktok", "twitter", "youtube")
BATCH = 1000  # posts per upsert call: one sync page's worth of work
SPAN = datetime.timedelta(days=365)
SLUG_PREFIX = "bench-"


@dataclass
class Seeded:
    workspace: Workspace
    user: object
    profiles: list
    posts: int
    seconds: float


def seed_workspace(label, posts, profiles, *, seed=1):
    """A workspace of `profiles` profiles sharing `posts` network posts, and its owner."""
    stamp = time.time_ns()
    workspace = Workspace.objects.create(
        name=f"Benchmark {label}", slug=f"{SLUG_PREFIX}{label}-{stamp}"
    )
    user = get_user_model().objects.create_user(username=f"{SLUG_PREFIX}{label}-{stamp}")
    Membership.objects.create(user=user, workspace=workspace, role=Membership.Role.OWNER)
    members = Profile.objects.bulk_create(
        Profile(workspace=workspace, title=f"Client {n:03d}", platforms=list(NETWORKS))
        for n in range(profiles)
    )
    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    share, extra = divmod(posts, profiles)
    for index, profile in enumerate(members):
        count = share + (1 if index < extra else 0)
        for first in range(0, count, BATCH):
            # Newest first, as /history/{platform} pages arrive: a batch spans a stretch of days.
            batch = [
                network_post(rng, index * 10**7 + n, now - SPAN * ((n + rng.random()) / count), now)
                for n in range(first, min(first + BATCH, count))
            ]
            with transaction.atomic():
                upsert.upsert_network_posts(profile, batch, now)
    # What a synced workspace has: each unit's last success and its next refresh.
    SyncState.objects.bulk_create(
        SyncState(
            profile=profile,
            unit=unit,
            last_updated=now,
            last_success=now,
            next_update=now + interval,
        )
        for profile in members
        for unit, interval in sync.DEFAULT_INTERVALS.items()
    )
    # As after a sync unit: the workspace rollups take in the days the batches noted.
    workspace_rollups.refresh(workspace.pk)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {PlatformPost._meta.db_table}")
            cursor.execute(f"ANALYZE {DailyMetrics._meta.db_table}")
    return Seeded(workspace, user, members, posts, time.perf_counter() - started)


def seed_followers(seeded):
    """A year of daily follower counts per profile and network, as /analytics/social leaves.

    Apart from seed_workspace: the benchmark measures the overview without and with them.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    days = [today - datetime.timedelta(days=n) for n in range(SPAN.days)]
    for profile in seeded.profiles:
        AccountMetrics.objects.bulk_create(
            AccountMetrics(
                profile=profile,
                platform=platform,
                date=day,
                followers=1000 * (n + 1) + profile.pk % 97 + len(days) - age,
                last_updated=now,
            )
            for n, platform in enumerate(NETWORKS)
            for age, day in enumerate(days)
        )
        followers.note_reports(profile.pk, NETWORKS)


def network_post(rng, number, published, now):
    """One synthetic NetworkPost, published then, as normalize.platform_post would produce it."""
    platform = NETWORKS[number % len(NETWORKS)]
    reported = PLATFORM_METRICS[platform]
    # One post in twelve is too new for its numbers (YouTube's 24-48 h delay and the like).
    fresh = rng.random() < 1 / 12
    metrics = {name: None for name in METRICS}
    if not fresh:
        for name in upsert.COUNTERS:
            if name in reported:
                metrics[name] = int(rng.paretovariate(1.2) * 40)
    if number % 50 == 0:
        text = f'=HYPERLINK("https://example.com/{number}")'
    else:
        text = f'Post {number}: launch day, "quotes", commas, and a line\nbreak #bench'
    return NetworkPost(
        platform=platform,
        social_id=f"bench-{number}",
        published_at=published,
        text=text,
        url=f"https://example.com/{platform}/{number}",
        media_type=rng.choice(("image", "video", "text")),
        thumbnail_url="",
        metrics=with_engagement(metrics),
        last_updated=now,
        next_update=now + datetime.timedelta(hours=1),
        raw={"id": f"bench-{number}"},
    )


def drop(seeded):
    """Delete a benchmark workspace and its rows.

    Raw DELETEs, children first: the ORM's cascade would load every row into memory first.
    Table names come from our models; the ids are parameters.
    """
    profiles = [p.pk for p in seeded.profiles]
    posts = PlatformPost._meta.db_table
    ids = ", ".join(["%s"] * len(profiles))
    statements = [
        f"DELETE FROM {MetricSnapshot._meta.db_table} WHERE profile_id IN ({ids})",  # noqa: S608
        f"DELETE FROM {posts} WHERE profile_id IN ({ids})",  # noqa: S608
        f"DELETE FROM {AccountMetrics._meta.db_table} WHERE profile_id IN ({ids})",  # noqa: S608
        f"DELETE FROM {FollowerSeries._meta.db_table} WHERE profile_id IN ({ids})",  # noqa: S608
        f"DELETE FROM {DailyMetrics._meta.db_table} WHERE profile_id IN ({ids})",  # noqa: S608
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql, profiles)
        seeded.workspace.delete()
        seeded.user.delete()
