"""The overview's numbers: KPI cards, follower cards, charts, heatmap and top posts of a period.

The dashboard's overview (views.home) and the client reports (dashboard/reports) both call
`build`, so a report can never compute a number differently from the page it summarises.
It reads through kpis, trends, followers and charts; it knows nothing of requests or forms.
"""

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import zones
from dashboard import charts, followers, kpis, links, locales, trends, workspace_rollups
from dashboard.metrics import RATE_SENTENCE, network_name
from dashboard.moments import clock, upcoming
from dashboard.queries import ids_or_subquery, metric_reason

LIFETIME, ACTIVITY = "lifetime", "activity"
RATE_FORMULA = RATE_SENTENCE
# Longer periods chart by week unless asked otherwise: a year of days is 366 unreadable bars.
DAILY_UP_TO_DAYS = 92


def build(first, last, profiles, *, whole=None, every=None, totals=None, before=None):
    """KPI cards for the period against a comparison period, the charts and the top posts.

    `first`, `last`: the period's days (None: from the earliest post / to today).
    `profiles`: profile ids. `whole`: a rollups.Whole when the profiles are all of the
    workspace (workspace_rollups.whole). `every`: "day" or "week" (None: by the period's length).
    `totals`: LIFETIME or ACTIVITY (None: LIFETIME). `before`: the comparison period
    (None: the period just before, of the same length).
    """
    # Tables other than the posts take the whole workspace's profiles as a subquery: a shorter
    # statement to build and send than 300 ids, and their per-profile indexes serve it alike.
    owned = workspace_rollups.active_profiles(whole.pk) if whole else profiles
    profiles = ids_or_subquery(profiles, owned)
    # "All time" starts with the earliest post (today when there is none yet).
    first, last = kpis.closed_period(first, last, profiles, whole)
    before = before or kpis.previous_period(first, last)
    every = trends.grouping(first, last, every or default_every(first, last))
    covered, earliest = kpis.snapshots_cover(owned, first)
    wanted = totals or LIFETIME
    mode = ACTIVITY if wanted == ACTIVITY and covered else LIFETIME
    # The next update comes from the units' schedule: asking each post for it would read them all.
    published, by_network = kpis.period_figures(profiles, first, last, whole)
    published_before, by_network_before = kpis.period_figures(profiles, *before, whole)
    if mode == ACTIVITY:
        current = kpis.activity_totals(profiles, first, last)
        # The previous period needs snapshots from before it started to have a baseline.
        previous = (
            kpis.activity_totals(profiles, *before)
            if earliest <= kpis.day_start(before[0])
            else None
        )
    else:
        current, previous = published, published_before
    next_update = (
        kpis.next_sync(owned)
        or current.get("next_post_update")
        or kpis.next_post_update(profiles, first, last)
    )
    return {
        "first": first,
        "last": last,
        "before": before,
        "every": every,
        "mode": mode,
        "activity_available": covered,
        "activity_reason": _activity_reason(covered, earliest, first),
        "activity_refused": wanted == ACTIVITY and not covered,
        "cards": _cards(published, published_before, current, previous),
        "follower_cards": _follower_cards(owned, first, last, before),
        "rate_formula": RATE_FORMULA,
        # The request's zone: its workspace's (accounts/zones.py).
        "time_zone": timezone.get_current_timezone_name(),
        "recounting": zones.recounting(),
        "as_of": (current["oldest_update"], current["newest_update"]),
        "as_of_text": _as_of_text(current["oldest_update"], current["newest_update"]),
        "next_update": next_update,
        "next_text": next_update and upcoming(next_update, timezone.now()).text,
        "charts": _charts(profiles, first, last, every, whole),
        "heatmap": trends.heatmap(profiles, first, last, whole),
        "top": _top_posts(profiles, first, last),
        "networks": _networks(by_network, by_network_before),
        "links": links.summary(owned, first, last),
    }


def _as_of_text(oldest, newest):
    """ "Dec 6, 07:06 UTC – 07:48 UTC": each end with its zone, one time when they agree."""
    if oldest is None:
        return ""
    start, end = clock(oldest), clock(newest)
    return start if start == end else f"{start} – {end}"


def default_every(first, last):
    """ "day" up to DAILY_UP_TO_DAYS days (every preset), "week" beyond."""
    return "day" if (last - first).days < DAILY_UP_TO_DAYS else "week"


def _activity_reason(covered, earliest, first):
    if covered:
        return ""
    if earliest is None:
        return "No metric history has been recorded for these profiles yet."
    local = timezone.localtime(earliest)
    return (
        f"Metric history starts on {locales.day(local)}, "
        f"after the period starts ({locales.day(first)})."
    )


def _change(current, previous, previous_posts):
    if previous_posts is None:
        return None
    return kpis.signed_percent(kpis.change_percent(current, previous, previous_posts))


def _cards(published, published_before, current, previous):
    cards = [
        {
            "key": "posts-published",
            "label": _("Posts published"),
            "value": published["posts"],
            "previous": published_before["posts"],
            "change": _change(
                published["posts"], published_before["posts"], published_before["posts"]
            ),
        }
    ]
    previous = previous or {}
    # (metric, the card's data-kpi key whatever the language, label)
    for key, slug, label in (
        ("impressions", "impressions", _("Impressions")),
        ("reach", "reach", _("Reach")),
        ("views", "video-views", _("Video views")),
        ("engagements", "engagements", _("Engagements")),
    ):
        cards.append(
            {
                "key": slug,
                "label": label,
                "value": current[key],
                "previous": previous.get(key),
                "change": _change(current[key], previous.get(key), previous.get("posts")),
                "coverage": kpis.coverage_text(
                    current[f"{key}_reported"],
                    current["posts"],
                    current[f"{key}_unsupported"],
                    current.get(f"{key}_retired", 0),
                    key,
                ),
            }
        )
    cards.append(
        {
            "key": "engagement-rate",
            "label": _("Engagement rate"),
            "percent": True,
            "value": locales.percent(current["engagement_rate"]) or None,
            "previous": locales.percent(previous.get("engagement_rate")) or None,
            "help": RATE_FORMULA,
        }
    )
    return cards


