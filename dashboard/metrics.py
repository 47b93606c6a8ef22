"""The dashboard's own metric vocabulary: names, labels, the engagement rule, missing reasons.

Every part of the dashboard speaks this language: the normalizer maps each network's answer onto
it, the models have a column per metric, and the read side, the pages and the CSV label and
explain numbers with it. It knows nothing of Ayrshare's field names (dashboard/ayrshare/) or of
the database. docs/metrics.md explains each rule; keep the two in step.
"""

import datetime

# The unified per-post metrics, in display order; PlatformPost has a column for each.
# None means "not reported"; 0 means the network said zero.
METRICS = (
    "impressions",
    "reach",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "engagements",
    "engagement_rate",
)
DERIVED = ("engagements", "engagement_rate")
# The counts a network reports; the derived two follow from them on every write.
COUNTERS = tuple(name for name in METRICS if name not in DERIVED)
# engagements is always the sum of these, over the ones the network reports.
INTERACTIONS = ("likes", "comments", "shares", "saves", "clicks")
# engagement_rate = engagements / the first of these that is a positive number.
RATE_DENOMINATORS = ("impressions", "reach", "views")
RATE_RULE = "engagements / the first positive of impressions, reach, views"
# The same rule in words for the pages: one post's rate, and a total's (for one post, the same).
RATE_SENTENCE = (
    "Engagement rate = engagements ÷ the first positive of impressions, reach, views of each"
    " post, summed over the posts that report both."
)

LABELS = {
    "impressions": "Impressions",
    "reach": "Reach",
    "views": "Views",
    "likes": "Likes",
    "comments": "Comments",
    "shares": "Shares",
    "saves": "Saves",
    "clicks": "Clicks",
    "engagements": "Engagements",
    "engagement_rate": "Engagement rate",
}
SHORT_LABELS = {**LABELS, "engagement_rate": "Eng. rate"}

# How long people watched a video, where the network says. Seconds, and a fraction for the rate.
# Only watch time adds up over posts; an average or a rate of several posts is not their sum.
VIDEO_METRICS = ("watch_time", "avg_watch_time", "completion_rate")
VIDEO_LABELS = {
    "watch_time": "Watch time",
    "avg_watch_time": "Average view duration",
    "completion_rate": "Watched to the end",
}
# Account numbers beyond the totals, where the network reports them.
AUDIENCE_METRICS = (
    "followers_gained",
    "followers_lost",
    "organic_followers",
    "paid_followers",
    "watch_time",
)
AUDIENCE_LABELS = {
    "followers_gained": "Followers gained",
    "followers_lost": "Followers lost",
    "organic_followers": "Organic followers",
    "paid_followers": "Paid followers",
    "watch_time": "Watch time",
}
PLATFORM_VIDEO_METRICS = {
    "facebook": VIDEO_METRICS,
    "instagram": ("watch_time", "avg_watch_time"),
    "linkedin": ("watch_time", "avg_watch_time"),
    "pinterest": ("avg_watch_time", "completion_rate"),
    "snapchat": ("watch_time", "avg_watch_time"),
    "tiktok": VIDEO_METRICS,
    "twitter": ("completion_rate",),
    "youtube": ("watch_time", "avg_watch_time"),
}

MEDIA_TYPES = ("image", "video", "carousel", "reel", "story", "link", "text", "")

# Which metrics each network can report at all. A metric outside its set is always None, which
# the pages show as "not reported by this network" rather than 0.
PLATFORM_METRICS = {
    "bluesky": ("likes", "comments", "shares", *DERIVED),
    "facebook": (
        "impressions",
        "reach",
        "views",
        "likes",
        "comments",
        "shares",
        "clicks",
        *DERIVED,
    ),
    "gmb": (),
    "instagram": (
        "impressions",
        "reach",
        "views",
        "likes",
        "comments",
        "shares",
        "saves",
        *DERIVED,
    ),
    "linkedin": (
        "impressions",
        "reach",
        "views",
        "likes",
        "comments",
        "shares",
        "clicks",
        *DERIVED,
    ),
    "pinterest": ("impressions", "views", "likes", "comments", "saves", "clicks", *DERIVED),
    "reddit": ("views", "likes", "comments", "shares", *DERIVED),
    "snapchat": ("reach", "views", "comments", "shares", *DERIVED),
    "threads": ("views", "likes", "comments", "shares", *DERIVED),
    "tiktok": ("reach", "views", "likes", "comments", "shares", *DERIVED),
    "twitter": ("impressions", "views", "likes", "comments", "shares", "saves", "clicks", *DERIVED),
    "youtube": ("views", "likes", "comments", "shares", *DERIVED),
}
PLATFORMS = tuple(PLATFORM_METRICS)

