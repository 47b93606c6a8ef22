"""The read side: the filtered, sorted post history, shared by the page and the CSV export."""

import base64
import binascii
import datetime
import json
import math
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BooleanField, Count, F, Func, IntegerField, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.access import visible_profiles
from dashboard.metrics import missing_reason
from dashboard.models import PlatformPost

PAGE_SIZE = 50
# Up to this many profiles the pages filter posts by a list of their ids, which PostgreSQL
# plans from each id's statistics. Beyond it, building and sending the list costs more than any
# plan saves: 10,000 ids took 90 ms a query of top posts, a subquery of the same profiles 2 ms.
LISTED_PROFILES = 1000
# Counting every matching row of a large table costs a full scan; past this we say "1,000+".
COUNT_CAP = 1000
IMMEDIATE_TYPES = ("now", "immediate")
# Big blobs nobody reads in the table or the CSV.
HEAVY_FIELDS = ("raw", "analytics_raw")
# The years a page token's date may name (see decode_cursor).
CURSOR_YEARS = (1900, 9000)


def network_posts(membership, filters):
    """The member's network posts matching a valid PostFilters, in the page's order.

    With the profile ids written out, as for an export: from ANY(ARRAY(…)) PostgreSQL guessed
    1,668 rows of 300 profiles' 100,000, read all 91,648 by the profile index and sorted them
    (95 ms); with the ids it walks the sort's index for the page's 51 rows (3 ms).
    """
    column, descending = sort_column(filters.sort_order())
    return _ordered(_filtered(membership, filters, _listed), column, descending)


def counted_posts(membership, filters):
    """network_posts' rows for the capped count: `IN (SELECT ...)` lets PostgreSQL read them
    by the profile index (the ANY form of the page would scan until COUNT_CAP + 1 match)."""
    return _filtered(membership, filters, lambda visible: Q(profile__in=visible)).order_by()


def exported_posts(membership, filters):
    """network_posts for a whole export, with the profile ids written out.

    A whole export is planned on how many rows it will read (sort them all, or walk an index
    for its first rows: see export_runs); the ids let PostgreSQL count a profile's rows from
    its statistics, where the page's ANY(ARRAY(…)) leaves it guessing.
    """
    column, descending = sort_column(filters.sort_order())
    return _ordered(_filtered(membership, filters, _listed), column, descending)


def _listed(visible):
    ids = list(visible.values_list("pk", flat=True))
    # No ids would make `IN ()`, which Django turns into no SQL at all; COPY needs a statement.
    return (
        Q(profile_id__in=ids_or_subquery(ids, visible.values("pk")))
        if ids
        else _in_profiles(visible)
    )


def tab_counts(membership, filters, shown_count):
    """{tab: capped count} of the rows each posts tab lists under the other filters.

    `shown_count`: the current tab's count, already made for its page.
    """
    rows = _filtered(membership, filters, lambda visible: Q(profile__in=visible), show=None)
    counts = {}
    for tab, condition in SHOW_CONDITIONS.items():
        if tab == filters.shown():
            counts[tab] = shown_count
        else:
            counts[tab] = rows.filter(condition).order_by()[: COUNT_CAP + 1].count()
    return counts


# What each tab of the posts page lists (filters.SHOW). A post not on the network yet has a
# placeholder row (upsert.placeholder_id), dated by its schedule; one that failed says "error".
NOT_OUT_YET = Q(social_id__startswith="ayrshare:")
SHOW_CONDITIONS = {
    # As the overview's "Posts published" counts them (kpis.period_posts).
    "published": ~NOT_OUT_YET & Q(published_at__isnull=False),
    "upcoming": NOT_OUT_YET & ~Q(status="error"),
    "failed": Q(status="error"),
    "all": Q(),
}


def _filtered(membership, filters, in_profiles=None, show=True):
    """`show`: False-y to leave out the tab's condition (tab_counts adds each in turn)."""
    profiles = filters.cleaned_data.get("profiles")
    visible = visible_profiles(membership)
    if profiles:
        # The form already restricts ids to visible profiles; filtering twice costs nothing.
        visible = visible.filter(pk__in=[p.pk for p in profiles])
    posts = (
        PlatformPost.objects.filter((in_profiles or _in_profiles)(visible))
        .defer(*HEAVY_FIELDS)
        .annotate(
            # Stored Coalesce(published_at, post.schedule_date): see PlatformPost.sort_time.
            when=F("sort_time"),
            profile_title=F("profile__title"),
            ayrshare_id=F("post__ayrshare_id"),
        )
    )
    posts = posts.filter(_conditions(filters))
    return posts.filter(SHOW_CONDITIONS[filters.shown()]) if show else posts


class _AnyOf(Func):
    """`column = ANY(ARRAY(subquery))` (PostgreSQL)."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def _in_profiles(visible):
    """Rows of the `visible` profiles.

    On PostgreSQL as `profile_id = ANY(ARRAY(SELECT ...))`: the ids are read once and the
    history's (sort column, id) index is walked in page order, filtering by profile. A plain
    `IN (SELECT ...)` becomes a join that reads every row of every profile and then sorts them,
    which makes a deep page cost O(rows).
    """
    if connection.vendor != "postgresql":
        return Q(profile__in=visible)
    return _AnyOf(F("profile_id"), ArraySubquery(visible.values("pk")))


def _conditions(filters):
    data = filters.cleaned_data
    q = Q()
    first, last = filters.listed_period()
    if first:
        q &= Q(sort_time__gte=_start_of(first))
    if last:
        q &= Q(sort_time__lt=_start_of(last + datetime.timedelta(days=1)))
    if data.get("platforms"):
        q &= Q(platform__in=data["platforms"])
    if data.get("status"):
        q &= Q(status__in=data["status"])
    if data.get("type") == "immediate":
        q &= Q(post__post_type__in=IMMEDIATE_TYPES)
    elif data.get("type") == "scheduled":
        q &= Q(post__post_type="scheduled")
    if data.get("origin") == "ayrshare":
        q &= Q(post__isnull=False)
    elif data.get("origin") == "network":
        q &= Q(post__isnull=True)
    if data.get("media"):
        q &= Q(media_type=data["media"])
    if data.get("q"):
        q &= Q(text__icontains=data["q"])
    return q


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def sort_column(sort):
    """(model column, descending?) for a PostFilters sort value."""
    field = sort.lstrip("-")
    return ("sort_time" if field == "published_at" else field), sort.startswith("-")


def _ordered(posts, column, descending):
    # Missing numbers sort last either way: "not reported" is not the smallest value.
    if descending:
        return posts.order_by(F(column).desc(nulls_last=True), "-pk")
    return posts.order_by(F(column).asc(nulls_last=True), "pk")


# Keyset pagination. The page order is: rows with a value, by (value, pk), then rows without
# one, by pk, both in the sort's direction. Each run is read as its own query so that the
# (column, id) index serves it with an index condition (no "NULLS LAST" index needed, and the
# backward scan serves descending): a deep page costs what page 1 costs.


def _valued(posts, column, down, after=None):
    """Rows with a value, in direction `down`, strictly past the (value, pk) `after`."""
    rows = posts.filter(**{f"{column}__isnull": False})
    if after is not None:
        value, pk = after
        if down:
            # `column <= value` positions the index scan; the OR only sorts out ties.
            rows = rows.filter(
                Q(**{f"{column}__lt": value}) | Q(pk__lt=pk), **{f"{column}__lte": value}
            )
        else:
            rows = rows.filter(
                Q(**{f"{column}__gt": value}) | Q(pk__gt=pk), **{f"{column}__gte": value}
            )
    if down:
        return rows.order_by(F(column).desc(), "-pk")
    return rows.order_by(F(column).asc(), "pk")


def _missing(posts, column, down, after_pk=None):
    """Rows without a value, by pk in direction `down`, past `after_pk`."""
    rows = posts.filter(**{f"{column}__isnull": True})
    if after_pk is not None:
        rows = rows.filter(pk__lt=after_pk) if down else rows.filter(pk__gt=after_pk)
    # Ordering by the (all NULL) column first lets the (column, id) index serve it.
    if down:
        return rows.order_by(F(column).desc(), "-pk")
    return rows.order_by(F(column).asc(), "pk")


def export_runs(posts, sort, head):
    """`posts` in page order as querysets to read one after the other: the first `head` rows
    with a value, the rest of them, then the rows without one (or, for fewer than `head` rows
    with a value, just the two runs).

    A whole export is planned for its total cost, which means sorting every row before the
    first goes out. Split off, the first rows are a bounded stretch of the (column, id) index,
    at once; finding where that stretch ends is a LIMIT query, which PostgreSQL plans for the
    rows it keeps, from the index or from a small sort, whichever this export's size favours.
    """
    column, down = sort_column(sort)
    valued = _valued(posts, column, down)
    missing = _missing(posts, column, down)
    last = next(iter(valued.values_list(column, "pk")[head - 1 : head]), None)
    if last is None:
        return [valued, missing]
    return [_valued_through(posts, column, down, last), _valued(posts, column, down, last), missing]


def _valued_through(posts, column, down, last):
    """Rows with a value up to and including the (value, pk) `last`: what _valued(after=last)
    leaves out, with `column` bounded so that the index serves it."""
    value, pk = last
    rows = posts.filter(**{f"{column}__isnull": False})
    if down:
        rows = rows.filter(
            Q(**{f"{column}__gt": value}) | Q(pk__gte=pk), **{f"{column}__gte": value}
        )
        return rows.order_by(F(column).desc(), "-pk")
    rows = rows.filter(Q(**{f"{column}__lt": value}) | Q(pk__lte=pk), **{f"{column}__lte": value})
    return rows.order_by(F(column).asc(), "pk")


def _seek(posts, column, down, cursor, limit, valued_first):
    """Up to `limit` rows past `cursor` ((value, pk) or None = from the start) in one direction.

    `valued_first` is True walking the page order, False walking it backwards (then the rows
    without a value come first).
    """
    runs = []
    if cursor is None:
        runs = ["valued", "missing"] if valued_first else ["missing", "valued"]
    elif cursor[0] is None:
        runs = ["missing_after"] + ([] if valued_first else ["valued"])
    else:
        runs = ["valued_after"] + (["missing"] if valued_first else [])
    rows = []
    for run in runs:
        if run == "valued":
            query = _valued(posts, column, down)
        elif run == "valued_after":
            query = _valued(posts, column, down, after=cursor)
        elif run == "missing":
            query = _missing(posts, column, down)
        else:
            query = _missing(posts, column, down, after_pk=cursor[1])
        rows += list(query[: limit - len(rows)])
        if len(rows) >= limit:
            break
    return rows


@dataclass
class Page:
    rows: list
    number: int  # from the cursor, so approximate if rows came or went meanwhile
    has_previous: bool
    has_next: bool
    count: int  # capped at COUNT_CAP + 1
    capped: bool
    column: str = "sort_time"

    @property
    def pages(self):
        """The number of pages, or None when the count is capped."""
        return None if self.capped else max(1, -(-self.count // PAGE_SIZE))

    @property
    def first_row(self):
        return (self.number - 1) * PAGE_SIZE + 1

    @property
    def last_row(self):
        return self.first_row + len(self.rows) - 1

    @property
    def next_cursor(self):
        """?after= for the next page: the last row's (value, pk) and that page's number."""
        last = self.rows[-1]
        return encode_cursor(getattr(last, self.column), last.pk, self.number + 1)

    @property
    def previous_cursor(self):
        """?before= for the previous page, or None when it is the first page (a plain link)."""
        if self.number <= 2:
            return None
        first = self.rows[0]
        return encode_cursor(getattr(first, self.column), first.pk, self.number - 1)

    def as_of(self):
        """(oldest, newest) last_updated among the rows shown, or None."""
        times = [row.last_updated for row in self.rows if row.last_updated]
        return (min(times), max(times)) if times else None


def paginate(posts, sort, *, after=None, before=None, number=1, counted=None):
    """One page of `posts` (network_posts' queryset, unordered here) by keyset.

    `after`/`before` are decoded cursors (value, pk, page number); without either, `number`
    pages by OFFSET (old ?page= links, capped in PostFilters so it stays cheap). The count
    (of `counted`, default `posts`) never scans more than COUNT_CAP + 1 rows.
    """
    column, descending = sort_column(sort)
    count = (posts if counted is None else counted).order_by()[: COUNT_CAP + 1].count()
    if counted is not None and count <= COUNT_CAP:
        # A few matching rows (a small workspace, narrow filters): reading them all by the
        # profile index and sorting beats walking a sort index past other workspaces' rows.
        posts = counted
    limit = PAGE_SIZE + 1
    if before is not None:
        rows = _seek(posts, column, not descending, before[:2], limit, valued_first=False)
        has_previous = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        number = max(before[2], 2) if has_previous else 1
        has_next = True
    elif after is not None:
        rows = _seek(posts, column, descending, after[:2], limit, valued_first=True)
        number, has_previous, has_next = max(after[2], 2), True, len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    else:
        start = (number - 1) * PAGE_SIZE
        if number == 1:
            rows = _seek(posts, column, descending, None, limit, valued_first=True)
        else:
            rows = list(_ordered(posts, column, descending)[start : start + limit])
        has_previous, has_next = number > 1, len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    return Page(
        rows=rows,
        number=number,
        has_previous=has_previous,
        has_next=has_next,
        count=count,
        capped=count > COUNT_CAP,
        column=column,
    )


def encode_cursor(value, pk, number):
    """An opaque page token: base64url of JSON [value, pk, page number]."""
    if isinstance(value, datetime.datetime):
        value = value.isoformat()
    raw = json.dumps([value, pk, number], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token, column):
    """(value, pk, page number) from encode_cursor's token; ValueError if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, pk, number = json.loads(raw)
    except (ValueError, TypeError, binascii.Error) as error:
        raise ValueError("not a page token") from error
    if type(pk) is not int or type(number) is not int or not 1 <= pk < 2**63:
        raise ValueError("bad row or page number")
    if not 1 <= number <= 10**9:
        raise ValueError("bad page number")
    if value is None:
        return None, pk, number
    if column == "sort_time":
        if not isinstance(value, str):
            raise ValueError("bad date")
        value = datetime.datetime.fromisoformat(value)
        if timezone.is_naive(value):
            raise ValueError("date without a time zone")
        # Year 1 or 9999 overflows on the way to UTC; no row of ours is dated near either.
        if not CURSOR_YEARS[0] <= value.year <= CURSOR_YEARS[1]:
            raise ValueError("date out of range")
    elif column == "engagement_rate":
        if type(value) not in (int, float) or not math.isfinite(value):
            raise ValueError("bad number")
        value = float(value)
    elif type(value) is not int or abs(value) > 2**62:
        raise ValueError("bad count")
    return value, pk, number


def metric_reason(post, name):
    """Why `name` is missing or frozen on this post, or "" for a current, reported number."""
    return missing_reason(
        post.platform,
        name,
        note=(post.metric_notes or {}).get(name, ""),
        failed=bool(getattr(post, "analytics_error", "")),
        value=getattr(post, name),
    )


def ids_or_subquery(ids, same_profiles):
    """What to filter rows by profile with: the `ids`, or `same_profiles` (a subquery of the
    very same profiles) when there are more than LISTED_PROFILES of them."""
    return ids if len(ids) <= LISTED_PROFILES else same_profiles


def count_per_profile(rows):
    """A subquery counting `rows` (filtered on profile=OuterRef("pk")) for each profile
    annotated; 0 where there are none. A join would multiply rows of different relations."""
    counted = rows.order_by().values("profile").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
