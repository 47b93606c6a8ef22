"""C3: one beat's dispatch costs the same at 130,000 units as at 1,000.

Each size is a workspace of profiles with the thirteen units of six networks (seed.NETWORKS),
made with bulk_create (no API). The same number of units is due in both; the rest are due
within the hour. A dispatch is what the beat does with them: lease the due units in one
statement (sync.claim_due) and queue them as chains (tasks.enqueue), here to a queue of
its own that no worker reads, purged after. Timed five times, each after the leases were
released; the median counts. C3b times the beat that steady state brings at 10,000 profiles.
"""

import datetime
import itertools
import random
import statistics
import time
import uuid

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import Profile, Workspace
from dashboard import sync, tasks
from dashboard.ayrshare.sandbox import metrics
from dashboard.bench.report import Result, at_most
from dashboard.bench.seed import NETWORKS
from dashboard.bench.workers import purge
from dashboard.models import SyncState

SIZES = (77, 10_000)  # profiles: about 1,000 and 130,000 units
DUE = 1_000
REPEAT = 5
BATCH = 5_000


def measure(log=print, sizes=SIZES, due=DUE):
    """The C3 and C3b rows: dispatch time at sizes[0] and sizes[1] profiles."""
    small, big = sizes
    queue = f"bench-dispatch-{uuid.uuid4().hex[:8]}"
    try:
        small_ms, small_units = _dispatch_time(small, due, small, queue, log)
        big_ms, big_units = _dispatch_time(big, due, small, queue, log)
        steady = steady_beat(big)
        steady_ms, _ = _dispatch_time(big, steady, big, queue, log)
    finally:
        purge(queue)
    return [
        _c3_row(small_ms, small_units, big_ms, big_units, due),
        _c3b_row(big, steady, steady_ms),
    ]


def steady_beat(profiles):
    """Units due per beat in steady state at `profiles` profiles of six networks.

    Each unit comes back at the sandbox's nextUpdate interval for it (Ayrshare's, where the
    docs give one) or, where answers carry none, at sync.DEFAULT_INTERVALS; /history no
    sooner than SYNC_HISTORY_INTERVAL, though Ayrshare renews it every minute.
    """
    intervals = [
        max(metrics.HISTORY_INTERVAL, settings.SYNC_HISTORY_INTERVAL),
        metrics.POST_ANALYTICS_INTERVAL,
        metrics.LINKS_INTERVAL,
        settings.SYNC_USER_INTERVAL,
        sync.DEFAULT_INTERVALS["native_analytics"].total_seconds(),
        *[metrics.PLATFORM_HISTORY_INTERVAL] * len(NETWORKS),
        metrics.SOCIAL_INTERVAL,
        metrics.PLAYLISTS_INTERVAL,
    ]
    beat = settings.SYNC_BEAT_SECONDS
    per_profile = sum(beat / max(interval, beat) for interval in intervals)
    return round(profiles * per_profile)


def _dispatch_time(profiles, due, spread, queue, log):
    """Median milliseconds of one dispatch of `due` units among `profiles` profiles' units."""
    workspace = _seed(profiles, due, spread)
    try:
        units = SyncState.objects.filter(profile__workspace=workspace).count()
        times = []
        for n in range(REPEAT + 1):
            started = time.perf_counter()
            # As tasks.dispatch_due_units: the queue's depth bounds the beat, then lease, queue.
            limit = tasks.units_to_claim(tasks.waiting_messages())
            claimed = sync.claim_due(limit=limit, per_profile=settings.SYNC_DISPATCH_PER_PROFILE)
            tasks.enqueue(claimed, queue=queue)
            elapsed = (time.perf_counter() - started) * 1000
            leased = sum(len(leases) for leases in claimed.values())
            sync.release([lease for leases in claimed.values() for lease in leases])
            purge(queue)
            if n:  # the first run warms the caches
                times.append(elapsed)
        log(
            f"  {units:,} units, {leased:,} leased per dispatch: "
            f"median {statistics.median(times):.0f} ms of {', '.join(f'{t:.0f}' for t in times)}"
        )
        return statistics.median(times), units
    finally:
        SyncState.objects.filter(profile__workspace=workspace).delete()
        Profile.objects.filter(workspace=workspace).delete()
        workspace.delete()


def _seed(profiles, due, spread):
    """`profiles` profiles of six networks; `due` of their units due, those of the first
    `spread` profiles in turn (so both sizes queue as many chains); the rest due in hours."""
    now = timezone.now()
    workspace = Workspace.objects.create(
        name="bench dispatch", slug=f"bench-dispatch-{uuid.uuid4().hex[:8]}"
    )
    made = Profile.objects.bulk_create(
        (
            Profile(workspace=workspace, title=f"Client {n:05}", platforms=list(NETWORKS))
            for n in range(profiles)
        ),
        batch_size=BATCH,
    )
    rng = random.Random(profiles)  # noqa: S311 - a spread of times, not security
    units = [[SyncState(profile=p, unit=unit) for unit in sync.units_for(p)] for p in made]
    rows = [row for profile_units in units for row in profile_units]
    for row in rows:
        row.next_update = now + datetime.timedelta(hours=rng.uniform(2, 3))
    # Round the first `spread` profiles, one unit each per round, until `due` are due.
    turns = [row for group in itertools.zip_longest(*units[:spread]) for row in group if row]
    for row in turns[:due]:
        row.next_update = now - datetime.timedelta(seconds=rng.uniform(1, 60))
    SyncState.objects.bulk_create(rows, batch_size=BATCH)
    with connection.cursor() as cursor:
        # As autovacuum would after such a load: the planner's figures for the new rows.
        cursor.execute(f"ANALYZE {connection.ops.quote_name(SyncState._meta.db_table)}")
    return workspace


def _c3_row(small_ms, small_units, big_ms, big_units, due):
    ratio = big_ms / small_ms if small_ms else None
    return Result(
        "C3",
        f"dispatch time per beat ({due:,} due: lease in one statement, queue as chains), "
        f"{big_units:,} units ÷ {small_units:,} units",
        f"{big_ms:.0f} ms",
        f"{small_ms:.0f} ms",
        ratio,
        "<= 2 and <= 1 s",
        None if ratio is None else ratio <= 2 and big_ms <= 1000,
    )


def _c3b_row(profiles, steady, ms):
    return Result(
        "C3b",
        f"steady-state beat at {profiles:,} profiles: {steady:,} units due per beat "
        "(sandbox intervals), leased and queued",
        f"{ms:.0f} ms",
        f"a beat every {settings.SYNC_BEAT_SECONDS} s",
        ms / 1000,
        "<= 1 s",
        at_most(1000, ms),
    )
