"""Daily rollups (DailyMetrics) of network-post metrics, kept exact by recomputing, not by deltas.

After every write the touched (profile, platform, local day) groups are recomputed from the raw
PlatformPost rows in one INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE statement (PostgreSQL
and SQLite alike), and groups left without posts are deleted. A recomputed group can never drift,
whatever happened before: that is what keeps "rollup totals = raw totals" true after every sync.
The day is the local date of published_at in settings.TIME_ZONE; after changing TIME_ZONE (or a
restore) run `manage.py rebuild_rollups`.
"""

import datetime
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from dashboard.models import DailyMetrics, PlatformPost

KPI_METRICS = ("impressions", "reach", "views", "engagements")
PLACEHOLDER_PREFIX = "ayrshare:"  # see upsert.placeholder_id: not a post on the network yet
_COLUMNS = (
    "profile_id",
    "platform",
    "day",
    "posts",
    *(
        f"{prefix}{m}{suffix}"
        for m in KPI_METRICS
        for prefix, suffix in (("sum_", ""), ("", "_reported"))
    ),
    "rate_engagements",
    "rate_impressions",
    "oldest_update",
    "newest_update",
)


def zone():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local_day(when):
    return when.astimezone(zone()).date()


def day_start(day):
    """The first instant of a local day in settings.TIME_ZONE."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), zone())


def groups_of(rows):
    """{(profile_id, platform, day)} of (profile_id, platform, published_at) rows."""
    return {(p, platform, local_day(at)) for p, platform, at in rows if at is not None}


def stored_groups(pks):
    """The groups the given PlatformPosts are in right now (one query)."""
    return groups_of(
        PlatformPost.objects.filter(pk__in=pks).values_list(
            "profile_id", "platform", "published_at"
        )
    )


def recompute_posts(profile, keys):
    """Recompute the groups the profile's (platform, social_id) posts are in now (2 queries)."""
    keys = [(p, s) for p, s in keys if not s.startswith(PLACEHOLDER_PREFIX)]
    if not keys:
        return
    condition = Q()
    for platform in {p for p, _ in keys}:
        condition |= Q(platform=platform, social_id__in=[s for p, s in keys if p == platform])
    rows = PlatformPost.objects.filter(condition, profile=profile)
    recompute(groups_of(rows.values_list("profile_id", "platform", "published_at")))


def _raw_rows(groups=None):
    """Network posts of the given groups (all when None), as index-friendly published_at ranges."""
    rows = PlatformPost.objects.filter(published_at__isnull=False).exclude(
        social_id__startswith=PLACEHOLDER_PREFIX
    )
    if groups is None:
        return rows
    days = defaultdict(set)
    for profile_id, platform, day in groups:
        days[(profile_id, platform)].add(day)
    condition = Q()
    for (profile_id, platform), wanted in days.items():
        for first, last in _runs(sorted(wanted)):
            condition |= Q(
                profile_id=profile_id,
                platform=platform,
                published_at__gte=day_start(first),
                published_at__lt=day_start(last + datetime.timedelta(days=1)),
            )
    return rows.filter(condition)


def _runs(days):
    """Consecutive days merged into (first, last) runs: fewer OR terms for a long backfill."""
    runs = []
    for day in days:
        if runs and runs[-1][1] + datetime.timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return runs


def _aggregated(rows):
    aggregates = {"posts": Count("pk")}
    for metric in KPI_METRICS:
        aggregates[f"sum_{metric}"] = Sum(metric)
        aggregates[f"{metric}_reported"] = Count("pk", filter=Q(**{f"{metric}__isnull": False}))
    both = Q(engagements__isnull=False, impressions__isnull=False)
    aggregates["rate_engagements"] = Sum("engagements", filter=both)
    aggregates["rate_impressions"] = Sum("impressions", filter=both)
    aggregates["oldest_update"] = Min("last_updated")
    aggregates["newest_update"] = Max("last_updated")
    return (
        rows.annotate(day=TruncDate("published_at", tzinfo=zone()))
        .values("profile_id", "platform", "day")
        .annotate(**aggregates)
        .order_by()
    )


