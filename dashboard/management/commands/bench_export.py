"""Benchmark: the CSV export of N network posts, streamed through the real view.

Creates N synthetic network posts in a throwaway workspace (PostgreSQL: one INSERT … SELECT over
generate_series; SQLite: bulk_create in batches), then exports a small sample (one profile, via the
page's own profile filter) and all N rows, each consumed chunk by chunk and thrown away as a
browser would write it to disk. Prints time to first byte and to the first row, rows/s, peak
Python memory (tracemalloc) and peak RSS growth, and the ratio of the two peaks (1 or less = flat).
The workspace, its profiles, rows and bench user are deleted afterwards unless --keep.
"""

import contextlib
import datetime
import resource
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Membership, Profile, Workspace
from dashboard import posts as post_views
from dashboard.models import PlatformPost

PLATFORMS = ("facebook", "instagram", "linkedin", "youtube", "tiktok", "twitter")
BATCH = 5000
STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")


class Command(BaseCommand):
    help = "Stream the posts CSV export of N synthetic rows; print time, throughput and memory."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument(
            "--sample", type=int, default=100_000, help="rows of the smaller export to compare"
        )
        parser.add_argument("--keep", action="store_true", help="keep the workspace and rows")
        parser.add_argument(
            "--no-tracemalloc",
            dest="trace",
            action="store_false",
            help="skip peak Python memory (tracemalloc makes the export about 4x slower)",
        )

    def handle(self, *args, rows, sample, keep, trace, **options):
        if rows < 1 or not 0 < sample <= rows:
            raise CommandError("Need --rows >= 1 and 0 < --sample <= --rows.")
        stamp = time.time_ns()
        workspace = Workspace.objects.create(name="Export benchmark", slug=f"bench-export-{stamp}")
        user = get_user_model().objects.create_user(username=f"bench-export-{stamp}")
        try:
            Membership.objects.create(user=user, workspace=workspace, role="owner")
            small = Profile.objects.create(workspace=workspace, title="Sample")
            rest = Profile.objects.create(workspace=workspace, title="Rest")
            started = time.perf_counter()
            _create_rows(small, sample, first=0)
            _create_rows(rest, rows - sample, first=sample)
            created_s = time.perf_counter() - started
            self.stdout.write(
                f"created {rows:,} network posts in {created_s:.1f} s ({connection.vendor})"
            )
            sample_run = _export(user, workspace, f"?profiles={small.pk}&sort=-likes", trace)
            full_run = _export(user, workspace, "?sort=-likes", trace)
        finally:
            if keep:
                self.stdout.write(f"kept workspace {workspace.slug} and user {user.username}")
            else:
                _clean_up(workspace, user)
        self._report(sample_run, full_run)

    def _report(self, sample_run, full_run):
        self.stdout.write(f"\n{'export':>10} {'rows':>10} {'bytes':>14} " + Run.HEADINGS)
        for label, run in (("sample", sample_run), ("all", full_run)):
            self.stdout.write(f"{label:>10} {run.rows:>10,} {run.bytes:>14,} {run.line()}")
        rows = f"{full_run.rows:,} ÷ {sample_run.rows:,} rows"
        if full_run.python_peak is not None:
            python_ratio = full_run.python_peak / max(sample_run.python_peak, 1)
            self.stdout.write(
                f"\npeak Python memory, {rows}: {python_ratio:.2f} (1 or less = flat)"
            )
        # Growth under 1 MiB is noise (page-sized steps): compare from 1 MiB up.
        rss_ratio = max(full_run.rss_growth, 2**20) / max(sample_run.rss_growth, 2**20)
        self.stdout.write(f"peak RSS growth, {rows}: {rss_ratio:.2f} (1 or less = flat)\n")


@dataclass
class Run:
    rows: int
    bytes: int
    first_byte_s: float
    first_row_s: float
    total_s: float
    python_peak: int | None
    rss_growth: int

    HEADINGS = (
        f"{'first byte s':>13} {'first row s':>12} {'total s':>8} {'rows/s':>9} "
        f"{'peak Python MiB':>16} {'peak RSS growth MiB':>20}"
    )

    def line(self):
        rate = self.rows / self.total_s if self.total_s else float("inf")
        return (
            f"{self.first_byte_s:>13.3f} {self.first_row_s:>12.3f} {self.total_s:>8.1f} "
            f"{rate:>9,.0f} {_mib(self.python_peak):>16} {_mib(self.rss_growth):>20}"
        )


def _mib(size):
    return "not measured" if size is None else f"{size / 2**20:.1f}"


