"""Today's Ayrshare answers: what changed since the "2024" shapes render.py builds.

render.py speaks the 2024 era, the shapes the sandbox served first. With the default
``shapes="current"`` api.py passes render.py's objects through the functions here, which drop
what the networks stopped reporting and add what replaced it. The numbers come from the same
growth curves, so a post's likes are the same number in both eras; only names and nesting move.
The evidence for each change (with dates) is in tests/fixtures/ayrshare/current/, one JSON
fixture per answer, which test_current_shapes.py holds the sandbox to.
"""

import functools
from urllib.parse import parse_qsl, urlsplit

from . import render
from .clock import iso
from .ids import draws, h64
from .metrics import Growth, account_counts
from .world import Link, NetworkPost, Profile, World

# Meta retired Facebook's unique and paid impression metrics on 2025-11-15 and 2026-06-15
# ("use mediaView"); the click and negative-feedback counters went in 2024-09.
FACEBOOK_GONE = (
    "clicksUnique",
    "engagedUsers",
    "impressionsFanPaidUnique",
    "impressionsFanUnique",
    "impressionsOrganicUnique",
    "impressionsPaidUnique",
    "impressionsUnique",
    "negativeFeedback",
    "negativeFeedbackUnique",
    "videoViewsUnique",
)
# Meta retired impressions, plays and replays of Instagram media on 2025-04-21 (views replace them).
INSTAGRAM_GONE = (
    "clipsReplaysCount",
    "igReelsAggregatedAllPlaysCount",
    "impressionsCount",
    "playsCount",
    "timestamp",
)
LINKEDIN_2024_VIDEO = ("timeWatched", "timeWatchedForVideoViews", "videoViews", "viewers")
PINTEREST_VIDEO = (
    "quartile95sPercentView",
    "videoAvgWatchTime",
    "videoMrcView",
    "videoStart",
    "videoV50WatchTime",
)
# Account analytics that stopped (Facebook page impressions 2025-11-15, Instagram's old
# insight names; LinkedIn never sent a total) or were never Ayrshare's keys.
FACEBOOK_ACCOUNT_GONE = ("pageFollows", "pageImpressions", "pageImpressionsUnique", "username")
INSTAGRAM_ACCOUNT_GONE = (
    "accountsEngaged",
    "impressions",
    "profileViews",
    "reach",
    "totalInteractions",
    "views",
)
LINK_DEVICES = ("OTHER", "IOS", "ANDROID")
LINK_BROWSERS = ("chrome", "safari", "firefox", "edge")
# Referring site and the network it belongs to (socialClicks counts the same clicks by network).
LINK_REFERERS = (
    ("l.facebook.com", "facebook"),
    ("t.co", "twitter"),
    ("l.instagram.com", "instagram"),
    ("lnkd.in", "linkedin"),
)


def _without(values: dict, names) -> dict:
    return {key: value for key, value in values.items() if key not in names}


def _counts(world: World, item: NetworkPost, at: float) -> tuple[Growth, dict]:
    growth = Growth(world.seed, item, world.profiles[item.profile].audience)
    return growth, growth.counts(at)


# --- POST /analytics/post ------------------------------------------------------------------------


def post_analytics(world: World, item: NetworkPost, at: float, last: float, nxt: float) -> dict:
    result = render.post_analytics(world, item, at, last, nxt)
    modernize = _ANALYTICS.get(item.platform)
    if modernize is not None:
        growth, c = _counts(world, item, at)
        result["analytics"] = modernize(world, item, growth, c, at, result["analytics"])
    return result


def _a_facebook(world, item, growth, c, at, old):
    result = _without(old, FACEBOOK_GONE)
    result["mediaViewIsFromAds"] = 0  # the sandbox runs no ads
    result["reactionsByType"] = _reaction_types(old["reactions"])
    video = item.media == "video"
    result["videoViewTime"] = c["watch_seconds"] * 1000 if video else 0  # milliseconds
    if not video:
        del result["totalVideoAvgTimeWatched"]
        del result["totalVideoViews"]
        return result
    views = c["views"]
    result["totalVideoViewTotalTime"] = c["watch_seconds"] * 1000
    result["totalVideoCompleteViews"] = int(views * (0.1 + 0.25 * growth.delay_u))
    # Nobody can watch 15 seconds of a shorter video.
    result["totalVideo15SViews"] = int(views * 0.35) if growth.duration >= 15 else 0
    return result


def _reaction_types(reactions: dict) -> int:
    return sum(1 for name, value in reactions.items() if name != "total" and value)


def _a_instagram(world, item, growth, c, at, old):
    result = _without(old, INSTAGRAM_GONE)
    result["created"] = iso(item.created, millis=False)
    result["id"] = item.social_id
    return result


def _a_tiktok(world, item, growth, c, at, old):
    # Renamed by Ayrshare on 2025-03-07; the profile counters are not in today's answer.
    result = _without(old, ("likes", "comments", "shares", "newFollowers", "profileViews"))
    result["likeCount"] = old["likes"]
    result["commentsCount"] = old["comments"]
    result["shareCount"] = old["shares"]
    return result


def _a_twitter(world, item, growth, c, at, old):
    # urlLinkClicks and engagements were never in an Ayrshare answer (X API names, ours).
    result = {
        **old,
        "nonPublicMetrics": _without(old["nonPublicMetrics"], ("urlLinkClicks", "engagements")),
        "organicMetrics": _without(old["organicMetrics"], ("urlLinkClicks",)),
    }
    if item.variant == "video":
        tweet = render.network_item(world, item, at, at, at)
        result["media"] = tweet["media"]
        _add_twitter_video(world, item, at, result)
    return result


def _add_twitter_video(world, item, at, tweet: dict) -> None:
    """Video tweets carry quartile counts under ``video`` (non-public: the last 30 days only)."""
    private = render._twitter_private(world, item, at)
    playback = render.twitter_playback(private["views"])
    tweet["nonPublicMetrics"] = {**tweet["nonPublicMetrics"], "video": playback}
    tweet["organicMetrics"] = {
        **tweet["organicMetrics"],
        "video": {**playback, "viewCount": private["views"]},
    }


def _a_youtube(world, item, growth, c, at, old):
    return {**old, "created": iso(item.created, millis=False)}


def _a_linkedin(world, item, growth, c, at, old):
    result = _without(old, LINKEDIN_2024_VIDEO)
    result["reactions"] = _linkedin_reactions(c)
    if item.media == "video":
        result.update(_linkedin_video(c))
    return result


def _linkedin_reactions(c) -> dict:
    # LinkedIn retired "maybe" (curious); the same people's reactions count as "entertainment".
    reactions = render._linkedin_reactions(c)
    reactions["entertainment"] = reactions.pop("maybe")
    return reactions


def _linkedin_video(c) -> dict:
    return {
        "videoViews": c["views"],
        "videoViewers": int(c["views"] * 0.8),
        "videoWatchTimeMs": c["watch_seconds"] * 1000,
    }


def _a_pinterest(world, item, growth, c, at, old):
    result = _without(old, PINTEREST_VIDEO)
    pin = render.network_item(world, item, at, at, at)
    result["id"] = item.social_id
    result["createdAt"] = iso(item.created, millis=False)
    result["description"] = item.text
    result["media"] = _pin_media(pin)
    if item.variant == "video":
        # The 2024 spelling "quartile95sPercentView" was a typo; Pinterest says quartile95.
        result["quartile95PercentView"] = old["quartile95sPercentView"]
        for name in PINTEREST_VIDEO[1:]:
            result[name] = old[name]
    return result


def _pin_media(pin: dict) -> dict:
    """The pin's media, nested as Pinterest's API has it (history keeps a top-level mediaType)."""
    if pin["mediaType"] == "video":
        return {
            "mediaType": "video",
            "coverImageUrl": pin["coverImageUrl"],
            "duration": pin["duration"],
            "height": pin["height"],
            "width": pin["width"],
        }
    if pin["mediaType"] == "multiple_mixed":
        return {"mediaType": "multiple_mixed"}
    return {"mediaType": "image", "height": pin["height"], "width": pin["width"]}


_ANALYTICS = {
    "facebook": _a_facebook,
    "instagram": _a_instagram,
    "linkedin": _a_linkedin,
    "pinterest": _a_pinterest,
    "tiktok": _a_tiktok,
    "twitter": _a_twitter,
    "youtube": _a_youtube,
}


# --- GET /history/{platform} ---------------------------------------------------------------------


