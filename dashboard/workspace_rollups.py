"""Workspace rollups: the whole workspace's overview reads a few thousand rows, not a million.

DailyMetrics (rollups.py) has a row per profile, network and day: at agency density, 300 profiles
over a year, some 650,000 rows to sum for every view of the whole workspace. Here the same
numbers are kept per workspace, network and day (WorkspaceDailyMetrics, some 2,200 rows a year),
and the heatmap's per local day and hour (WorkspaceHourlyPosts), over the workspace's active
(not archived) profiles.

They are kept exact like a cache, not by deltas. Every write that recomputes DailyMetrics notes
its workspace's days in RollupBacklog, in the same transaction (rollups.mark_backlog); refresh()
recomputes the noted days and clears them, in one transaction, after every sync unit (and
every fifth beat, tasks.sweep_rollups, for days a killed worker left behind). A reader takes
the noted days from DailyMetrics and the raw posts instead (rollups.period_rows, heat()), so a
page never shows a total that misses a committed write, and reads only those days the slow way.
Days and hours are the workspace's zone's (Workspace.time_zone; see rezone.py for a change).
"""

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from accounts.models import Profile, Workspace
from dashboard import rollups
from dashboard.models import (
    PlatformPost,
    RollupBacklog,
    WorkspaceDailyMetrics,
    WorkspaceHourlyPosts,
)


def whole(workspace_id, profile_ids):
    """A rollups.Whole when a view of these profiles may read the workspace rollups, else None.

    Only when they are exactly the workspace's active profiles and the request's time zone is
    the one days are counted in. The ids are compared here, not in an `IN (…)` of every chosen
    id: at 10,000 profiles that count took PostgreSQL 114 ms, reading the active ids 9 ms.
    """
    if not rollups.usable():
        return None
    active = active_profiles(workspace_id).values_list("pk", flat=True)
    if set(active) != set(profile_ids):
        return None
    return rollups.Whole(workspace_id, rollups.pending_days(workspace_id))


def active_profiles(workspace_id):
    """The ids of the profiles these rollups sum, as a subquery."""
    return Profile.objects.filter(workspace_id=workspace_id, archived_at__isnull=True).values("pk")


def refresh(workspace_id):
    """Recompute the workspace's days in the backlog and clear them; returns how many days.

    A refresh already running for the workspace is left to it, and days whose writer has not
    committed yet are left for the next refresh: nothing here waits for a lock.
    """
    # After most units nothing is noted (the sync writes only what changed): one read of the
    # backlog's unique index answers them, with no transaction and no lock. A day noted after
    # this read is its writer's to refresh, or the sweep's, like a day skipped below.
    if not RollupBacklog.objects.filter(workspace_id=workspace_id).exists():
        return 0
    with transaction.atomic():
        mine = Workspace.objects.select_for_update(no_key=True, skip_locked=True).filter(
            pk=workspace_id
        )
        names = list(mine.values_list("time_zone", flat=True))
        if not names:
            return 0
        backlog = list(
            RollupBacklog.objects.select_for_update(skip_locked=True)
            .filter(workspace_id=workspace_id)
            .order_by("day")
            .values_list("pk", "day")
        )
        if not backlog:
            return 0
        days = sorted({day for _, day in backlog})
        rebuild_days(workspace_id, days, rollups.zone(names[0]))
        RollupBacklog.objects.filter(pk__in=[pk for pk, _ in backlog]).delete()
    return len(days)


def rebuild_days(workspace_id, days, in_zone):
    """Recompute the workspace's rows of these days (every day when None) from DailyMetrics
    and, for the hours, the raw rows, in `in_zone`. The caller holds the workspace's lock."""
    daily = WorkspaceDailyMetrics.objects.filter(workspace_id=workspace_id)
    hourly = WorkspaceHourlyPosts.objects.filter(workspace_id=workspace_id)
    if days is not None:
        daily, hourly = daily.filter(day__in=days), hourly.filter(day__in=days)
    daily.delete()
    hourly.delete()
    _insert(WorkspaceDailyMetrics, workspace_id, *_daily(workspace_id, days))
    _insert(WorkspaceHourlyPosts, workspace_id, *_hourly(workspace_id, days, in_zone))