def _upsert_sql(rows):
    """INSERT … SELECT … ON CONFLICT DO UPDATE … RETURNING the groups written, and its params."""
    select, params = _aggregated(rows).query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(DailyMetrics._meta.db_table)
    columns = ", ".join(quote(c) for c in _COLUMNS)
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _COLUMNS[3:])
    # "WHERE true": SQLite needs it to tell the upsert's ON from a join's ON. Only quoted
    # names and Django's own compiled SELECT go into the text; values stay parameters.
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM ({select}) AS g WHERE true "  # noqa: S608
        f"ON CONFLICT ({quote('profile_id')}, {quote('day')}, {quote('platform')}) "
        f"DO UPDATE SET {updates} RETURNING {quote('profile_id')}, {quote('platform')}, "
        f"{quote('day')}"
    )
    return sql, params


def _as_date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def recompute(groups):
    """Recompute the given (profile_id, platform, day) groups from the raw rows.

    One statement, plus one DELETE only when a group was left without posts.
    """
    groups = set(groups)
    if not groups:
        return
    sql, params = _upsert_sql(_raw_rows(groups))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = {(p, platform, _as_date(day)) for p, platform, day in cursor.fetchall()}
    emptied = groups - written
    if emptied:
        condition = Q()
        for profile_id, platform, day in emptied:
            condition |= Q(profile_id=profile_id, platform=platform, day=day)
        DailyMetrics.objects.filter(condition).delete()


def rebuild():
    """Recompute every group (after a TIME_ZONE change or a restore); returns the rows written."""
    sql, params = _upsert_sql(_raw_rows())
    with transaction.atomic():
        DailyMetrics.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return len(cursor.fetchall())


# The read side: the overview's lifetime totals and charts.


def period_rows(profiles, first_day, last_day):
    return DailyMetrics.objects.filter(profile__in=profiles, day__gte=first_day, day__lte=last_day)


def usable():
    """Days are local to settings.TIME_ZONE: a request in another zone must read raw rows."""
    return timezone.get_current_timezone_name() == settings.TIME_ZONE


def totals(profiles, first_day, last_day, unsupported, extra=None):
    """kpis.totals' figures from the rollups; `unsupported(metric)` is a Q on platform.

    `extra`: more aggregates to ask in the same statement.
    """
    # Aliases differ from the column names: an alias equal to a field name would shadow it.
    aggregates = {
        "t_posts": Coalesce(Sum("posts"), 0),
        "t_oldest": Min("oldest_update"),
        "t_newest": Max("newest_update"),
        "t_rate_engagements": Sum("rate_engagements"),
        "t_rate_impressions": Sum("rate_impressions"),
    }
    for metric in KPI_METRICS:
        aggregates[f"t_sum_{metric}"] = Sum(f"sum_{metric}")
        aggregates[f"t_{metric}_reported"] = Coalesce(Sum(f"{metric}_reported"), 0)
        aggregates[f"t_{metric}_unsupported"] = Coalesce(
            Sum("posts", filter=unsupported(metric)), 0
        )
    aggregates.update({f"t_{key}": value for key, value in (extra or {}).items()})
    result = period_rows(profiles, first_day, last_day).aggregate(**aggregates)
    result = {key.removeprefix("t_"): value for key, value in result.items()}
    result["oldest_update"] = result.pop("oldest")
    result["newest_update"] = result.pop("newest")
    return result


def daily(profiles, first_day, last_day, *fields, by_platform=False):
    """[{"day", ("platform"), field: sum|None}] per day (and network) that has posts."""
    keys = ("day", "platform") if by_platform else ("day",)
    return (
        period_rows(profiles, first_day, last_day)
        .values(*keys)
        .annotate(**{f"total_{f}": Sum(f) for f in fields})
        .order_by(*keys)
    )