def network_item(world, item, at, last, nxt, position=0, skip_analytics=False) -> dict:
    result = render.network_item(world, item, at, last, nxt, position, skip_analytics)
    if skip_analytics and item.platform in ("facebook", "instagram"):
        return result  # only the id either way
    if item.platform == "facebook":
        return _h_facebook(world, item, at, result)
    if item.platform == "twitter" and item.variant == "video":
        _add_twitter_video(world, item, at, result)
    if item.platform == "linkedin" and item.media == "video" and item.variant == "media":
        _, c = _counts(world, item, at)
        result.update(_linkedin_video(c))
    return result


def _h_facebook(world, item, at, old):
    # The same retirements as in post analytics; shares are what Ayrshare's own tests read now.
    result = _without(old, FACEBOOK_GONE)
    _, c = _counts(world, item, at)
    result.setdefault("sharesCount", 0 if item.variant == "story" else c["shares"])
    return result


# --- POST /analytics/social ----------------------------------------------------------------------


def social_analytics(
    world: World, profile: Profile, platform: str, at: float, last: float, nxt: float
) -> dict:
    a = account_counts(world.seed, profile.index, platform, profile.audience, at)
    if platform in _NEW_ACCOUNTS:
        analytics = _NEW_ACCOUNTS[platform](world, profile, a, at)
        return {"analytics": analytics, "lastUpdated": iso(last), "nextUpdate": iso(nxt)}
    result = render.social_analytics(world, profile, platform, at, last, nxt)
    modernize = _SOCIAL.get(platform)
    if modernize is not None:
        result["analytics"] = modernize(a, result["analytics"])
    return result


def _s_facebook(a, old):
    result = _without(old, FACEBOOK_ACCOUNT_GONE)
    result["pagePostsImpressions"] = a["impressions"]
    result["pagePostsImpressionsPaid"] = a["impressions"] // 12
    result["pageVideoViewsPaid"] = old["pageVideoViews"] // 15
    return result


def _s_instagram(a, old):
    result = _without(old, INSTAGRAM_ACCOUNT_GONE)
    result["reachCount"] = a["reach"]
    result["viewsCount"] = a["views"]
    result["likeCount"] = a["likes"]
    result["commentsCount"] = a["comments"]
    return result


def _s_linkedin(a, old):
    # LinkedIn reports organic and paid followers; a total was never in Ayrshare's answer.
    result = _without(old, ("name",))
    result["followers"] = _without(old["followers"], ("totalFollowerCount",))
    desktop = a["profile_views"] * 3 // 5
    mobile = a["profile_views"] - desktop
    result["views"] = {
        "allDesktopPageViews": desktop,
        "allMobilePageViews": mobile,
        "allPageViews": desktop + mobile,
    }
    return result


def _s_tiktok(a, old):
    result = _without(old, ("videoCount", "profileViews"))
    result["videoCountTotal"] = old["videoCount"]
    return result


def _s_twitter(a, old):
    # X API v2 (2023-09) calls the accounts a user follows "following".
    result = _without(old, ("friendsCount",))
    result["followingCount"] = old["friendsCount"]
    return result


def _s_youtube(a, old):
    # The YouTube Data API sends channel statistics as strings; Ayrshare passes them on.
    result = dict(old)
    for name in ("subscriberCount", "videoCount", "viewCount"):
        result[name] = str(old[name])
    return result


_SOCIAL = {
    "facebook": _s_facebook,
    "instagram": _s_instagram,
    "linkedin": _s_linkedin,
    "tiktok": _s_tiktok,
    "twitter": _s_twitter,
    "youtube": _s_youtube,
}


def _s_threads(world, profile, a, at):
    return {
        "followersCount": a["followers"],
        "likes": a["likes"],
        "quotes": a["shares"] // 3,
        "replies": a["comments"],
        "reposts": a["shares"],
        "views": a["views"],
    }


def _s_bluesky(world, profile, a, at):
    return {
        "created": iso(profile.created, millis=True),
        "displayName": profile.title,
        "followersCount": a["followers"],
        "followsCount": a["following"],
        "handle": f"{profile.username}.bsky.social",
        "id": f"did:plc:{world.bluesky_did(profile.index)}",
        "postsCount": render.account_media_count(world, profile, "bluesky", at),
    }


