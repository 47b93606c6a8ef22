"""Benchmark: normalize + upsert throughput of network posts, against a raw bulk insert.

Both measurements run in the same process on the same rows, so their ratio means something on a
noisy machine. The raw items come from the sandbox's world (the documented JSON shapes) and are
built before the clock starts; only normalizing and writing are timed.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Profile, Workspace
from dashboard import upsert
from dashboard.ayrshare import normalize
from dashboard.ayrshare.sandbox import render
from dashboard.ayrshare.sandbox.world import World
from dashboard.models import PlatformPost


class Command(BaseCommand):
    help = "Print normalize+upsert rows/s for N network posts and its ratio to a raw bulk insert."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--batch", type=int, default=1000)
        parser.add_argument("--allow-sqlite", action="store_true", help="for a quick local look")

    def handle(self, *args, rows, batch, allow_sqlite, **options):
        if connection.vendor != "postgresql" and not allow_sqlite:
            raise CommandError(
                "This benchmark measures PostgreSQL: set DATABASE_URL=postgres://… "
                "(or pass --allow-sqlite for a rough local figure)."
            )
        self.stdout.write(f"Building {rows:,} raw network posts from the sandbox world…")
        items = list(_raw_items(rows))
        workspace = Workspace.objects.create(name="Benchmark", slug=f"bench-{time.time_ns()}")
        try:
            ours = Profile.objects.create(workspace=workspace, title="upsert")
            raw = Profile.objects.create(workspace=workspace, title="raw insert")
            now = timezone.now()
            statements = _Counter()
            with connection.execute_wrapper(statements):
                insert_s = _timed(lambda: _upsert(ours, items, batch, now))
            inserted_statements = statements.count
            update_s = _timed(lambda: _upsert(ours, items, batch, now))
            models = [_model(raw, np, now) for np in _normalized(items)]
            raw_s = _timed(lambda: _bulk_insert(models, batch))
            stored = PlatformPost.objects.filter(profile=ours).count()
        finally:
            workspace.delete()
        self._report(rows, stored, insert_s, update_s, raw_s, inserted_statements)

    def _report(self, rows, stored, insert_s, update_s, raw_s, statements):
        def rate(seconds):
            return rows / seconds if seconds else float("inf")

        self.stdout.write(
            f"\n{'measurement':44} {'seconds':>9} {'rows/s':>10}\n"
            f"{'normalize + upsert, new rows':44} {insert_s:9.2f} {rate(insert_s):10,.0f}\n"
            f"{'normalize + upsert, same rows again':44} {update_s:9.2f} {rate(update_s):10,.0f}\n"
            f"{'baseline: raw bulk_create of the same rows':44} {raw_s:9.2f} {rate(raw_s):10,.0f}\n"
            f"\nratio new rows ÷ raw insert:   {rate(insert_s) / rate(raw_s):.2f}\n"
            f"ratio re-upsert ÷ raw insert:  {rate(update_s) / rate(raw_s):.2f}\n"
            f"SQL statements per 1,000 posts: {statements * 1000 / rows:.1f}\n"
            f"rows stored: {stored:,} of {rows:,} ({connection.vendor})\n"
        )


class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _timed(work):
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _raw_items(count):
    """(platform, raw item) pairs in the documented shapes, as /history/{platform} sends them."""
    world = World(seed=7, profiles=1, posts=count, anchor=time.time(), span_days=365, suspended=())
    at = world.anchor
    produced = 0
    index = 0
    while produced < count and index < world.n_posts:
        post = world.post(0, index)
        index += 1
        for platform in post.platforms:
            if not post.sent_to(platform, at):
                continue
            item = world.network_post(post, platform)
            yield platform, render.network_item(world, item, at, int(at), int(at) + 3600)
            produced += 1
            if produced == count:
                return


def _normalized(items):
    return [normalize.platform_post(platform, raw) for platform, raw in items]


def _upsert(profile, items, batch, now):
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        with transaction.atomic():
            upsert.upsert_network_posts(profile, _normalized(chunk), now)


def _model(profile, np, now):
    return PlatformPost(
        profile=profile,
        platform=np.platform,
        social_id=np.social_id,
        status="success",
        published_at=np.published_at,
        text=np.text,
        url=np.url,
        media_type=np.media_type,
        thumbnail_url=np.thumbnail_url,
        raw=np.raw,
        last_updated=np.last_updated,
        next_update=np.next_update,
        synced_at=now,
        **np.metrics,
    )


def _bulk_insert(models, batch):
    for start in range(0, len(models), batch):
        with transaction.atomic():
            PlatformPost.objects.bulk_create(models[start : start + batch])
