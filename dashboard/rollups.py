"""Daily rollups (DailyMetrics) of network-post metrics, kept exact by recomputing, not by deltas.

After every write the touched (profile, platform, local day) groups are recomputed from the raw
PlatformPost rows in one INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE statement (PostgreSQL
and SQLite alike), and groups left without posts are deleted. A recomputed group can never drift,
whatever happened before: that is what keeps "rollup totals = raw totals" true after every sync.
The day is the local date of published_at in the zone of the profile's workspace
(Workspace.time_zone), read under the profiles' lock; a zone change rebuilds the workspace's
rollups (dashboard/rezone.py), and pages read raw rows until Workspace.rollups_zone says the
rebuild is done (usable()). After a restore run `manage.py rebuild_rollups`.

The same write also recounts the profiles' ProfileTotals and notes the changed days of their
workspaces for workspace_rollups.py, whose tables the whole-workspace overview reads.
"""

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateField, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, NullIf, TruncDate, TruncMonth, TruncWeek
from django.utils import timezone

from accounts import zones
from accounts.models import Profile, Workspace
from dashboard.metrics import RATE_DENOMINATORS
from dashboard.models import (
    DailyMetrics,
    PlatformPost,
    ProfileTotals,
    RollupBacklog,
    WorkspaceDailyMetrics,
)

KPI_METRICS = ("impressions", "reach", "views", "engagements")
PLACEHOLDER_PREFIX = "ayrshare:"  # see upsert.placeholder_id: not a post on the network yet
# The columns a wider rollup (workspace_rollups.py) sums; oldest/newest_update are MIN/MAX.
SUMMED = (
    "posts",
    *(
        f"{prefix}{m}{suffix}"
        for m in KPI_METRICS
        for prefix, suffix in (("sum_", ""), ("", "_reported"))
    ),
    "rate_engagements",
    "rate_base",
)
_COLUMNS = ("profile_id", "platform", "day", *SUMMED, "oldest_update", "newest_update")


def rate_parts(prefix=""):
    """The engagement rate's two sums, by the one rule of metrics.engagement_rate: engagements,
    and each post's own denominator (the first positive of impressions, reach, views), over the
    posts that have both. For a single post their quotient is its engagement_rate."""
    names = [f"{prefix}{name}" for name in RATE_DENOMINATORS]
    base = Coalesce(*(NullIf(F(name), 0) for name in names))
    counted = Q(**{f"{prefix}engagements__isnull": False}) & reduce(
        or_, (Q(**{f"{name}__gt": 0}) for name in names)
    )
    return Sum(f"{prefix}engagements", filter=counted), Sum(base, filter=counted)


def zone(name=None):
    return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)


def local_day(when, in_zone):
    return when.astimezone(in_zone).date()


