"""The sync's side: upsert throughput against Django's own bulk upsert, and task timing limits."""

import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from dashboard import upsert
from dashboard.ayrshare import normalize
from dashboard.ayrshare.sandbox import render
from dashboard.ayrshare.sandbox.world import World
from dashboard.bench.report import Result, at_least, at_most, ratio
from dashboard.metrics import METRICS, VIDEO_METRICS
from dashboard.models import PlatformPost

BATCH = 1000  # one /history/{platform} page's worth


def upsert_speed(profiles, rows):
    """P9: normalize + upsert of `rows` sandbox items against bulk_create(update_conflicts=True).

    Both write new rows into empty profiles of the seeded workspace, so indexes and table size
    are the same for both. Both start from the same normalized records (fetched and normalized
    before the clock starts): ours merges them with what is stored, appends snapshots and
    recomputes rollups; the baseline only builds model instances and writes them.
    """
    ours, theirs = profiles[:2]
    items = [normalize.platform_post(platform, raw) for platform, raw in raw_items(rows)]
    now = timezone.now()
    statements = StatementCounter()
    ours_s = theirs_s = 0.0
    # Batch by batch, each path in turn: both meet the same moments of a noisy machine.
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        with connection.execute_wrapper(statements):
            ours_s += _timed(_upsert, ours, batch, now)
        theirs_s += _timed(_baseline, theirs, batch, now)
    stored = PlatformPost.objects.filter(profile=ours).count()
    if stored != len(items):
        raise RuntimeError(f"The upsert stored {stored:,} of {len(items):,} rows.")
    ours_rate, theirs_rate = len(items) / ours_s, len(items) / theirs_s
    per_thousand = statements.count * 1000 / len(items)
    return [
        Result(
            "P9",
            f"sync upsert rows/s ({len(items):,} sandbox posts) ÷ bulk_create(update_conflicts)",
            f"{ours_rate:,.0f} rows/s",
            f"{theirs_rate:,.0f} rows/s",
            ratio(ours_rate, theirs_rate),
            ">= 0.8",
            at_least(0.8, ratio(ours_rate, theirs_rate)),
        ),
        Result(
            "P9",
            "SQL statements per 1,000 posts synced",
            f"{statements.count:,} for {len(items):,}",
            "-",
            per_thousand,
            "<= 10",
            at_most(10, per_thousand),
        ),
    ]


def task_timing():
    """R7: the longest a task may hold its message, against the broker's redelivery timeout.

    The dispatcher enqueues due work immediately (no countdown or eta), so the task time limit
    is the longest hold.
    """
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    longest = settings.CELERY_TASK_TIME_LIMIT
    return Result(
        "R7",
        "task_time_limit (no countdowns or etas) ÷ Redis visibility_timeout",
        f"{longest} s",
        f"{visibility} s",
        ratio(longest, visibility),
        "<= 0.1",
        at_most(0.1, ratio(longest, visibility)),
    )


class StatementCounter:
    """A connection.execute_wrapper that counts SQL statements."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _timed(work, *args):
    started = time.perf_counter()
    work(*args)
    return time.perf_counter() - started


def raw_items(count):
    """(platform, raw item) pairs in the documented shapes, as /history/{platform} sends them."""
    world = World(seed=7, profiles=1, posts=count, anchor=time.time(), span_days=365, suspended=())
    at = world.anchor
    produced = 0
    for index in range(world.n_posts):
        post = world.post(0, index)
        for platform in post.platforms:
            if not post.sent_to(platform, at):
                continue
            item = world.network_post(post, platform)
            yield platform, render.network_item(world, item, at, int(at), int(at) + 3600)
            produced += 1
            if produced == count:
                return


def _upsert(profile, items, now):
    for start in range(0, len(items), BATCH):
        with transaction.atomic():
            upsert.upsert_network_posts(profile, items[start : start + BATCH], now)


def _model(profile, np, now):
    return PlatformPost(
        profile=profile,
        platform=np.platform,
        social_id=np.social_id,
        status="success",
        published_at=np.published_at,
        sort_time=np.published_at,
        text=np.text,
        url=np.url,
        media_type=np.media_type,
        thumbnail_url=np.thumbnail_url,
        raw=np.raw,
        last_updated=np.last_updated,
        next_update=np.next_update,
        synced_at=now,
        **np.metrics,
        **np.video,
    )


def _baseline(profile, items, now):
    _bulk_upsert([_model(profile, np, now) for np in items])


def _bulk_upsert(models):
    fields = ["published_at", "text", "url", "media_type", "thumbnail_url", "raw", "synced_at"]
    for start in range(0, len(models), BATCH):
        with transaction.atomic():
            PlatformPost.objects.bulk_create(
                models[start : start + BATCH],
                update_conflicts=True,
                unique_fields=["profile", "platform", "social_id"],
                update_fields=fields + list(METRICS) + list(VIDEO_METRICS),
            )
