"""The read side: the filtered, sorted post history, shared by the page and the CSV export."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.access import visible_profiles
from dashboard.ayrshare.normalize import METRICS, PLATFORM_METRICS
from dashboard.models import PlatformPost

PAGE_SIZE = 50
# Counting every matching row of a large table costs a full scan; past this we say "1,000+".
COUNT_CAP = 1000
IMMEDIATE_TYPES = ("now", "immediate")
# Big blobs nobody reads in the table or the CSV.
HEAVY_FIELDS = ("raw", "analytics_raw")


def network_posts(membership, filters):
    """The member's network posts matching a valid PostFilters, in the page's order."""
    profiles = filters.cleaned_data.get("profiles")
    visible = visible_profiles(membership)
    if profiles:
        # The form already restricts ids to visible profiles; filtering twice costs nothing.
        visible = visible.filter(pk__in=[p.pk for p in profiles])
    posts = (
        PlatformPost.objects.filter(profile__in=visible)
        .defer(*HEAVY_FIELDS)
        .annotate(
            # Not-yet-published placeholders have no published_at; their scheduled time stands in.
            when=Coalesce("published_at", "post__schedule_date"),
            profile_title=F("profile__title"),
            ayrshare_id=F("post__ayrshare_id"),
        )
    )
    posts = posts.filter(_conditions(filters))
    return posts.order_by(*_ordering(filters.sort_order()))


def _conditions(filters):
    data = filters.cleaned_data
    q = Q()
    first, last = filters.period()
    if first:
        q &= Q(when__gte=_start_of(first))
    if last:
        q &= Q(when__lt=_start_of(last + datetime.timedelta(days=1)))
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


def _ordering(sort):
    field = sort.lstrip("-")
    column = F("when") if field == "published_at" else F(field)
    if sort.startswith("-"):
        # Missing numbers sort last either way: "not reported" is not the smallest value.
        return [column.desc(nulls_last=True), "-pk"]
    return [column.asc(nulls_last=True), "pk"]


@dataclass
class Page:
    rows: list
    number: int
    has_next: bool
    count: int  # capped at COUNT_CAP + 1
    capped: bool

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def previous_number(self):
        return self.number - 1

    @property
    def next_number(self):
        return self.number + 1

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

    def as_of(self):
        """(oldest, newest) last_updated among the rows shown, or None."""
        times = [row.last_updated for row in self.rows if row.last_updated]
        return (min(times), max(times)) if times else None


def paginate(posts, number):
    """One page of rows plus a count that never scans more than COUNT_CAP + 1 rows."""
    count = posts[: COUNT_CAP + 1].count()
    offset = (number - 1) * PAGE_SIZE
    rows = list(posts[offset : offset + PAGE_SIZE + 1])
    return Page(
        rows=rows[:PAGE_SIZE],
        number=number,
        has_next=len(rows) > PAGE_SIZE,
        count=count,
        capped=count > COUNT_CAP,
    )


# Why a metric is missing (or kept but no longer updated), in the words the UI and CSV use.
NOT_REPORTED = "not reported by this network"
NOT_YET = "not available yet"
FETCH_FAILED = "fetch failed"
STALE = "no longer provided by the network (stale)"
NOTE_WORDS = {"stale": STALE}


def metric_reason(post, name):
    """Why `name` is missing or stale on this post, or "" for a current, reported number."""
    note = (post.metric_notes or {}).get(name)
    if note:
        return NOTE_WORDS.get(note, note)
    if getattr(post, name) is not None:
        return ""
    if name not in PLATFORM_METRICS.get(post.platform, METRICS):
        return NOT_REPORTED
    if getattr(post, "analytics_error", ""):
        return FETCH_FAILED
    return NOT_YET


def count_per_profile(rows):
    """A subquery counting `rows` (filtered on profile=OuterRef("pk")) for each profile
    annotated; 0 where there are none. A join would multiply rows of different relations."""
    counted = rows.order_by().values("profile").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
