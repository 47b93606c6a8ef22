"""Overview KPIs: totals of network posts published in a period, read from the cache only.

Totals are lifetime totals of the posts published in the period, or (activity_totals) what the
posts gained during the period according to their MetricSnapshots. A metric a post did not
report (None) is left out of the sum, and the coverage count says how many posts reported it.
"""

import datetime
import operator

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Profile
from dashboard import locales, rollups, workspace_rollups
from dashboard.metrics import PLATFORM_METRICS, RETIRED, retired_on
from dashboard.models import DailyMetrics, MetricSnapshot, PlatformPost, SyncState

KPI_METRICS = rollups.KPI_METRICS
# Below this a percentage change says more about noise than about performance.
MIN_BASELINE_VALUE = 10
MIN_BASELINE_POSTS = 3
# Up to this many days (every preset) a period is taken as chosen; see closed_period().
SHORT_PERIOD_DAYS = 92


def period_posts(profiles, first_day, last_day):
    """Network posts (placeholders excluded) published between two local dates, inclusive."""
    # A range on the column itself, not __date: the (profile, -published_at) index serves it.
    return PlatformPost.objects.filter(
        profile__in=profiles,
        published_at__gte=day_start(first_day),
        published_at__lt=day_start(last_day + datetime.timedelta(days=1)),
    ).exclude(social_id__startswith="ayrshare:")


def first_day(profiles, workspace=None):
    """The local day of the earliest network post of these profiles, or None.

    `workspace`: the profiles are the whole workspace (workspace_rollups.whole).
    """
    if workspace is not None:
        return workspace_rollups.first_day(workspace)
    if rollups.usable():
        return DailyMetrics.objects.filter(profile__in=profiles).aggregate(first=Min("day"))[
            "first"
        ]
    earliest = (
        PlatformPost.objects.filter(profile__in=profiles, published_at__isnull=False)
        .exclude(social_id__startswith="ayrshare:")
        .aggregate(first=Min("published_at"))["first"]
    )
    return timezone.localdate(earliest) if earliest else None


def closed_period(first, last, profiles, workspace=None):
    """(first, last) of a chosen period with its open ends closed, never first after last.

    The end is today (or a later start); the start is the profiles' first day with posts (or the
    end). A longer period's start moves up to that day too: a custom period from 2000 then costs
    what the data's own span costs, and the presets (at most 92 days) need no extra query.
    `workspace`: as in first_day().
    """
    if last is None:
        last = max(timezone.localdate(), first or datetime.date.min)
    if first is None or (last - first).days > SHORT_PERIOD_DAYS:
        earliest = first_day(profiles, workspace)
        if earliest is not None and earliest <= last:
            first = max(first or earliest, earliest)
    return first or last, last


def not_reported_by_network(metric):
    """Posts on networks that never report `metric`: they are not "not yet reported"."""
    return Q(platform__in=[p for p, names in PLATFORM_METRICS.items() if metric not in names])


def retired_by_network(metric):
    """Posts on networks that stopped reporting `metric` (metrics.RETIRED), or None when no
    network did. (An empty IN would make Django skip the whole aggregate.)"""
    platforms = [p for p, m in RETIRED if m == metric]
    return Q(platform__in=platforms) if platforms else None


def previous_period(first_day, last_day):
    """The period of equal length that ends the day before `first_day`."""
    length = (last_day - first_day).days + 1
    return first_day - datetime.timedelta(days=length), first_day - datetime.timedelta(days=1)


def totals(profiles, first_day, last_day, *, upcoming=True, workspace=None):
    """Post count, and per metric its sum and how many posts reported it, from the rollups.

    Also when the counted posts were last updated (oldest, newest) and, unless `upcoming` is
    False, the earliest upcoming per-post update. Equal to posts_totals() (the raw rows) by
    construction: see rollups.py. `workspace`: as in first_day().
    """
    if not rollups.usable():
        return posts_totals(profiles, first_day, last_day)
    extra = {}
    if upcoming:
        # "Upcoming" depends on the clock, so it cannot be rolled up: a MIN over the raw rows,
        # asked as a subquery of the same statement. It reads every post of the period, so a
        # caller that does not need it (or has next_sync()) should pass upcoming=False.
        extra["next_post_update"] = Min(Subquery(_upcoming(profiles, first_day, last_day)[:1]))
    result = rollups.totals(
        profiles, first_day, last_day, not_reported_by_network, extra, workspace, retired_by_network
    )
    result.setdefault("next_post_update", None)
    return _finish(result)


def _upcoming(profiles, first_day, last_day):
    return (
        period_posts(profiles, first_day, last_day)
        .filter(next_update__gte=timezone.now())
        .order_by("next_update")
        .values_list("next_update", flat=True)
    )


def next_post_update(profiles, first_day, last_day):
    """The earliest upcoming per-post update of the period's posts, or None (raw rows)."""
    return _upcoming(profiles, first_day, last_day).first()


def totals_by_network(profiles, first_day, last_day, workspace=None):
    """totals() per network, {platform: figures}: the overview's per-network table. The same
    sums as totals() grouped by network, so a network's row and the KPI cards agree."""
    rows = _network_rows(profiles, first_day, last_day, workspace)
    return {platform: _finish(row) for platform, row in rows.items()}


def period_figures(profiles, first_day, last_day, workspace=None):
    """(totals(upcoming=False), totals_by_network()) of a period from one grouped statement:
    the cards' figures are the networks' rows added up, so the cards and the table agree."""
    rows = _network_rows(profiles, first_day, last_day, workspace)
    total = _added_up(rows.values())
    return _finish(total), {platform: _finish(row) for platform, row in rows.items()}


def _network_rows(profiles, first_day, last_day, workspace):
    """{platform: unfinished figures} from the rollups, or the raw rows while they are unusable."""
    if not rollups.usable():
        rows = (
            period_posts(profiles, first_day, last_day)
            .values("platform")
            .annotate(**_post_aggregates())
            .order_by("platform")
        )
        return {row.pop("platform"): row for row in rows}
    return rollups.totals_by_platform(
        profiles, first_day, last_day, not_reported_by_network, workspace, retired_by_network
    )


# Of the figures, the update times take an extreme; all others add up.
EXTREMES = {"oldest_update": min, "newest_update": max, "next_post_update": min}


def _added_up(rows):
    """Rows of figures as one, as a single aggregate over all their posts would give them: what
    no post reports stays None, counts start at 0."""
    total = {"posts": 0, "next_post_update": None, "rate_engagements": None, "rate_base": None}
    total.update(oldest_update=None, newest_update=None)
    for metric in KPI_METRICS:
        total.update({f"sum_{metric}": None, f"{metric}_reported": 0, f"{metric}_unsupported": 0})
    for row in rows:
        for key, value in row.items():
            have = total.get(key)
            if value is None or have is None:
                total[key] = have if value is None else value
            else:
                total[key] = EXTREMES.get(key, operator.add)(have, value)
    return total


def posts_totals(profiles, first_day, last_day):
    """totals() computed from the raw rows: the rollups' reference and the benchmark baseline."""
    return _finish(period_posts(profiles, first_day, last_day).aggregate(**_post_aggregates()))


def _post_aggregates():
    aggregates = {
        "posts": Count("pk"),
        "oldest_update": Min("last_updated"),
        "newest_update": Max("last_updated"),
        "next_post_update": Min("next_update", filter=Q(next_update__gte=timezone.now())),
    }
    for metric in KPI_METRICS:
        # Aliased: an alias equal to a field name would shadow the field in the filters below.
        aggregates[f"sum_{metric}"] = Sum(metric)
        aggregates[f"{metric}_reported"] = Count("pk", filter=Q(**{f"{metric}__isnull": False}))
        aggregates[f"{metric}_unsupported"] = Count("pk", filter=not_reported_by_network(metric))
        if stopped := retired_by_network(metric):
            missing = Q(**{f"{metric}__isnull": True})
            aggregates[f"{metric}_retired"] = Count("pk", filter=stopped & missing)
    aggregates["rate_engagements"], aggregates["rate_base"] = rollups.rate_parts()
    return aggregates


def _finish(result):
    for metric in KPI_METRICS:
        result[metric] = result.pop(f"sum_{metric}")
        result.setdefault(f"{metric}_retired", 0)
    rate_base = result.pop("rate_base")
    rate_top = result.pop("rate_engagements")
    # metrics.RATE_RULE over the posts that report both; None when nothing to divide.
    result["engagement_rate"] = rate_top / rate_base if rate_base else None
    return result


def change_percent(current, previous, previous_posts):
    """Change in % against the previous period, or None when the baseline is too small."""
    if current is None or previous is None:
        return None
    if previous < MIN_BASELINE_VALUE or previous_posts < MIN_BASELINE_POSTS:
        return None
    return (current - previous) / previous * 100