# The per-network table's columns: the post cards' numbers, network by network.
NETWORK_COLUMNS = [
    ("posts", _("Posts")),
    ("impressions", _("Impressions")),
    ("reach", _("Reach")),
    ("views", _("Video views")),
    ("engagements", _("Engagements")),
]


def _networks(now, then):
    """A row per network with posts in the period or the comparison period: the KPI cards'
    lifetime totals (kpis.period_figures, by network) and their change."""
    rows = []
    for platform in sorted(now.keys() | then.keys(), key=network_name):
        current, previous = now.get(platform, {}), then.get(platform, {})
        posts = current.get("posts", 0)
        cells = []
        for key, label in NETWORK_COLUMNS:
            value = posts if key == "posts" else current.get(key)
            before_value = previous.get("posts", 0) if key == "posts" else previous.get(key)
            cells.append(
                {
                    "key": key,
                    "label": label,
                    "value": value,
                    "previous": before_value,
                    "change": _change(value, before_value, previous.get("posts", 0)),
                    "reason": _network_reason(current, key, posts),
                }
            )
        cells.append(
            {
                "key": "engagement_rate",
                "label": _("Engagement rate"),
                "percent": True,
                "value": locales.percent(current.get("engagement_rate")) or None,
                "previous": locales.percent(previous.get("engagement_rate")) or None,
                "reason": _network_reason(current, "engagement_rate", posts),
            }
        )
        rows.append({"platform": platform, "name": network_name(platform), "cells": cells})
    return {"columns": [label for _key, label in NETWORK_COLUMNS], "rows": rows}


def _network_reason(current, key, posts):
    if key == "posts" or current.get(key) is not None:
        return ""
    if not posts:
        return _("no posts in the period")
    if key != "engagement_rate" and current.get(f"{key}_unsupported") == posts:
        return _("this network does not report it")
    return _("not reported yet")


def _follower_cards(profiles, first, last, before):
    now, then = followers.follower_periods(profiles, [(first, last), before])
    # Follower counts are not a sample of posts: the minimum-posts rule does not apply.
    enough = kpis.MIN_BASELINE_POSTS
    return {
        "as_of": now["as_of"],
        "since": now.get("since"),
        "cards": [
            {
                "key": "followers",
                "label": _("Followers"),
                "value": now["followers"],
                "previous": then["followers"],
                "change": _change(now["followers"], then["followers"], enough),
                "help": gettext("Total at %(day)s, summed over networks.")
                % {"day": locales.day(last)},
                "missing": _("no follower counts reported yet"),
            },
            {
                "key": "follower-growth",
                "label": _("Follower growth"),
                "value": now["growth"],
                "previous": then["growth"],
                "signed": True,
                "change": _change(now["growth"], then["growth"], enough),
                "help": _("Followers at the end of the period minus at its start."),
                "missing": _("needs follower counts from two different days"),
            },
        ],
    }


def _label(day, every):
    if every == "month":
        return format_date(day, "M Y")
    short = locales.day(day, year=False)
    return f"Week of {short}" if every == "week" else short


def _charts(profiles, first, last, every, whole):
    over = trends.over_time(profiles, first, last, every, whole)
    labels = [_label(day, every) for day in over["labels"]]
    engagements = charts.config(
        "line",
        labels,
        [
            charts.series("Engagements", over["engagements"], charts.metric_color("engagements")),
        ],
    )
    impressions = charts.config(
        "line",
        labels,
        [charts.series("Impressions", over["impressions"], charts.metric_color("impressions"))],
    )
    split = trends.by_platform(profiles, first, last, every, whole)
    stacked = charts.config(
        "bar",
        labels,
        [
            charts.series(network_name(name), values, charts.platform_color(name))
            for name, values in split["platforms"].items()
        ],
        stacked=True,
    )
    names = list(split["platforms"])
    return {
        "engagements": engagements,
        "impressions": impressions,
        "platforms": stacked,
        "platform_names": [network_name(name) for name in names],
        # The chart's numbers as the table under it shows them: a year of days is thousands of
        # cells, and Python formats them far faster than a template filter each.
        "rows": [
            {
                "day": day,
                "label": label,
                "cells": [
                    _grouped(value)
                    for value in (e, i, *(split["platforms"][name][n] for name in names))
                ],
            }
            for n, (day, label, e, i) in enumerate(
                zip(over["labels"], labels, over["engagements"], over["impressions"], strict=True)
            )
        ],
    }


def _grouped(number):
    """1234567 -> "1,234,567" in the active number format (None stays None: not reported)."""
    return locales.number(number)


def _top_posts(profiles, first, last):
    rows = list(trends.top_posts(profiles, first, last))
    for row in rows:
        # The post's own rate, as the posts table, the drawer and the CSV show it.
        row.rate = locales.percent(row.engagement_rate) or None
        row.rate_reason = metric_reason(row, "engagement_rate")
        row.impressions_reason = metric_reason(row, "impressions")
    return rows