# Metrics a network reported once and stopped reporting (network, metric) -> since when. Older
# posts keep the numbers they had; a post without one says so instead of looking like a gap.
RETIRED = {
    # Meta: media insights' "impressions" gave way to "views" (deprecated from 21 April 2025).
    ("instagram", "impressions"): datetime.date(2025, 4, 21),
    # Meta: post_impressions_unique and the page impressions were removed on 14 November 2025.
    ("facebook", "reach"): datetime.date(2025, 11, 14),
}

NETWORK_NAMES = {
    "bluesky": "Bluesky",
    "facebook": "Facebook",
    "gmb": "Google Business Profile",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "pinterest": "Pinterest",
    "reddit": "Reddit",
    "snapchat": "Snapchat",
    "threads": "Threads",
    "tiktok": "TikTok",
    "twitter": "X (Twitter)",
    "youtube": "YouTube",
}

# Why a metric is missing, in the words every page and the CSV use. Each means one thing:
NOT_REPORTED = "not reported by this network"  # the network has no such number
NOT_YET = "not reported yet"  # the network will report it; it has not so far
FETCH_FAILED = "fetch failed"  # the last request for this post's numbers failed
# The network stopped sending a number it sent before (TikTok after 7 idle days, a story after
# 24 hours): the last value is kept and no longer changes.
EXPIRED = "expired: last value kept"
# metric_notes words (see upsert) -> their reason.
NOTE_WORDS = {"stale": EXPIRED, "expired": EXPIRED}


def network_name(platform):
    """A network's display name ("LinkedIn", "X (Twitter)"), for any code the API may send."""
    return NETWORK_NAMES.get(platform, str(platform).capitalize())


# What each kind of data the sync fetches (a SyncState.unit) is called on the pages.
UNIT_NAMES = {
    "history": "Post history",
    "post_analytics": "Post analytics",
    "social": "Followers",
    "links": "Link clicks",
    "playlists": "YouTube playlists",
    "user": "Linked networks",
    "native_analytics": "Analytics of posts made outside Ayrshare",
}


def unit_label(unit):
    """ "Post history", "Facebook posts" (a "platform:facebook" unit)."""
    kind, _, platform = unit.partition(":")
    if kind == "platform":
        return f"{network_name(platform)} posts"
    return UNIT_NAMES.get(kind, unit)


def reports(platform, name):
    """Whether `platform` reports metric `name` at all (an unknown network: assume it may)."""
    if platform not in PLATFORM_METRICS:
        return True
    return name in PLATFORM_METRICS[platform] or name in PLATFORM_VIDEO_METRICS.get(platform, ())


def retired_reason(platform, name):
    """ "not reported by Facebook since Nov 2025", or "" when the network still reports it."""
    since = RETIRED.get((platform, name))
    if since is None:
        return ""
    return f"not reported by {network_name(platform)} since {since:%b %Y}"


def retired_on(name):
    """The networks that stopped reporting metric `name`, as words: "Facebook since Nov 2025"."""
    return ", ".join(
        f"{network_name(platform)} since {since:%b %Y}"
        for (platform, metric), since in sorted(RETIRED.items())
        if metric == name
    )


def missing_reason(platform, name, *, note="", failed=False, value=None):
    """Why `name` is missing (or frozen) on one post of `platform`; "" for a current number."""
    if note:
        return NOTE_WORDS.get(note, note)
    if value is not None:
        return ""
    if not reports(platform, name):
        return NOT_REPORTED
    retired = retired_reason(platform, name)
    if retired:
        return retired
    return FETCH_FAILED if failed else NOT_YET


def duration(seconds):
    """ "8 h 35 min", "2 min 5 s", "7.4 s": a watch time as people read it."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, second = divmod(round(seconds), 60)
    hours, minute = divmod(minutes, 60)
    if hours:
        return f"{hours:,} h {minute} min"
    return f"{minute} min {second} s"


def percent(fraction):
    return "" if fraction is None else f"{fraction * 100:.2f} %"


def with_engagement(metrics):
    """Fill engagements (sum of the INTERACTIONS reported) and engagement_rate (a fraction)."""
    metrics = dict(metrics)
    reported = [metrics[name] for name in INTERACTIONS if metrics.get(name) is not None]
    metrics["engagements"] = sum(reported) if reported else None
    metrics["engagement_rate"] = engagement_rate(metrics)
    return metrics


def engagement_rate(metrics):
    engagements = metrics.get("engagements")
    if engagements is None:
        return None
    for name in RATE_DENOMINATORS:
        denominator = metrics.get(name)
        if denominator:
            return round(engagements / denominator, 6)
    return None
