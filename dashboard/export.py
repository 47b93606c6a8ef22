"""The post history as a streamed CSV: the same filters and order as the table, any size."""

import csv
import datetime
from types import SimpleNamespace

from django.http import StreamingHttpResponse

from dashboard.ayrshare.normalize import METRICS
from dashboard.queries import metric_reason

# Rows fetched per round trip; on PostgreSQL through a server-side cursor, so memory stays flat.
CHUNK_SIZE = 2000
BOM = "\ufeff"
# Missing because the last POST /analytics/post for this post failed (PlatformPost.analytics_error).
RATE_HEADER = (
    "engagement_rate = engagements / the first positive of impressions, reach, views"
    " (a fraction: 0.05 is 5%)"
)
NOTE_SUFFIX = "_note"
HEADER = [
    "profile",
    "platform",
    "social_id",
    "ayrshare_post_id",
    "url",
    "published_at_utc",
    "status",
    "origin",
    "media_type",
    "text",
    *[RATE_HEADER if name == "engagement_rate" else name for name in METRICS],
    # One column per metric saying why its cell is blank (or stale): a blank is never a zero.
    *[name + NOTE_SUFFIX for name in METRICS],
]
# What a row reads: plain values, not model instances, which cost twice as much per row.
FIELDS = (
    "profile_title",
    "platform",
    "social_id",
    "ayrshare_id",
    "url",
    "published_at",
    "status",
    "post_id",
    "media_type",
    "text",
    *METRICS,
    "metric_notes",
    "analytics_error",
)
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() hands the line back instead of storing it."""

    def write(self, value):
        return value


def csv_response(posts, filename, *, excel=False):
    """A StreamingHttpResponse over `posts` (an ordered PlatformPost queryset)."""
    response = StreamingHttpResponse(_lines(posts, excel), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _lines(posts, excel):
    writer = csv.writer(_Echo())
    # The header goes out before the query runs: the download starts at once.
    # The BOM tells Excel the file is UTF-8 (it guesses a legacy code page otherwise).
    yield (BOM if excel else "") + writer.writerow(HEADER)
    # iterator(): a server-side cursor on PostgreSQL, chunked fetches on SQLite; nothing cached.
    for values in posts.values(*FIELDS).iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(row(SimpleNamespace(**values)))


def row(post):
    """The CSV cells of one network post (a PlatformPost or the same attributes)."""
    published = post.published_at
    return [
        neutralise(post.profile_title),
        neutralise(post.platform),
        neutralise(post.social_id),
        neutralise(post.ayrshare_id or ""),
        neutralise(post.url),
        published.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z") if published else "",
        neutralise(post.status),
        "ayrshare" if post.post_id else "network",
        neutralise(post.media_type),
        neutralise(post.text),
        *["" if getattr(post, name) is None else getattr(post, name) for name in METRICS],
        *[reason(post, name) for name in METRICS],
    ]


def reason(post, name):
    """Why a metric's cell is blank or stale, in the table's words; "" for a current number."""
    if not post.metric_notes and getattr(post, name) is not None:
        return ""  # the common case, without a call per cell
    return metric_reason(post, name)


def neutralise(cell):
    """Text a spreadsheet would run as a formula, made inert with a leading quote."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell
