"""The post history as a streamed CSV: the same filters and order as the table, any size.

On PostgreSQL the cells are built in SQL and `COPY (…) TO STDOUT` streams straight into the
response (five to six times the rows per second of Python's csv module, a little over half
those of a raw COPY of the plain columns); other databases use the Python writer over a
chunked cursor.
Both write the same bytes for the same rows (engagement rates of 1e16 and up aside: see
_number).
"""

import csv
import datetime
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import BooleanField, Case, ExpressionWrapper, Q, Value, When
from django.http import StreamingHttpResponse
from django.utils import timezone

from dashboard.metrics import (
    FETCH_FAILED,
    METRICS,
    NOT_REPORTED,
    NOT_YET,
    NOTE_WORDS,
    PLATFORM_METRICS,
    RATE_RULE,
    RETIRED,
    VIDEO_METRICS,
    reports,
    retired_reason,
)
from dashboard.queries import export_runs, metric_reason

# Rows fetched per round trip; on PostgreSQL through a server-side cursor, so memory stays flat.
CHUNK_SIZE = 2000
# An export's first rows, read on their own so that they go out before PostgreSQL has sorted
# the rest (see queries.export_runs).
HEAD_ROWS = 2000
# Bytes of COPY output gathered into one piece of the response.
COPY_CHUNK = 64 * 1024
BOM = "\ufeff"
RATE_HEADER = f"engagement_rate = {RATE_RULE} (a fraction: 0.05 is 5%)"
NOTE_SUFFIX = "_note"
VIDEO_HEADERS = {
    "watch_time": "watch_time_seconds",
    "avg_watch_time": "avg_watch_time_seconds",
    "completion_rate": "completion_rate (a fraction of the viewers who watched to the end)",
}
# Floats, written as repr() writes them; the other numbers are whole.
FLOATS = ("engagement_rate", *VIDEO_METRICS)
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
    # Added after the notes so that older spreadsheets keep their columns where they were.
    *VIDEO_HEADERS.values(),
    *[name + NOTE_SUFFIX for name in VIDEO_METRICS],
    # The same instant in the workspace's zone, with its offset: the day a person sees.
    "published_at_local",
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
    *VIDEO_METRICS,
    "metric_notes",
    "analytics_error",
)
# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() hands the line back instead of storing it."""

    def write(self, value):
        return value


def csv_response(posts, filename, *, sort, excel=False):
    """A StreamingHttpResponse over `posts` (network_posts' queryset, ordered by `sort`)."""
    if connection.vendor == "postgresql":
        lines = copy_lines(posts, excel, sort=sort)
    else:
        lines = python_lines(posts, excel)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def header_line(excel=False):
    # The BOM tells Excel the file is UTF-8 (it guesses a legacy code page otherwise).
    return (BOM if excel else "") + csv.writer(_Echo()).writerow(HEADER)


def python_lines(posts, excel=False):
    """The CSV as str pieces, written by Python's csv module."""
    writer = csv.writer(_Echo())
    # The header goes out before the query runs: the download starts at once.
    yield header_line(excel)
    # iterator(): a server-side cursor on PostgreSQL, chunked fetches on SQLite; nothing cached.
    for values in posts.values(*FIELDS).iterator(chunk_size=CHUNK_SIZE):
        yield writer.writerow(row(SimpleNamespace(**values)))


def copy_lines(posts, excel=False, *, sort=None):
    """The CSV as bytes pieces of about COPY_CHUNK bytes, from PostgreSQL's COPY (PostgreSQL).

    `sort` (the page's sort) lets a big export send its first rows at once instead of after
    PostgreSQL has sorted every row.
    """
    yield header_line(excel).encode()
    # A transaction (a savepoint inside one) so that a download cut short, which cancels the
    # COPY, rolls back cleanly and leaves the connection usable.
    with transaction.atomic(), connection.cursor() as cursor:
        # A big COPY's plan costs enough to be JIT-compiled: half a second or more before the
        # first row, for a query that only streams rows out.
        cursor.execute("SET LOCAL jit = off")
        # Before the zone changes: finding where the first rows end reads a time.
        statements = [copy_sql(part) for part in _parts(posts, sort)]
        _set_zone(cursor, timezone.get_current_timezone_name())
        for sql, params in statements:
            # Django's cursor wrapper cannot pass parameters to copy(); psycopg's own can.
            with cursor.cursor.copy(sql, params) as copy:
                yield from _crlf_chunks(copy)
        # Back to the zone Django set on connecting (UTC), in which it reads times.
        _set_zone(cursor, connection.timezone_name)


def _set_zone(cursor, zone):
    """The session's zone until this transaction ends.

    The local-time cell is to_char() in the session's zone, a third of the cost of converting
    every time by hand. SET LOCAL in a savepoint lasts until the outer transaction ends, so
    copy_lines puts it back after the last row; a download cut short rolls back to the
    savepoint, which puts it back on its own.
    """
    cursor.execute("SELECT set_config('TimeZone', %s, true)", [zone])


def _parts(posts, sort):
    """The querysets whose rows, one after the other, make the export."""
    if sort is None:
        return [posts]
    return export_runs(posts, sort, HEAD_ROWS)


def _crlf_chunks(copy):
    """COPY's rows end in LF; Python's csv (and RFC 4180) end them in CRLF.

    A LF outside quotes ends a record; one inside a quoted text stays as it is. Splitting on
    the quote character gives the outside and inside runs in turn (an escaped quote, "", opens
    and closes an empty run), so the parity carries across chunk boundaries.
    """
    buffer = []
    size = 0
    inside = False
    for block in copy:
        buffer.append(block)  # join() takes psycopg's memoryviews as they are
        size += len(block)
        if size < COPY_CHUNK:
            continue
        chunk, inside = _crlf(b"".join(buffer), inside)
        yield chunk
        buffer, size = [], 0
    if buffer:
        yield _crlf(b"".join(buffer), inside)[0]


def _crlf(data, inside):
    runs = data.split(b'"')
    outside = runs[1 if inside else 0 :: 2]
    runs[1 if inside else 0 :: 2] = [run.replace(b"\n", b"\r\n") for run in outside]
    return b'"'.join(runs), inside != (len(runs) % 2 == 0)


def copy_sql(posts):
    """`COPY (SELECT <the CSV cells> FROM <posts>) TO STDOUT` and its parameters.

    The inner query is the page's own, ordered; PostgreSQL keeps a subquery's order through a
    plain projection like this one. Only our own column names and expressions go into the
    text; every value is a parameter.
    """
    # Worked out once per row (the ordered subquery is not flattened into this SELECT), not in
    # each of the thirteen reason cells: `noted`, does the row have any metric note, instead
    # of a JSON lookup per cell; `unreported`, one bit per metric its network does not report,
    # instead of comparing the platform with a list per cell.
    noted = ExpressionWrapper(~Q(metric_notes={}), output_field=BooleanField())
    inner, inner_params = posts.values(
        *FIELDS, noted=noted, unreported=_unreported()
    ).query.sql_with_params()
    cells, params = [], []
    for expression, values in _cell_sql():
        cells.append(expression)
        params += values
    select = f"SELECT {', '.join(cells)} FROM ({inner}) AS p"  # noqa: S608
    return f"COPY ({select}) TO STDOUT (FORMAT csv)", [*params, *inner_params]


def _cell_sql():
    """(SQL expression, parameters) per CSV column, in HEADER order.

    Empty text becomes NULL: COPY quotes an empty string to tell it from NULL; Python's csv
    writes both as nothing.
    """
    yield _text("p.profile_title")
    yield _text("p.platform")
    yield _text("p.social_id")
    yield _text("p.ayrshare_id")
    yield _text("p.url")
    yield _published()
    yield _text("p.status")
    yield "CASE WHEN p.post_id IS NULL THEN 'network' ELSE 'ayrshare' END", []
    yield _text("p.media_type")
    yield _text("p.text")
    for name in METRICS:
        yield _number(name)
    for name in METRICS:
        yield _reason(name)
    for name in VIDEO_METRICS:
        yield _number(name)
    for name in VIDEO_METRICS:
        yield _reason(name)
    yield _published_local()


# FORMULA_STARTS as code points: ascii() and an integer IN cost far less than left() and a
# text IN, in eight cells of every row.
FORMULA_CODES = ", ".join(str(ord(start)) for start in FORMULA_STARTS)


def _text(column):
    # neutralise(): a leading quote before what a spreadsheet would run as a formula.
    return (
        f"CASE WHEN ascii({column}) IN ({FORMULA_CODES}) THEN '''' || {column} "
        f"ELSE NULLIF({column}, '') END",
        [],
    )


def _published():
    # isoformat() in UTC with a Z: microseconds only when there are some. Only the end of the
    # text can read ".000000", so one to_char and a replace() do it.
    return (
        "replace(to_char(p.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
        "'.000000', '') || 'Z'",
        [],
    )


def _published_local():
    """isoformat(timespec="seconds") of the local time in the session's zone, which
    copy_lines sets to the current (workspace's) one."""
    return "to_char(p.published_at, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')", []


def _number(name):
    column = f"p.{name}"
    if name not in FLOATS:
        return column, []  # COPY writes a bigint as str() does
    # repr() of a float. Both write the shortest text that reads back as the same number, but
    # repr() writes a whole number as "2.0" (PostgreSQL: "2"), keeps 1e15 <= |x| < 1e16
    # positional (PostgreSQL: "1.5e+15") and spells nan and inf its own way. Not matched: from
    # 1e16 up (no real rate) PostgreSQL may write all of a whole number's digits, where repr()
    # writes the shortest; both read back as the same float.
    whole = f"{column} = trunc({column})"
    return (
        f"CASE WHEN abs({column}) < 1e15 THEN "
        f"(CASE WHEN {whole} THEN {column}::text || '.0' ELSE {column}::text END) "
        f"WHEN abs({column}) < 1e16 THEN "
        f"{column}::text::numeric::text || (CASE WHEN {whole} THEN '.0' ELSE '' END) "
        f"WHEN {column} = 'NaN' THEN 'nan' WHEN {column} = 'Infinity' THEN 'inf' "
        f"WHEN {column} = '-Infinity' THEN '-inf' ELSE {column}::text END",
        [],
    )


# A bit per metric in `unreported`.
REASON_BITS = {name: 1 << n for n, name in enumerate((*METRICS, *VIDEO_METRICS))}


def _unreported():
    """Per row: the REASON_BITS of the metrics its network does not report (0 for a network
    we do not know, as reports() has it)."""
    bits = {
        platform: sum(bit for name, bit in REASON_BITS.items() if not reports(platform, name))
        for platform in PLATFORM_METRICS
    }
    return Case(
        *[When(platform=platform, then=Value(value)) for platform, value in bits.items()],
        default=Value(0),
    )


def _reason(name):
    """metric_reason() in SQL: a note, else "" for a number, else why it is missing."""
    retired = [platform for platform, metric in RETIRED if metric == name]
    note = f"NULLIF(p.metric_notes ->> '{name}', '')"
    words = " ".join("WHEN %s THEN %s" for _ in NOTE_WORDS)
    since = "".join("WHEN p.platform = %s THEN %s " for _ in retired)
    return (
        f"CASE WHEN p.noted AND {note} IS NOT NULL THEN (CASE {note} {words} ELSE {note} END) "
        f"WHEN p.{name} IS NOT NULL THEN NULL "
        f"WHEN p.unreported & {REASON_BITS[name]} <> 0 THEN %s {since}"
        f"WHEN p.analytics_error <> '' THEN %s ELSE %s END",
        [
            *[value for pair in NOTE_WORDS.items() for value in pair],
            NOT_REPORTED,
            *[value for p in retired for value in (p, retired_reason(p, name))],
            FETCH_FAILED,
            NOT_YET,
        ],
    )


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
        *["" if getattr(post, name) is None else getattr(post, name) for name in VIDEO_METRICS],
        *[reason(post, name) for name in VIDEO_METRICS],
        timezone.localtime(published).isoformat(timespec="seconds") if published else "",
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
