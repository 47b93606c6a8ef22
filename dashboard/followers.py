"""Followers and follower growth from AccountMetrics, the daily account rows of /analytics/social.

Networks report followers only as a current total, so growth comes from comparing our own daily
rows. A network that has not reported on a given day counts with its latest earlier report.

Each network's first and latest counts are kept in FollowerSeries, so the usual questions (now,
the start of its history) need no search through a year of daily rows. Only a day inside a
series' history is looked up in AccountMetrics: one index probe per network.
"""

import datetime

from django.db.models import Max, Min, OuterRef, Subquery

from dashboard.models import AccountMetrics, FollowerSeries

# What the lookups read of a FollowerSeries row.
SERIES = (
    "pk",
    "profile_id",
    "platform",
    "first_date",
    "first_followers",
    "last_date",
    "last_followers",
)


def followers_at(profiles, day):
    """{profile_id: {platform: followers}} from each network's latest report on or before `day`."""
    result = {}
    for (profile_id, platform), (followers, _) in _reports_at(_series(profiles), day).items():
        result.setdefault(profile_id, {})[platform] = followers
    return result


def follower_totals(profiles, first, last):
    """Followers at the end of the period and their growth over it, in total and per profile.

    Growth compares with the day before the period; a network whose history starts inside the
    period is compared with its first report instead, and `since` says from when.
    """
    return follower_periods(profiles, [(first, last)])[0]


def follower_periods(profiles, periods):
    """follower_totals() of each (first, last) period, reading the series once and each day
    once: the day before a period is also the end of the period before it."""
    series = _series(profiles)
    known = {}

    def at(day):
        if day not in known:
            known[day] = _reports_at(series, day)
        return dict(known[day])  # _totals adds to its copy

    return [_totals(series, at, first, last) for first, last in periods]


def _totals(series, at, first, last):
    end = at(last)
    before = first - datetime.timedelta(days=1)
    start = at(before)
    for s in series:
        if before < s.first_date <= last:
            start[s.profile_id, s.platform] = (s.first_followers, s.first_date)
    by_profile = {}
    # A network whose only report is the end one has no growth to show, not a growth of 0.
    start = {key: value for key, value in start.items() if key in end and value[1] < end[key][1]}
    for key, (followers, _) in end.items():
        entry = by_profile.setdefault(key[0], {"followers": 0, "growth": None, "since": None})
        entry["followers"] += followers
        if key in start:
            entry["growth"] = (entry["growth"] or 0) + followers - start[key][0]
            if start[key][1] > before:
                entry["since"] = max(entry["since"] or start[key][1], start[key][1])
    growths = [e["growth"] for e in by_profile.values() if e["growth"] is not None]
    baselines = [day for _, day in start.values()]
    return {
        "followers": sum(e["followers"] for e in by_profile.values()) if end else None,
        "growth": sum(growths) if growths else None,
        "as_of": max(day for _, day in end.values()) if end else None,
        "since": max(baselines) if baselines and max(baselines) > before else None,
        "by_profile": by_profile,
    }


def note_reports(profile_id, platforms):
    """Bring the FollowerSeries of these networks up to date with their AccountMetrics rows.

    Called after every write of AccountMetrics: by the sync's bulk upsert and on single saves.
    """
    reports = AccountMetrics.objects.filter(
        profile_id=profile_id, platform__in=platforms, followers__isnull=False
    )
    ends = list(reports.values("platform").annotate(first=Min("date"), last=Max("date")))
    days = {e["first"] for e in ends} | {e["last"] for e in ends}
    counts = {
        (platform, day): followers
        for platform, day, followers in reports.filter(date__in=days).values_list(
            "platform", "date", "followers"
        )
    }
    rows = [
        FollowerSeries(
            profile_id=profile_id,
            platform=e["platform"],
            first_date=e["first"],
            first_followers=counts[e["platform"], e["first"]],
            last_date=e["last"],
            last_followers=counts[e["platform"], e["last"]],
        )
        for e in ends
    ]
    FollowerSeries.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["profile", "platform"],
        update_fields=["first_date", "first_followers", "last_date", "last_followers"],
    )
    # A network whose counts were all blanked or deleted has no series any more.
    FollowerSeries.objects.filter(profile_id=profile_id, platform__in=platforms).exclude(
        platform__in=[row.platform for row in rows]
    ).delete()


def _series(profiles):
    # Plain tuples: an agency's 300 profiles have some 1,800 series, read on every overview.
    rows = FollowerSeries.objects.filter(profile__in=profiles).values_list(*SERIES, named=True)
    return list(rows)


def _reports_at(series, day):
    """{(profile_id, platform): (followers, date)} of each network's latest report on or before
    `day`. Only series whose history spans `day` need a look at their daily rows."""
    found = {}
    inside = []
    for s in series:
        if s.last_date <= day:
            found[s.profile_id, s.platform] = (s.last_followers, s.last_date)
        elif s.first_date <= day:
            inside.append(s.pk)
    if inside:
        report = AccountMetrics.objects.filter(
            profile_id=OuterRef("profile_id"),
            platform=OuterRef("platform"),
            followers__isnull=False,
            date__lte=day,
        ).order_by("-date")
        probed = (
            FollowerSeries.objects.filter(pk__in=inside)
            .annotate(
                followers=Subquery(report.values("followers")[:1]),
                day=Subquery(report.values("date")[:1]),
            )
            .values_list("profile_id", "platform", "followers", "day")
        )
        for profile_id, platform, followers, date in probed:
            found[profile_id, platform] = (followers, date)
    return found
