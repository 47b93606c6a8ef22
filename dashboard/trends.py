"""Overview series: engagements and impressions over time, by network, by posting slot, top posts.

Every function is one aggregate query: over_time and by_platform over the daily rollups
(rollups.py), heatmap and top posts over the posts published in the period (kpis.period_posts),
grouped in the database in the current time zone (the workspace's, see accounts/zones.py). A
bucket without posts is 0 (nothing was published, so nothing was gained); a bucket whose posts did
not report the metric is None: a gap in the chart, never 0.
"""

import datetime

from django.db.models import Count, DateField, Sum
from django.db.models.functions import (
    ExtractHour,
    ExtractIsoWeekDay,
    TruncDate,
    TruncMonth,
    TruncWeek,
)

from dashboard import kpis, rollups, workspace_rollups

EVERY = ("day", "week", "month")
# Past this many days a chart's buckets grow coarser, whatever was asked: a chart of thousands of
# points is a smear, its table thousands of rows, and a period of years by day once tied up a
# worker past its timeout. Days up to a year (a choice), weeks up to two years; months beyond.
MAX_DAYS_BY = {"day": 366, "week": 104 * 7}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HEAT_LEVELS = 5
# The heatmap's columns, with the span each one's header spells out.
HOURS = [{"hour": hour, "span": f"{hour:02d}:00–{hour:02d}:59"} for hour in range(24)]
TOP_POSTS = 10


def grouping(first, last, every):
    """`every` made coarser until the period from `first` to `last` has few enough buckets."""
    days = (last - first).days + 1
    for finer, coarser in (("day", "week"), ("week", "month")):
        if every == finer and days > MAX_DAYS_BY[finer]:
            every = coarser
    return every


def buckets(first, last, every):
    """Every bucket start of the period, so empty days/weeks/months show as gaps rather than
    vanish."""
    if every == "month":
        return _months(first, last)
    step = datetime.timedelta(days=7 if every == "week" else 1)
    day = first - datetime.timedelta(days=first.weekday()) if every == "week" else first
    days = []
    while day <= last:
        days.append(day)
        day += step
    return days


def _months(first, last):
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=31)).replace(day=1)
    return months


def bucket(every):
    if every == "month":
        return TruncMonth("published_at", output_field=DateField())
    if every == "week":
        return TruncWeek("published_at", output_field=DateField())
    return TruncDate("published_at")


def over_time(profiles, first, last, every="day", workspace=None):
    """{"labels": [date], "engagements": [int|None], "impressions": [int|None]}.

    Read from the daily rollups (the workspace's when `workspace` is given, see
    workspace_rollups.whole), weeks summed by the database.
    """
    if not rollups.usable():
        return posts_over_time(profiles, first, last, every)
    labels = buckets(first, last, every)
    rows = rollups.daily(
        profiles,
        first,
        last,
        "sum_engagements",
        "sum_impressions",
        every=every,
        workspace=workspace,
    )
    totals = {
        row["bucket"]: (row["total_sum_engagements"], row["total_sum_impressions"]) for row in rows
    }
    # A bucket without posts is 0: nothing was published, so nothing was gained.
    return {
        "labels": labels,
        "engagements": [totals.get(d, (0, 0))[0] for d in labels],
        "impressions": [totals.get(d, (0, 0))[1] for d in labels],
    }


def by_platform(profiles, first, last, every="day", workspace=None):
    """{"labels": [date], "platforms": {platform: [int|None]}} of engagements, from the rollups."""
    if not rollups.usable():
        return posts_by_platform(profiles, first, last, every)
    labels = buckets(first, last, every)
    platforms = {}
    rows = rollups.daily(
        profiles,
        first,
        last,
        "sum_engagements",
        by_platform=True,
        every=every,
        workspace=workspace,
    )
    for row in sorted(rows, key=lambda r: (r["platform"], r["bucket"])):
        platforms.setdefault(row["platform"], {})[row["bucket"]] = row["total_sum_engagements"]
    return {
        "labels": labels,
        "platforms": {
            name: [values.get(d, 0) for d in labels] for name, values in platforms.items()
        },
    }