def day_start(day, in_zone):
    """The first instant of a local day in a zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), in_zone)


def groups_of(rows):
    """{(profile_id, platform, published_at)} of such rows, for recompute().

    Instants, not days yet: which day a post counts on depends on its workspace's zone, which
    recompute() reads only once it holds the profiles' lock (see rezone.py).
    """
    return {(p, platform, at) for p, platform, at in rows if at is not None}


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


def raw_rows(groups=None, in_zone=None):
    """Network posts of the given groups (all when None), as index-friendly published_at ranges
    of their days in `in_zone`."""
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
        condition |= Q(profile_id=profile_id, platform=platform) & published_on(wanted, in_zone)
    return rows.filter(condition)


def published_on(days, in_zone, column="published_at"):
    """Posts published on these local days of a zone, as index-friendly ranges of `column`."""
    condition = Q()
    for first, last in _runs(sorted(days)):
        condition |= Q(
            **{
                f"{column}__gte": day_start(first, in_zone),
                f"{column}__lt": day_start(last + datetime.timedelta(days=1), in_zone),
            }
        )
    return condition


def _runs(days):
    """Consecutive days merged into (first, last) runs: fewer OR terms for a long backfill."""
    runs = []
    for day in days:
        if runs and runs[-1][1] + datetime.timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return runs


def _aggregated(rows, in_zone):
    aggregates = {"posts": Count("pk")}
    for metric in KPI_METRICS:
        aggregates[f"sum_{metric}"] = Sum(metric)
        aggregates[f"{metric}_reported"] = Count("pk", filter=Q(**{f"{metric}__isnull": False}))
    aggregates["rate_engagements"], aggregates["rate_base"] = rate_parts()
    aggregates["oldest_update"] = Min("last_updated")
    aggregates["newest_update"] = Max("last_updated")
    return (
        rows.annotate(day=TruncDate("published_at", tzinfo=in_zone))
        .values("profile_id", "platform", "day")
        .annotate(**aggregates)
        .order_by()
    )


def upsert_sql(rows, in_zone):
    """INSERT … SELECT … ON CONFLICT DO UPDATE … RETURNING the groups written, and its params:
    the rows' groups by their days in `in_zone`."""
    select, params = _aggregated(rows, in_zone).query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(DailyMetrics._meta.db_table)
    # The SELECT names its columns after the fields; the table after their db_column.
    stored = [DailyMetrics._meta.get_field(c.removesuffix("_id")).column for c in _COLUMNS]
    columns = ", ".join(quote(c) for c in stored)
    selected = ", ".join(quote(c) for c in _COLUMNS)
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in stored[3:])
    # "WHERE true": SQLite needs it to tell the upsert's ON from a join's ON. Only quoted
    # names and Django's own compiled SELECT go into the text; values stay parameters.
    sql = (
        f"INSERT INTO {table} ({columns}) SELECT {selected} FROM ({select}) AS g WHERE true "  # noqa: S608
        f"ON CONFLICT ({quote('profile_id')}, {quote('day')}, {quote('platform')}) "
        f"DO UPDATE SET {updates} RETURNING {quote('profile_id')}, {quote('platform')}, "
        f"{quote('day')}"
    )
    return sql, params


def _as_date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def recompute(moments):
    """Recompute the groups of these (profile_id, platform, published_at) from the raw rows.

    Five statements: the profiles' lock, their workspaces' zones, the upsert, their post counts
    and the workspace backlog; plus one DELETE only when a group was left without posts.
    """
    moments = set(moments)
    if not moments:
        return
    # No savepoint: inside the sync's transaction it would cost two statements per batch.
    with transaction.atomic(savepoint=False):
        workspaces = lock_profiles({p for p, _, _ in moments})
        # Read after the lock, in a statement of its own (a fresh snapshot): a rebuild in a new
        # zone holds these locks until it commits, so once it is done every write is in its
        # zone, and a write in an older zone can only come before it, which it then overwrites.
        names = dict(
            Workspace.objects.filter(pk__in=set(workspaces.values())).values_list("pk", "time_zone")
        )
        by_zone = defaultdict(set)
        for p, platform, at in moments:
            in_zone = zone(names[workspaces[p]])
            by_zone[in_zone].add((p, platform, local_day(at, in_zone)))
        for in_zone, groups in by_zone.items():
            _recompute_groups(groups, in_zone)
        count_posts(list(workspaces))
        mark_backlog({(workspaces[p], day) for groups in by_zone.values() for p, _, day in groups})


def _recompute_groups(groups, in_zone):
    sql, params = upsert_sql(raw_rows(groups, in_zone), in_zone)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = {(p, platform, _as_date(day)) for p, platform, day in cursor.fetchall()}
    emptied = groups - written
    if emptied:
        condition = Q()
        for profile_id, platform, day in emptied:
            condition |= Q(profile_id=profile_id, platform=platform, day=day)
        DailyMetrics.objects.filter(condition).delete()


def lock_profiles(profile_ids):
    """{profile_id: workspace_id}, the profiles locked until the transaction ends.

    Two writers of one profile (a sync and a manual refresh) take turns here: each recomputes
    from rows that include what the other committed, so neither can undo the other's totals.
    NO KEY: the lock must not stop posts being inserted, whose foreign key shares the row.
    """
    rows = (
        Profile.objects.select_for_update(no_key=True)
        .filter(pk__in=profile_ids)
        .order_by("pk")
        .values_list("pk", "workspace_id")
    )
    return dict(rows)