_NEW_ACCOUNTS = {"bluesky": _s_bluesky, "threads": _s_threads}
SOCIAL_PLATFORMS = (*sorted(_NEW_ACCOUNTS), *sorted(_SOCIAL), "gmb", "pinterest", "reddit")


# --- links ---------------------------------------------------------------------------------------


def _link_created(world: World, link: Link) -> tuple[int, float]:
    """(nanoseconds, epoch seconds): the same moment for the Firestore and the ISO form."""
    nanos = (h64(world.seed, link.id, "created") % 1000) * 1_000_000
    return nanos, link.created + nanos / 1e9


def short_url(link: Link) -> str:
    return f"https://ayr.app/l/{link.id}"


def analytics_link_item(world: World, link: Link, at: float) -> dict:
    """One element of GET /analytics/links' bare array: clicks by device, counts as strings."""
    clicks, _, _ = render.link_clicks(world, link, at)
    u = draws(world.seed, link.profile, link.index, "devices")
    parts = render._split(clicks, (2 + u[0], 1 + u[1], u[2]))
    nanos, _ = _link_created(world, link)
    return {
        "created": {"_seconds": int(link.created), "_nanoseconds": nanos},
        "link": link.original_url,
        "linkEventStats": [
            {"count": str(count), "event": "CLICK", "platform": device}
            for device, count in zip(LINK_DEVICES, parts, strict=True)
            if count
        ],
        "shortLink": short_url(link),
    }


def link_item(world: World, link: Link, at: float, since: float | None = None) -> dict:
    """One link of GET /links and GET /links/{id}; ``since`` counts only clicks after it."""
    clicks, _, _ = render.link_clicks(world, link, at)
    if since is not None:
        clicks -= render.link_clicks(world, link, min(since, at))[0]
    u = draws(world.seed, link.profile, link.index, "browsers")
    browsers = render._split(clicks, (6 + u[0], 2 + u[1], u[2], u[3]))
    # About three in five clicks come from a network; the rest arrive without a referer.
    social = render._split(clicks * 3 // 5, (3 + u[4], 2 + u[5], 1 + u[6], u[7]))
    _, created = _link_created(world, link)
    item = {
        "browserCounts": _nonzero(zip(LINK_BROWSERS, browsers, strict=True)),
        "created": iso(created),
        "id": link.id,
        "originalUrl": link.original_url,
        "refererCounts": _nonzero(
            (site, n) for (site, _), n in zip(LINK_REFERERS, social, strict=True)
        ),
        "shortUrl": short_url(link),
        "socialClicks": _nonzero(
            (network, n) for (_, network), n in zip(LINK_REFERERS, social, strict=True)
        ),
        "status": "success",
        "totalClicks": clicks,
    }
    item.update(_utm(link.original_url))
    return item


def _nonzero(pairs) -> dict:
    return {name: count for name, count in pairs if count}


def _utm(url: str) -> dict:
    """utm_source=x in the link comes back as utmSource: "x" (and so on for the other UTM tags)."""
    return dict(_utm_fields(urlsplit(url).query))


@functools.lru_cache(maxsize=256)
def _utm_fields(query: str) -> tuple:
    # Every link of the world carries one of a few queries: parse each once, not per link.
    return tuple(
        ("utm" + name[4:].capitalize(), value)
        for name, value in parse_qsl(query)
        if name.startswith("utm_")
    )


# --- profiles and user ---------------------------------------------------------------------------


def profile_item(world: World, profile: Profile, linked: tuple[str, ...]) -> dict:
    """Today's /profiles item: status says suspended; keys only where they carry something."""
    result = render.profile_item(world, profile, linked)
    result["status"] = "suspended" if profile.suspended else "active"
    result["created"] = _without(result["created"], ("utc",))  # /user's has it, this one not
    if not profile.suspended:
        del result["suspended"]
    if not linked:
        del result["activeSocialAccounts"]
    return result


def user_item(
    world: World, profile: Profile, at: float, linked: tuple[str, ...], refresh_days: int | None
) -> dict:
    result = render.user_item(world, profile, at, linked)
    for entry in result["displayNames"]:
        if entry["platform"] == "linkedin":
            entry["refreshDaysRemaining"] = refresh_days
            entry["type"] = "corporate"
    return result