def posts_over_time(profiles, first, last, every="day"):
    """over_time() from the raw rows: the rollups' reference and the benchmark baseline."""
    rows = (
        kpis.period_posts(profiles, first, last)
        .annotate(bucket=bucket(every))
        .values("bucket")
        .annotate(sum_engagements=Sum("engagements"), sum_impressions=Sum("impressions"))
        .order_by("bucket")
    )
    nothing = {"sum_engagements": 0, "sum_impressions": 0}
    by_bucket = {row["bucket"]: row for row in rows}
    labels = buckets(first, last, every)
    return {
        "labels": labels,
        "engagements": [by_bucket.get(d, nothing)["sum_engagements"] for d in labels],
        "impressions": [by_bucket.get(d, nothing)["sum_impressions"] for d in labels],
    }


def posts_by_platform(profiles, first, last, every="day"):
    """by_platform() from the raw rows: the rollups' reference and the benchmark baseline."""
    rows = (
        kpis.period_posts(profiles, first, last)
        .annotate(bucket=bucket(every))
        .values("bucket", "platform")
        .annotate(sum_engagements=Sum("engagements"))
        .order_by("platform", "bucket")
    )
    labels = buckets(first, last, every)
    platforms = {}
    for row in rows:
        values = platforms.setdefault(row["platform"], dict.fromkeys(labels, 0))
        values[row["bucket"]] = row["sum_engagements"]
    return {
        "labels": labels,
        "platforms": {name: list(values.values()) for name, values in platforms.items()},
    }


def heatmap(profiles, first, last, workspace=None):
    """Engagements by posting weekday (Mon first) × hour, with an intensity level per cell.

    Returns {"rows": [{"day": "Mon", "cells": [{"hour", "posts", "engagements", "level",
    "title"}]}],
    "max": int|None, "busy": [...]}. A slot without posts or without reported engagements has
    engagements None. "busy" lists the slots with posts for the table under the heatmap: a
    cell's numbers are otherwise only in its hover title, out of reach of keyboard and touch.
    """
    if workspace is not None:
        rows = workspace_rollups.heat(workspace, first, last)
    else:
        rows = (
            kpis.period_posts(profiles, first, last)
            .annotate(weekday=ExtractIsoWeekDay("published_at"), hour=ExtractHour("published_at"))
            .values("weekday", "hour")
            .annotate(posts=Count("pk"), sum_engagements=Sum("engagements"))
            .order_by()
        )
    slots = {(row["weekday"], row["hour"]): row for row in rows}
    reported = [row["sum_engagements"] for row in slots.values() if row["sum_engagements"]]
    top = max(reported) if reported else None
    table = []
    for weekday, name in enumerate(WEEKDAYS, start=1):
        cells = []
        for hour in range(24):
            row = slots.get((weekday, hour), {})
            value = row.get("sum_engagements")
            posts = row.get("posts", 0)
            cells.append(
                {
                    "hour": hour,
                    "posts": posts,
                    "engagements": value,
                    "level": _level(value, top),
                    "title": f"{name} {hour:02d}:00: {_heat_text(posts, value)}",
                }
            )
        table.append({"day": name, "cells": cells})
    return {"rows": table, "max": top, "hours": HOURS, "busy": _busy(table)}


def _busy(table):
    """The heatmap's cells with posts, in table order, as rows of a plain table."""
    return [
        {
            "slot": f"{row['day']} {HOURS[cell['hour']]['span']}",
            "posts": cell["posts"],
            "engagements": cell["engagements"],
        }
        for row in table
        for cell in row["cells"]
        if cell["posts"]
    ]


def _heat_text(posts, engagements):
    """A cell's tooltip: 168 cells, formatted here rather than by template filters each."""
    if not posts:
        return "no posts"
    plural = "" if posts == 1 else "s"
    if engagements is None:
        return f"{posts:,} post{plural}, engagements not reported"
    return f"{engagements:,} engagements from {posts:,} post{plural}"


def _level(value, top):
    """0 for nothing, else 1..HEAT_LEVELS in proportion to the busiest slot."""
    if not value or not top or value <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, -(-value * HEAT_LEVELS // top)))


def top_posts(profiles, first, last, limit=TOP_POSTS):
    """The period's posts with the most engagements (posts not reporting them are left out)."""
    return (
        kpis.period_posts(profiles, first, last)
        .filter(engagements__isnull=False)
        .select_related("profile")
        # Matches the (engagements, id) index, read backward: no sort of the whole period.
        .order_by("-engagements", "-pk")[:limit]
    )