def count_posts(profile_ids):
    """ProfileTotals of these profiles from their DailyMetrics, in one statement."""
    counts = (
        Profile.objects.filter(pk__in=profile_ids)
        .annotate(n=Coalesce(Sum("daily_metrics__posts"), 0))
        .values("pk", "n")
    )
    select, params = counts.query.sql_with_params()
    quote = connection.ops.quote_name
    # As in upsert_sql: quoted names and Django's compiled SELECT; values stay parameters.
    sql = (
        f"INSERT INTO {quote(ProfileTotals._meta.db_table)} (profile_id, posts) "  # noqa: S608
        f"SELECT * FROM ({select}) AS c WHERE true "
        "ON CONFLICT (profile_id) DO UPDATE SET posts = excluded.posts"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def mark_backlog(workspace_days):
    """Note (workspace_id, day) pairs for workspace_rollups.refresh().

    Plain INSERTs, one row per pair: an upsert of a shared (workspace, day) row would lock it
    until this transaction commits, and every sync unit of the workspace writing that day would
    queue behind it (at 4,000 profiles, most of the workers' connections waited there). A
    refresh sees only committed rows and reads DailyMetrics after them, so a write it did not
    see keeps its row for the next refresh.
    """
    now = timezone.now()
    RollupBacklog.objects.bulk_create(
        [RollupBacklog(workspace_id=w, day=d, marked_at=now) for w, d in workspace_days]
    )


def mark_profile(profile):
    """Note every day of a profile that joins or leaves its workspace's totals (archived,
    restored or about to be removed)."""
    days = DailyMetrics.objects.filter(profile=profile).values_list("day", flat=True).distinct()
    mark_backlog({(profile.workspace_id, day) for day in days})


def rebuild_daily():
    """Recompute every DailyMetrics group in settings.TIME_ZONE; returns the rows written.

    Only for migration 0003, which ran before workspaces had zones (and must not read the
    column): rezone.rebuild_workspace is the rebuild of today.
    """
    sql, params = upsert_sql(raw_rows(), zone())
    with transaction.atomic():
        DailyMetrics.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return len(cursor.fetchall())


# The read side: the overview's lifetime totals and charts.


@dataclass(frozen=True)
class Whole:
    """A view of a whole workspace (workspace_rollups.whole): its id, and the days noted in
    RollupBacklog by committed writes, which its rollups do not hold yet."""

    pk: int
    pending: tuple = ()

    def pending_in(self, first_day=None, last_day=None):
        return [
            day
            for day in self.pending
            if (first_day is None or day >= first_day) and (last_day is None or day <= last_day)
        ]


def period_rows(profiles, first_day, last_day, workspace=None):
    """The querysets a period's figures are summed from, each aggregated alike and the results
    put together by combined().

    `first_day`, `last_day`: None for no bound. The profiles' DailyMetrics or, for a whole
    workspace (a Whole), its own rollups, except on
    the days a refresh has yet to take in: those come from its active profiles' DailyMetrics. A
    write shows at once, and while thousands of profiles sync, which keeps a few days always
    waiting, the page still reads those days' rows, not the period's.
    """
    days = {}
    if first_day is not None:
        days["day__gte"] = first_day
    if last_day is not None:
        days["day__lte"] = last_day
    if workspace is None:
        return [DailyMetrics.objects.filter(profile__in=profiles, **days)]
    own = WorkspaceDailyMetrics.objects.filter(workspace_id=workspace.pk, **days)
    pending = workspace.pending_in(first_day, last_day)
    if not pending:
        return [own]
    return [own.exclude(day__in=pending), active_daily(workspace.pk).filter(day__in=pending)]


def active_daily(workspace_id):
    """DailyMetrics of the workspace's active (not archived) profiles: what its rollups sum."""
    return DailyMetrics.objects.filter(
        profile__workspace_id=workspace_id, profile__archived_at__isnull=True
    )


def pending_days(workspace_id):
    """The workspace's days in RollupBacklog (committed ones: what a refresh would take in)."""
    days = RollupBacklog.objects.filter(workspace_id=workspace_id).values_list("day", flat=True)
    return tuple(sorted(set(days)))


# Aggregates that combined() takes the earliest or latest of; it adds up all others.
EARLIEST = {"t_oldest", "first", "t_next_post_update"}
LATEST = {"t_newest"}


def combined(parts, keys=()):
    """One list of rows (dicts, sorted by `keys`) from the same aggregation over each of
    period_rows' querysets: rows with equal `keys` merged. A blank (None) takes the other."""
    merged = {}
    for rows in parts:
        for row in rows:
            key = tuple(row[name] for name in keys)
            into = merged.setdefault(key, dict(zip(keys, key, strict=True)))
            for name, value in row.items():
                if name not in keys:
                    into[name] = _combine(name, into.get(name), value)
    return [merged[key] for key in sorted(merged)]


def _combine(name, first, second):
    if first is None or second is None:
        return second if first is None else first
    if name in EARLIEST:
        return min(first, second)
    if name in LATEST:
        return max(first, second)
    return first + second


def usable():
    """May the current workspace's pages read its rollups? Only when they are built in the zone
    whose days the request counts (accounts/zones.py): not while a rebuild runs after a zone
    change, nor for a request in another zone. No query: the gate read the workspace."""
    return timezone.get_current_timezone_name() == zones.rollups_zone()


def totals(profiles, first_day, last_day, unsupported, extra=None, workspace=None, retired=None):
    """kpis.totals' figures from the rollups; `unsupported(metric)` and `retired(metric)` are Qs
    on platform (posts of networks that never report the metric, or stopped reporting it).

    `extra`: more aggregates to ask in the same statement.
    """
    aggregates = _total_aggregates(unsupported, extra, retired)
    parts = period_rows(profiles, first_day, last_day, workspace)
    (result,) = combined([[rows.aggregate(**aggregates)] for rows in parts])
    return _named(result)


def totals_by_platform(profiles, first_day, last_day, unsupported, workspace=None, retired=None):
    """totals() per network: {platform: figures}, for the networks with posts in the period."""
    aggregates = _total_aggregates(unsupported, None, retired)
    parts = [
        rows.values("platform").annotate(**aggregates).order_by()
        for rows in period_rows(profiles, first_day, last_day, workspace)
    ]
    return {row.pop("platform"): _named(row) for row in combined(parts, ("platform",))}


def _total_aggregates(unsupported, extra, retired):
    # Aliases differ from the column names: an alias equal to a field name would shadow it.
    aggregates = {
        "t_posts": Coalesce(Sum("posts"), 0),
        "t_oldest": Min("oldest_update"),
        "t_newest": Max("newest_update"),
        "t_rate_engagements": Sum("rate_engagements"),
        "t_rate_base": Sum("rate_base"),
    }
    for metric in KPI_METRICS:
        aggregates[f"t_sum_{metric}"] = Sum(f"sum_{metric}")
        aggregates[f"t_{metric}_reported"] = Coalesce(Sum(f"{metric}_reported"), 0)
        aggregates[f"t_{metric}_unsupported"] = Coalesce(
            Sum("posts", filter=unsupported(metric)), 0
        )
        if retired is not None and (stopped := retired(metric)) is not None:
            # Of those networks' posts, the ones without the number.
            aggregates[f"t_{metric}_retired"] = Coalesce(
                Sum("posts", filter=stopped) - Sum(f"{metric}_reported", filter=stopped), 0
            )
    aggregates.update({f"t_{key}": value for key, value in (extra or {}).items()})
    return aggregates


def _named(result):
    result = {key.removeprefix("t_"): value for key, value in result.items()}
    result["oldest_update"] = result.pop("oldest")
    result["newest_update"] = result.pop("newest")
    return result


def daily(profiles, first_day, last_day, *fields, by_platform=False, every="day", workspace=None):
    """[{"bucket", ("platform"), field: sum|None}] per day, week (its Monday) or month (its
    first day) that has posts (and network), in bucket order."""
    truncate = {"week": TruncWeek, "month": TruncMonth}.get(every)
    bucket = truncate("day", output_field=DateField()) if truncate else F("day")
    keys = ("bucket", "platform") if by_platform else ("bucket",)
    parts = [
        rows.annotate(bucket=bucket)
        .values(*keys)
        .annotate(**{f"total_{f}": Sum(f) for f in fields})
        .order_by()
        for rows in period_rows(profiles, first_day, last_day, workspace)
    ]
    return combined(parts, keys)