def _insert(model, workspace_id, rows, fields):
    """INSERT INTO the model's table … SELECT `rows` (a values() query whose column aliases
    `fields` maps to the model's fields), for the workspace. The sums go straight from the
    SELECT into the table: a refresh of many days at thousands of profiles built a row object
    for each of them in the worker's Python (py-spy: some 10 % of a worker's CPU at 6,000)."""
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(model._meta.get_field(f).column) for f in ["workspace", *fields.values()]
    )
    selected = ", ".join(f"g.{quote(alias)}" for alias in fields)
    table = quote(model._meta.db_table)
    # Only quoted names and Django's own compiled SELECT go into the text; values are params.
    sql = f"INSERT INTO {table} ({columns}) SELECT %s, {selected} FROM ({select}) AS g"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace_id, *params])


def refresh_all():
    """refresh() every workspace with a backlog (after rollups.rebuild, or a missed refresh)."""
    workspaces = RollupBacklog.objects.values_list("workspace_id", flat=True).distinct()
    return sum(refresh(w) for w in list(workspaces))


def _daily(workspace_id, days):
    aggregates = {f"t_{column}": Sum(column) for column in rollups.SUMMED}
    aggregates["t_oldest_update"] = Min("oldest_update")
    aggregates["t_newest_update"] = Max("newest_update")
    rows = rollups.active_daily(workspace_id)
    if days is not None:
        rows = rows.filter(day__in=days)
    # Aliases differ from the field names: an alias equal to a field name would shadow it.
    rows = rows.values("platform", "day").annotate(**aggregates).order_by()
    fields = {"platform": "platform", "day": "day"}
    return rows, fields | {alias: alias.removeprefix("t_") for alias in aggregates}


def _hourly(workspace_id, days, in_zone):
    rows = (
        _published(workspace_id, days, in_zone)
        .annotate(
            local_day=TruncDate("published_at", tzinfo=in_zone),
            local_hour=ExtractHour("published_at", tzinfo=in_zone),
        )
        .values("local_day", "local_hour")
        .annotate(n=Count("pk"), engagements_sum=Sum("engagements"))
        .order_by()
    )
    fields = {"local_day": "day", "local_hour": "hour", "n": "posts"}
    return rows, fields | {"engagements_sum": "sum_engagements"}


def _published(workspace_id, days, in_zone):
    """The network posts of the workspace's active profiles published on these local days
    (every day when None)."""
    rows = PlatformPost.objects.filter(
        profile__workspace_id=workspace_id,
        profile__archived_at__isnull=True,
        published_at__isnull=False,
    )
    if days is not None:
        # sort_time is published_at on a published post, and its own index, not led by the
        # profile, reads just these days' posts. By published_at, PostgreSQL read every post
        # of the table (an index led by the profile, or a sequential scan): at 10,000 profiles
        # a refresh of three days took 72 ms of a 200,000-post table, 0.3-0.6 s of a bigger one.
        rows = rows.filter(rollups.published_on(days, in_zone, column="sort_time"))
    return rows.exclude(social_id__startswith=rollups.PLACEHOLDER_PREFIX)


def first_day(whole):
    """The first day with posts of a Whole (see whole())."""
    parts = rollups.period_rows(None, None, None, whole)
    return rollups.combined([[rows.aggregate(first=Min("day"))] for rows in parts])[0]["first"]


def heat(whole, first_day, last_day):
    """[{"weekday", "hour", "posts", "sum_engagements"}] of a Whole, like trends.heatmap's raw
    query; the days a refresh has yet to take in from their posts (see rollups.period_rows)."""
    pending = whole.pending_in(first_day, last_day)
    rows = WorkspaceHourlyPosts.objects.filter(
        workspace_id=whole.pk, day__gte=first_day, day__lte=last_day
    )
    if pending:
        rows = rows.exclude(day__in=pending)
    parts = [
        rows.annotate(weekday=ExtractIsoWeekDay("day"))
        .values("weekday", "hour")
        .annotate(n=Sum("posts"), engagements_sum=Sum("sum_engagements"))
        .order_by()
    ]
    if pending:
        # The request's zone is the rollups' (whole() checks it).
        posts = _published(whole.pk, pending, timezone.get_current_timezone())
        parts.append(
            posts.annotate(
                weekday=ExtractIsoWeekDay("published_at"), hour=ExtractHour("published_at")
            )
            .values("weekday", "hour")
            .annotate(n=Count("pk"), engagements_sum=Sum("engagements"))
            .order_by()
        )
    return [
        {
            "weekday": row["weekday"],
            "hour": row["hour"],
            "posts": row["n"],
            "sum_engagements": row["engagements_sum"],
        }
        for row in rollups.combined(parts, ("weekday", "hour"))
    ]