def day_start(day):
    """The first instant of a local day (the current, workspace's zone), as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def snapshots_cover(profiles, first_day):
    """(covered, earliest): do the profiles' snapshots reach back to the start of the period?"""
    # Each profile's first snapshot from the (profile, captured_at) index, then the earliest:
    # a MIN over "profile IN (…)" would read every snapshot of every profile.
    first = MetricSnapshot.objects.filter(profile=OuterRef("pk")).order_by("captured_at")
    earliest = Profile.objects.filter(pk__in=profiles).aggregate(
        first=Min(Subquery(first.values("captured_at")[:1]))
    )["first"]
    return earliest is not None and earliest <= day_start(first_day), earliest


def activity_totals(profiles, first_day, last_day):
    """What posts gained during the period, from snapshots, in the same shape as totals().

    Per post and metric: the last reported value captured before the period ends minus the last
    one captured before it starts (0 for a post published in the period). A post without a
    baseline is left out of that metric. "posts" counts posts with a snapshot by the period end.
    """
    start, end = day_start(first_day), day_start(last_day + datetime.timedelta(days=1))
    snaps = MetricSnapshot.objects.filter(platform_post=OuterRef("pk"))
    posts = (
        PlatformPost.objects.filter(profile__in=profiles, published_at__lt=end)
        .exclude(social_id__startswith="ayrshare:")
        .annotate(tracked=Exists(snaps.filter(captured_at__lt=end)))
    )
    for metric in KPI_METRICS:
        reported = snaps.filter(**{f"{metric}__isnull": False}).order_by("-captured_at")
        at_end = Subquery(reported.filter(captured_at__lt=end).values(metric)[:1])
        at_start = Subquery(reported.filter(captured_at__lt=start).values(metric)[:1])
        base = Case(
            When(published_at__gte=start, then=Value(0)),
            default=at_start,
            output_field=BigIntegerField(),
        )
        gain = ExpressionWrapper(at_end - base, output_field=BigIntegerField())
        posts = posts.annotate(**{f"gain_{metric}": gain})
    tracked = Q(tracked=True)
    aggregates = {
        "posts": Count("pk", filter=tracked),
        "oldest_update": Min("last_updated", filter=tracked),
        "newest_update": Max("last_updated", filter=tracked),
        "next_post_update": Min("next_update", filter=tracked & Q(next_update__gte=timezone.now())),
    }
    for metric in KPI_METRICS:
        aggregates[f"sum_{metric}"] = Sum(f"gain_{metric}")
        aggregates[f"{metric}_reported"] = Count(
            "pk", filter=Q(**{f"gain_{metric}__isnull": False})
        )
        aggregates[f"{metric}_unsupported"] = Count(
            "pk", filter=tracked & not_reported_by_network(metric)
        )
        if stopped := retired_by_network(metric):
            missing = Q(**{f"gain_{metric}__isnull": True})
            aggregates[f"{metric}_retired"] = Count("pk", filter=tracked & stopped & missing)
    aggregates["rate_engagements"], aggregates["rate_base"] = rollups.rate_parts("gain_")
    result = posts.aggregate(**aggregates)
    for metric in KPI_METRICS:
        result[metric] = result.pop(f"sum_{metric}")
        result.setdefault(f"{metric}_retired", 0)
    rate_base = result.pop("rate_base")
    rate_top = result.pop("rate_engagements")
    result["engagement_rate"] = rate_top / rate_base if rate_base else None
    return result


def next_sync(profiles):
    """The earliest upcoming scheduled refresh of any unit of these profiles, or None."""
    return SyncState.objects.filter(
        profile__in=profiles, next_update__gte=timezone.now()
    ).aggregate(first=Min("next_update"))["first"]


def signed_percent(change):
    """ "+12.5%", "-3.0%", "0.0%": an explicit sign, so a rise is never read as a level."""
    if change is None:
        return None
    rounded = round(change, 1)
    text = f"{locales.number(rounded, 1, grouping=False)}%"
    return f"+{text}" if rounded > 0 else text


def coverage_text(reported, posts, unsupported=0, retired=0, metric=""):
    """ "47 of 52 posts; 3 on networks that do not report it; 1 on networks that stopped
    reporting it (Facebook since Nov 2025); 1 not yet reported" (each tail only when not zero)."""
    n = locales.number
    parts = [
        ngettext("%(reported)s of %(posts)s post", "%(reported)s of %(posts)s posts", posts)
        % {"reported": n(reported), "posts": n(posts)}
    ]
    if unsupported:
        parts.append(_("%(count)s on networks that do not report it") % {"count": n(unsupported)})
    if retired:
        parts.append(
            _("%(count)s on networks that stopped reporting it (%(since)s)")
            % {"count": n(retired), "since": retired_on(metric)}
        )
    missing = posts - reported - unsupported - retired
    if missing > 0:
        parts.append(_("%(count)s not yet reported") % {"count": n(missing)})
    return "; ".join(parts)
