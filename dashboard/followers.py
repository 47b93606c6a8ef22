"""Followers and follower growth from AccountMetrics, the daily account rows of /analytics/social.

Networks report followers only as a current total, so growth comes from comparing our own daily
rows. A network that has not reported on a given day counts with its latest earlier report.
"""

import datetime

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from dashboard.models import AccountMetrics


def followers_at(profiles, day):
    """{profile_id: {platform: followers}} from each network's latest report on or before `day`."""
    result = {}
    for profile_id, platform, followers, _ in _latest(profiles, date__lte=day):
        result.setdefault(profile_id, {})[platform] = followers
    return result


def follower_totals(profiles, first, last):
    """Followers at the end of the period and their growth over it, in total and per profile.

    Growth compares with the day before the period; a network whose history starts inside the
    period is compared with its first report instead, and `since` says from when.
    """
    end = {(p, platform): (n, day) for p, platform, n, day in _latest(profiles, date__lte=last)}
    before = first - datetime.timedelta(days=1)
    start = {(p, platform): (n, day) for p, platform, n, day in _latest(profiles, date__lte=before)}
    for p, platform, n, day in _latest(profiles, date__gte=first, date__lte=last, newest=False):
        start.setdefault((p, platform), (n, day))
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


def _latest(profiles, *, newest=True, **dates):
    """(profile_id, platform, followers, date): one row per profile and network, the newest (or
    the oldest) report with a follower count within `dates`."""
    order = F("date").desc() if newest else F("date").asc()
    return (
        AccountMetrics.objects.filter(profile__in=profiles, followers__isnull=False, **dates)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("profile_id"), F("platform")], order_by=order)
        )
        .filter(rank=1)
        .values_list("profile_id", "platform", "followers", "date")
    )