def _export(user, workspace, query, trace):
    """Stream the export view's response for `query`, keeping only counts and timings."""
    request = RequestFactory().get(f"/w/{workspace.slug}/posts/export.csv{query}")
    request.user = user
    rss_before = _reset_peak_rss()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = post_views.posts_export(request, workspace=workspace.slug)
    if response.status_code != 200:
        raise CommandError(f"The export answered {response.status_code}.")
    chunks = iter(response.streaming_content)
    size = len(next(chunks))
    first_byte = time.perf_counter() - started
    first_row = None
    rows = 0
    for chunk in chunks:
        if first_row is None:
            first_row = time.perf_counter() - started
        rows += 1  # each chunk is one CSV record (a text with newlines stays one record)
        size += len(chunk)
    total = time.perf_counter() - started
    # No response.close(): its request_finished signal would close the command's connection.
    python_peak = None
    if trace:
        _, python_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return Run(
        rows=rows,
        bytes=size,
        first_byte_s=first_byte,
        first_row_s=first_row if first_row is not None else total,
        total_s=total,
        python_peak=python_peak,
        rss_growth=max(_peak_rss() - rss_before, 0),
    )


def _reset_peak_rss():
    """The current RSS in bytes, after resetting the kernel's high-water mark where we can."""
    with contextlib.suppress(OSError):
        CLEAR_REFS.write_text("5")  # Linux: VmHWM := VmRSS
    return _status_bytes("VmRSS") or _peak_rss()


def _peak_rss():
    # VmHWM honours the reset above; ru_maxrss (KiB on Linux) is the whole process's peak.
    return _status_bytes("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _status_bytes(field):
    try:
        for line in STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _create_rows(profile, count, first):
    if count <= 0:
        return
    if connection.vendor == "postgresql":
        _insert_series(profile, count, first)
    else:
        _bulk_create(profile, count, first)


# Every few rows a metric is missing, a text starts with "=", and likes tie, so the export
# walks the same paths as real data: blanks with reasons, neutralised cells, tie-broken sort.
_SERIES_SQL = """
INSERT INTO {table} (
    profile_id, platform, social_id, status, published_at, text, url, media_type,
    thumbnail_url, error_message, raw, analytics_raw, metric_notes, analytics_error, synced_at,
    impressions, reach, views, likes, comments, shares, saves, clicks, engagements,
    engagement_rate
)
SELECT
    %(profile)s, (%(platforms)s::text[])[1 + g %% {n_platforms}], 'bench-' || g, 'success',
    %(now)s::timestamptz - g * interval '1 minute',
    CASE WHEN g %% 50 = 0 THEN '=HYPERLINK("x")'
         ELSE 'Benchmark post ' || g || ', with "quotes"' END,
    'https://example.com/p/' || g, 'image', '', '', '{{}}', '{{}}', '{{}}', '', %(now)s,
    CASE WHEN g %% 7 = 0 THEN NULL ELSE 1000 + g %% 9000 END,
    800 + g %% 7000, 500 + g %% 5000,
    CASE WHEN g %% 11 = 0 THEN NULL ELSE g %% 300 END,
    g %% 40, g %% 20, g %% 10, g %% 30, g %% 400, (g %% 400) / 10000.0
FROM generate_series(%(first)s + 1, %(last)s) AS g
"""


def _insert_series(profile, count, first):
    sql = _SERIES_SQL.format(table=PlatformPost._meta.db_table, n_platforms=len(PLATFORMS))
    params = {
        "profile": profile.pk,
        "platforms": list(PLATFORMS),
        "now": timezone.now(),
        "first": first,
        "last": first + count,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute(f"ANALYZE {PlatformPost._meta.db_table}")


def _bulk_create(profile, count, first):
    now = timezone.now()
    for start in range(first + 1, first + count + 1, BATCH):
        stop = min(start + BATCH, first + count + 1)
        with transaction.atomic():
            PlatformPost.objects.bulk_create(_model(profile, g, now) for g in range(start, stop))


def _model(profile, g, now):
    """The same synthetic row as _SERIES_SQL, for SQLite."""
    metrics = {
        "impressions": 1000 + g % 9000,
        "reach": 800 + g % 7000,
        "views": 500 + g % 5000,
        "likes": g % 300,
        "comments": g % 40,
        "shares": g % 20,
        "saves": g % 10,
        "clicks": g % 30,
        "engagements": g % 400,
        "engagement_rate": (g % 400) / 10000,
    }
    if g % 7 == 0:
        metrics["impressions"] = None
    if g % 11 == 0:
        metrics["likes"] = None
    return PlatformPost(
        profile=profile,
        platform=PLATFORMS[g % len(PLATFORMS)],
        social_id=f"bench-{g}",
        status="success",
        published_at=now - datetime.timedelta(minutes=g),
        text='=HYPERLINK("x")' if g % 50 == 0 else f'Benchmark post {g}, with "quotes"',
        url=f"https://example.com/p/{g}",
        media_type="image",
        synced_at=now,
        **metrics,
    )


def _clean_up(workspace, user):
    # A raw DELETE: the ORM's cascade would load every one of the N rows into memory first.
    # The table names come from our own models, the id is a parameter.
    sql = (
        f"DELETE FROM {PlatformPost._meta.db_table} WHERE profile_id IN "  # noqa: S608
        f"(SELECT id FROM {Profile._meta.db_table} WHERE workspace_id = %s)"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [workspace.pk])
    workspace.delete()
    user.delete()
