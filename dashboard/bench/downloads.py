"""The CSV export at scale: throughput against raw COPY, wall time, memory, first row."""

import contextlib
import resource
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.test import RequestFactory

from accounts.models import Membership
from dashboard import posts as post_views
from dashboard.bench.report import Result, at_least, at_most, ratio
from dashboard.export import FIELDS
from dashboard.filters import PostFilters
from dashboard.models import PlatformPost
from dashboard.queries import exported_posts

# gunicorn's --timeout in the Dockerfile's CMD (tests/dashboard/bench checks they agree).
WEB_TIMEOUT_SECONDS = 120
RSS_LIMIT = 64 * 2**20
STATUS = Path("/proc/self/status")
CLEAR_REFS = Path("/proc/self/clear_refs")

# A whole export: every post of all time, not the page's default (published, 28 days).
EVERY_POST = "range=&show=all"


@dataclass
class Download:
    rows: int
    bytes: int
    total_s: float
    rss_growth: int

    @property
    def rows_per_s(self):
        return self.rows / self.total_s


def measure(big, small, repeat):
    """P1 to P3 from three exports and one raw COPY of the big workspace; P4 from exports
    started and dropped at their first row."""
    everything = download(big)
    tenth = download(big, big.profiles[: max(len(big.profiles) // 10, 1)])
    sample = small.profiles[: max(len(small.profiles) // 10, 1)]
    raw_rows_per_s = raw_copy(big)
    first_ms = first_row_ms(big, None, repeat)
    sample_ms = first_row_ms(small, sample, repeat)
    sample_rows = PlatformPost.objects.filter(profile__in=sample).count()
    return [
        Result(
            "P1",
            f"CSV export rows/s ÷ raw COPY of the same SELECT ({everything.rows:,} rows)",
            f"{everything.rows_per_s:,.0f} rows/s",
            f"{raw_rows_per_s:,.0f} rows/s",
            ratio(everything.rows_per_s, raw_rows_per_s),
            ">= 0.5 (stretch 0.9)",
            at_least(0.5, ratio(everything.rows_per_s, raw_rows_per_s)),
        ),
        Result(
            "P2",
            f"export wall time ({everything.rows:,} rows) ÷ web worker timeout",
            f"{everything.total_s:.1f} s",
            f"{WEB_TIMEOUT_SECONDS} s",
            ratio(everything.total_s, WEB_TIMEOUT_SECONDS),
            "<= 0.5",
            at_most(0.5, ratio(everything.total_s, WEB_TIMEOUT_SECONDS)),
        ),
        Result(
            "P3",
            f"peak RSS growth, {everything.rows:,} ÷ {tenth.rows:,} rows exported",
            _mib(everything.rss_growth),
            _mib(tenth.rss_growth),
            _rss_ratio(everything, tenth),
            "<= 1.5 and <= 64 MiB",
            everything.rss_growth <= RSS_LIMIT and at_most(1.5, _rss_ratio(everything, tenth)),
        ),
        Result(
            "P4",
            f"time to the first row p50, {everything.rows:,} ÷ {sample_rows:,} rows exported",
            f"{first_ms:.1f} ms",
            f"{sample_ms:.1f} ms",
            ratio(first_ms, sample_ms),
            "<= 2",
            at_most(2, ratio(first_ms, sample_ms)),
        ),
    ]


def download(seeded, profiles=None):
    """Stream the export view's response for these profiles (None: the whole workspace, as the
    page's export link has it with no profile chosen), keeping only sizes and times."""
    rows = PlatformPost.objects.filter(profile__in=profiles or seeded.profiles).count()
    rss_before = _reset_peak_rss()
    started = time.perf_counter()
    size = sum(len(chunk) for chunk in _export(seeded, profiles).streaming_content)
    total = time.perf_counter() - started
    return Download(rows, size, total, max(_peak_rss() - rss_before, 0))


def first_row_ms(seeded, profiles, repeat):
    """p50 milliseconds from the request to the first row, after one untimed run, as the pages'
    goals are timed. Each export is dropped at its first row, which cancels its COPY as a
    download cut short does."""
    _first_row_s(seeded, profiles)
    return statistics.median(_first_row_s(seeded, profiles) for _ in range(repeat)) * 1000


def _first_row_s(seeded, profiles):
    started = time.perf_counter()
    lines = iter(_export(seeded, profiles).streaming_content)
    next(lines)  # the header, sent before the query runs
    next(lines)
    return time.perf_counter() - started


def _export(seeded, profiles):
    query = "&".join([EVERY_POST, *(f"profiles={p.pk}" for p in profiles or [])])
    request = RequestFactory().get(f"/w/{seeded.workspace.slug}/posts/export.csv?{query}")
    request.user = seeded.user
    response = post_views.posts_export(request, workspace=seeded.workspace.slug)
    if response.status_code != 200:
        raise RuntimeError(f"The export answered {response.status_code}.")
    # No response.close(): its request_finished signal would close this command's connection.
    return response


def raw_copy(seeded):
    """Rows/s of `COPY (<the export's filtered SELECT of plain columns>) TO STDOUT`."""
    membership = Membership.objects.get(user=seeded.user, workspace=seeded.workspace)
    filters = PostFilters({"show": "all"}, profiles=seeded.workspace.profiles.all())
    if not filters.is_valid():
        raise RuntimeError(filters.error_text())
    posts = exported_posts(membership, filters)
    rows = posts.count()
    select, params = posts.values(*FIELDS).query.sql_with_params()
    started = time.perf_counter()
    statement = f"COPY ({select}) TO STDOUT (FORMAT csv)"
    # Django's cursor wrapper cannot pass parameters to copy(); psycopg's own cursor can.
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(statement, params) as copy,
    ):
        for _block in copy:
            pass  # received and dropped, as the export's bytes are by download()
    return rows / (time.perf_counter() - started)


def _rss_ratio(big, small):
    # Growth under 1 MiB is page-sized noise: compare from 1 MiB up.
    return max(big.rss_growth, 2**20) / max(small.rss_growth, 2**20)


def _mib(size):
    return f"{size / 2**20:.1f} MiB"


def _reset_peak_rss():
    """The current RSS in bytes, after resetting the kernel's high-water mark where we can."""
    with contextlib.suppress(OSError):
        CLEAR_REFS.write_text("5")  # Linux: VmHWM := VmRSS
    return _status_bytes("VmRSS") or _peak_rss()


def _peak_rss():
    # VmHWM honours the reset above; ru_maxrss (KiB on Linux) is the whole process's peak.
    return _status_bytes("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _status_bytes(field):
    with contextlib.suppress(OSError):
        for line in STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return None
