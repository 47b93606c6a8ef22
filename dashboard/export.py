"""The post history as a streamed CSV: the same filters and order as the table, any size."""

import csv
import datetime

from django.http import StreamingHttpResponse

from dashboard.ayrshare.normalize import METRICS
from dashboard.queries import NOT_REPORTED, STALE, metric_reason

CHUNK_SIZE = 2000
BOM = "\ufeff"
RATE_HEADER = "engagement_rate (engagements ÷ impressions, else reach, else views)"
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
    "notes",
]
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHORT_REASONS = {STALE: "stale", NOT_REPORTED: "not reported"}


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
    if excel:
        yield BOM
    yield writer.writerow(HEADER)
    for post in posts.iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow([neutralise(cell) for cell in row(post)])


def row(post):
    published = post.published_at
    return [
        post.profile_title,
        post.platform,
        post.social_id,
        post.ayrshare_id or "",
        post.url,
        published.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z") if published else "",
        post.status,
        "ayrshare" if post.post_id else "network",
        post.media_type,
        post.text,
        *["" if getattr(post, name) is None else getattr(post, name) for name in METRICS],
        _notes(post),
    ]


def _notes(post):
    notes = []
    for name in METRICS:
        reason = metric_reason(post, name)
        if reason:
            notes.append(f"{name}: {SHORT_REASONS.get(reason, reason)}")
    return "; ".join(notes)


def neutralise(cell):
    """Text a spreadsheet would run as a formula, made inert with a leading quote."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell
