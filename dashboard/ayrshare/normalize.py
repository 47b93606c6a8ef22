"""Turn raw Ayrshare JSON into the dashboard's unified records.

Pure functions: no Django models, no HTTP, no clock. Every documented response shape is accepted;
anything unexpected (an unknown platform, a new field, "12" where 12 was meant, null, garbage)
is coerced or becomes None, is kept in ``raw``, and is logged once. Nothing here raises on data.

The unified metrics, which fields feed them per platform, and the engagement formulas are
documented in docs/metrics.md; keep the two in step.
"""

import logging
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from dashboard.metrics import (
    METRICS,
    PLATFORM_METRICS,
    PLATFORM_VIDEO_METRICS,
    VIDEO_METRICS,
    with_engagement,
)

logger = logging.getLogger(__name__)


# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkRef:
    """One entry of a post's ``postIds``: where the Ayrshare post landed on one network."""

    platform: str
    social_id: str  # "" while the network has not assigned one yet (TikTok "pending")
    status: str
    url: str
    is_video: bool
    raw: dict


@dataclass(frozen=True)
class HistoryPost:
    """An Ayrshare post from GET /history or GET /history/{id}."""

    ayrshare_id: str
    text: str
    status: str
    post_type: str  # "immediate", "scheduled", or the API's own word lowercased
    schedule_date: datetime | None
    created_at: datetime | None
    notes: str
    platforms: list
    errors: list
    media_urls: list
    network_refs: tuple[NetworkRef, ...]
    raw: dict


@dataclass(frozen=True)
class NetworkPost:
    """A post as it lives on one network, with unified metrics (exactly the METRICS keys)."""

    platform: str
    social_id: str
    published_at: datetime | None
    text: str
    url: str
    media_type: str  # one of MEDIA_TYPES
    thumbnail_url: str
    metrics: dict
    last_updated: datetime | None
    next_update: datetime | None
    raw: dict | list  # a list only for an X/Twitter thread: one object per tweet
    error: str = ""  # the platform's error message when it answered with an error instead
    video: dict = field(default_factory=dict)  # VIDEO_METRICS; empty: none reported
    unmapped: tuple[str, ...] = ()  # fields of the answer this code does not read (yet)


@dataclass(frozen=True)
class AccountSnapshot:
    """Account-level numbers of one network, from POST /analytics/social."""

    platform: str
    followers: int | None
    following: int | None
    posts_count: int | None
    impressions: int | None
    reach: int | None
    views: int | None
    engagements: int | None
    last_updated: datetime | None
    next_update: datetime | None
    raw: dict
    # Where the network reports them (metrics.AUDIENCE_METRICS); None otherwise.
    followers_gained: int | None = None
    followers_lost: int | None = None
    organic_followers: int | None = None
    paid_followers: int | None = None
    watch_time: float | None = None  # seconds, over the network's reporting period


@dataclass(frozen=True)
class Link:
    """A shortened link and its clicks, from GET /links (or the older GET /analytics/links)."""

    link_id: str
    short_url: str
    original_url: str
    clicks: int | None
    created_at: datetime | None
    raw: dict
    clicks_by_platform: dict = field(default_factory=dict)  # {"facebook": 6, ...}


@dataclass(frozen=True)
class LinkedAccount:
    """One network linked to a profile, from GET /user's displayNames."""

    platform: str
    display_name: str
    username: str
    profile_url: str
    image_url: str
    linked_at: datetime | None
    # Days left before the network's authorization runs out (LinkedIn), None when not said.
    refresh_days_remaining: int | None
    raw: dict


@dataclass(frozen=True)
class UserDetails:
    """GET /user: the networks linked to a profile now, and each one's account."""

    title: str
    ref_id: str
    networks: tuple[str, ...] | None  # None: the answer did not say (not: none linked)
    accounts: tuple[LinkedAccount, ...]
    raw: dict


@dataclass(frozen=True)
class Playlist:
    """A YouTube playlist of the linked channel, from GET /analytics/youTubePlaylists."""

    playlist_id: str
    title: str
    item_count: int | None
    raw: dict


# --- value coercion --------------------------------------------------------------------------


def parse_time(value) -> datetime | None:
    """An aware UTC datetime from whatever Ayrshare sent, or None. Never raises.

    Accepts ISO 8601 strings (with or without Z/offset, any fraction; naive means UTC), the
    Firestore objects {"_seconds", "_nanoseconds", "utc"}, and epoch seconds (or milliseconds,
    when the number is too large to be seconds).
    """
    try:
        if isinstance(value, dict):
            if value.get("utc"):
                return parse_time(value["utc"])
            seconds = _number(value.get("_seconds"))
            if seconds is None:
                return None
            return _from_epoch(seconds + (_number(value.get("_nanoseconds")) or 0) / 1e9)
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return _from_epoch(value)
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            number = _number(text)
            if number is not None:
                return _from_epoch(number)
            parsed = datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
    except (ValueError, TypeError, OverflowError, OSError):
        return None
    return None


def _from_epoch(number: float) -> datetime | None:
    if not math.isfinite(number) or number < 0:
        return None
    if number > 1e11:  # 1e11 seconds is year 5138: this is milliseconds
        number /= 1000
    return datetime.fromtimestamp(number, tz=UTC)


def _number(value) -> float | None:
    """A finite float from a number or a numeric string ("1,204" included), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "").replace("_", ""))
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def count(value) -> int | None:
    """A non-negative integer count, or None when the value is missing or is not a count."""
    number = _number(value)
    if number is None or number < 0:
        return None
    return int(round(number))


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _str_id(value) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (str, int)):
        return str(value).strip()
    return ""


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _first(data: dict, *keys):
    """The first key's value that is present and not None/empty."""
    for key in keys:
        value = data.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _first_count(data: dict, *keys) -> int | None:
    for key in keys:
        value = data.get(key)
        number = count(value)
        if number is not None:
            return number
        if value is not None and value != "":
            # Kept in raw as it came; said once, so a changed type is noticed, not zeroed.
            _note_once(
                ("value", key, type(value).__name__),
                "Ayrshare: %r held %s, not a count; kept raw, not used",
                key,
                type(value).__name__,
                level=logging.WARNING,
            )
    return None


def _total(*values) -> int | None:
    """The sum of the reported values; None when none is reported."""
    reported = [value for value in values if value is not None]
    return sum(reported) if reported else None


def _either(value, fallback):
    return fallback if value is None else value


def _largest(*values) -> int | None:
    reported = [value for value in values if value is not None]
    return max(reported) if reported else None


# --- logging unknowns once -------------------------------------------------------------------

_reported: set[tuple] = set()


def _note_once(key: tuple, message: str, *args, level=logging.INFO) -> None:
    if key in _reported:
        return
    _reported.add(key)
    logger.log(level, message, *args)


def _check_platform(platform: str) -> bool:
    if platform in PLATFORM_METRICS:
        return True
    _note_once(
        ("platform", platform),
        "Ayrshare: unknown platform %r; kept raw, no metrics",
        platform,
        level=logging.WARNING,
    )
    return False


def _check_fields(scope: str, data: dict, known: frozenset) -> tuple[str, ...]:
    """The fields of `data` this code does not know, each logged once; they stay in raw."""
    unknown = tuple(sorted(name for name in data if name not in known))
    for name in unknown:
        _note_once((scope, name), "Ayrshare: unknown field %r in %s data; kept raw", name, scope)
    return unknown


# --- metrics per platform --------------------------------------------------------------------
# Each returns the unified interaction/reach counts from one flat object: a GET
# /history/{platform} item or the "analytics" object of POST /analytics/post (same names).


def _facebook(a: dict) -> dict:
    reactions = _dict(a.get("reactions"))
    views = _first_count(a, "videoViews", "totalVideoViews", "blueReelsPlayCount")
    return {
        # Meta replaced post impressions with "views" (mediaView) in 2025.
        "impressions": _first_count(a, "impressions", "mediaView"),
        # Meta removed the unique counts on 14 November 2025 (metrics.RETIRED).
        "reach": _first_count(a, "impressionsUnique", "reach"),
        "views": views,
        # likeCount when given; else the reactions total (like includes "care").
        "likes": _either(count(a.get("likeCount")), count(reactions.get("total"))),
        "comments": _first_count(a, "commentsCount", "comments"),
        "shares": _first_count(a, "sharesCount", "shares"),
        "clicks": _first_count(a, "clicks", "clicksUnique"),
        "watch_time": _ms(_first_count(a, "totalVideoViewTotalTime", "videoViewTime")),
        "avg_watch_time": _ms(_first_count(a, "totalVideoAvgTimeWatched")),
        "completion_rate": _share(count(a.get("totalVideoCompleteViews")), views),
    }


def _instagram(a: dict) -> dict:
    return {
        # Meta stopped reporting media impressions on 21 April 2025; viewsCount took over.
        "impressions": _first_count(a, "impressionsCount", "impressions"),
        "reach": _first_count(a, "reachCount", "reach"),
        "views": _first_count(a, "viewsCount", "playsCount", "videoViews", "views"),
        "likes": _first_count(a, "likeCount"),
        # A story has no comments; its replies are the nearest thing.
        "comments": _first_count(a, "commentsCount", "repliesCount"),
        "shares": _first_count(a, "sharesCount"),
        "saves": _first_count(a, "savedCount"),
        "watch_time": _ms(
            _first_count(a, "igReelsVideoViewTotalTimeCount", "igReelsVideoViewTotalTime")
        ),
        "avg_watch_time": _ms(_first_count(a, "igReelsAvgWatchTimeCount", "igReelsAvgWatchTime")),
    }


def _linkedin(a: dict) -> dict:
    reactions = _dict(a.get("reactions"))
    reaction_total = _total(*(count(value) for value in reactions.values()))
    views = _first_count(a, "videoViews")
    watch_time = _ms(_first_count(a, "videoWatchTimeMs", "timeWatched"))
    return {
        "impressions": _first_count(a, "impressionCount"),
        "reach": _first_count(a, "uniqueImpressionsCount"),
        "views": views,
        "likes": _either(_first_count(a, "likeCount"), reaction_total),
        "comments": _first_count(a, "commentCount", "commentsCount"),
        "shares": _first_count(a, "shareCount"),
        "clicks": _first_count(a, "clickCount"),
        "watch_time": watch_time,
        "avg_watch_time": _per(watch_time, views),
    }


def _pinterest(a: dict) -> dict:
    return {
        "impressions": _first_count(a, "impression", "impressions"),
        "views": _first_count(a, "videoMrcView", "videoViews"),
        "likes": _first_count(a, "totalReactions", "reactions"),
        "comments": _first_count(a, "totalComments", "comments"),
        "saves": _first_count(a, "save", "saves"),
        "clicks": _total(count(a.get("pinClick")), count(a.get("outboundClick"))),
        "avg_watch_time": _ms(_first_count(a, "videoAvgWatchTime")),
        # Pinterest counts views to 95 %, the nearest it has to "to the end".
        "completion_rate": _share(
            _first_count(a, "quartile95PercentView", "quartile95sPercentView"),
            _first_count(a, "videoStart"),
        ),
    }


def _tiktok(a: dict) -> dict:
    return {
        "reach": _first_count(a, "reach"),
        "views": _first_count(a, "videoViews"),
        # Before March 2025 Ayrshare sent likes/comments/shares.
        "likes": _first_count(a, "likeCount", "likes"),
        "comments": _first_count(a, "commentsCount", "commentCount", "comments"),
        "shares": _first_count(a, "shareCount", "sharesCount", "shares"),
        "watch_time": _seconds(a.get("totalTimeWatched")),
        "avg_watch_time": _seconds(a.get("averageTimeWatched")),
        "completion_rate": _fraction(a.get("fullVideoWatchedRate")),
    }


def _twitter(a: dict) -> dict:
    groups = [
        _dict(a.get(name)) for name in ("publicMetrics", "nonPublicMetrics", "organicMetrics")
    ]

    def best(key):
        # The groups count the same events (public = organic + promoted; non-public adds
        # impressions and clicks; only public survives past 30 days), so the largest report is
        # the most complete one.
        return _largest(*(count(group.get(key)) for group in groups))

    video = _twitter_video(a)
    return {
        "impressions": best("impressionCount"),
        "views": _twitter_views(a, video),
        "likes": best("likeCount"),
        "comments": best("replyCount"),
        "shares": _total(best("retweetCount"), best("quoteCount")),
        "saves": best("bookmarkCount"),
        "clicks": _total(best("urlLinkClicks"), best("userProfileClicks")),
        "completion_rate": _share(
            count(video.get("playback100Count")), count(video.get("playback0Count"))
        ),
    }


def _twitter_video(a: dict) -> dict:
    """The playback counters of a video tweet: the tweet's own, else its first video's.

    organicMetrics.video also carries viewCount; nonPublicMetrics.video only the playbacks.
    """
    sources = [_dict(a.get(name)) for name in ("organicMetrics", "nonPublicMetrics")]
    for m in _media(a):
        sources += [_dict(m.get("organicMetrics")), _dict(m.get("nonPublicMetrics"))]
    counters = {}
    for source in sources:
        for key, value in _dict(source.get("video", source)).items():
            if key.startswith("playback") or key == "viewCount":
                counters.setdefault(key, value)
    return counters


def _twitter_views(a: dict, video: dict) -> int | None:
    per_media = [count(_dict(m.get("publicMetrics")).get("viewCount")) for m in _media(a)]
    return _either(_total(*per_media), count(video.get("viewCount")))


def _youtube(a: dict) -> dict:
    minutes = _number(a.get("estimatedMinutesWatched"))
    return {
        "views": _first_count(a, "views", "viewCount"),
        "likes": _first_count(a, "likes", "likeCount"),
        "comments": _first_count(a, "comments", "commentCount"),
        "shares": _first_count(a, "shares"),
        "watch_time": None if minutes is None or minutes < 0 else minutes * 60,
        "avg_watch_time": _seconds(a.get("averageViewDuration")),
    }


def _bluesky(a: dict) -> dict:
    return {
        "likes": _first_count(a, "likeCount"),
        "comments": _first_count(a, "replyCount"),
        "shares": _total(count(a.get("repostCount")), count(a.get("quoteCount"))),
    }


def _threads(a: dict) -> dict:
    return {
        "views": _first_count(a, "views"),
        "likes": _first_count(a, "likes", "likeCount"),
        "comments": _first_count(a, "replies", "replyCount"),
        "shares": _total(count(a.get("reposts")), count(a.get("quotes")), count(a.get("shares"))),
    }


def _reddit(a: dict) -> dict:
    return {
        "views": _first_count(a, "viewCount"),
        "likes": _first_count(a, "ups", "score"),
        "comments": _first_count(a, "numComments"),
        "shares": _first_count(a, "numCrossposts"),
    }


def _snapchat(a: dict) -> dict:
    # Summed over the snaps of a story (see _summed).
    views = _first_count(a, "views")
    watch_time = _ms(_first_count(a, "viewTime"))
    return {
        "reach": _first_count(a, "viewers"),
        "views": views,
        "comments": _first_count(a, "replies"),
        "shares": _first_count(a, "shares"),
        "watch_time": watch_time,
        "avg_watch_time": _per(watch_time, views),
    }


def _nothing(a: dict) -> dict:
    return {}


EXTRACTORS = {
    "bluesky": _bluesky,
    "facebook": _facebook,
    "gmb": _nothing,
    "instagram": _instagram,
    "linkedin": _linkedin,
    "pinterest": _pinterest,
    "reddit": _reddit,
    "snapchat": _snapchat,
    "threads": _threads,
    "tiktok": _tiktok,
    "twitter": _twitter,
    "youtube": _youtube,
}


# Durations and shares: seconds as a float, rates as a fraction (0.25 is 25 %).


def _seconds(value) -> float | None:
    number = _number(value)
    return None if number is None or number < 0 else number


def _ms(milliseconds: int | None) -> float | None:
    return None if milliseconds is None else milliseconds / 1000


def _per(total: float | None, views: int | None) -> float | None:
    return round(total / views, 3) if total is not None and views else None


def _share(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole or part > whole:
        return None
    return round(part / whole, 6)


def _fraction(value) -> float | None:
    """A rate sent as 0.2213 or as 22.13 (percent), as a fraction; None when it is neither."""
    number = _number(value)
    if number is None or number < 0 or number > 100:
        return None
    return round(number / 100, 6) if number > 1 else number


def unified_metrics(platform: str, data: dict) -> dict:
    """Exactly the METRICS keys; engagements and the rate are derived the same way everywhere."""
    found = EXTRACTORS.get(platform, _nothing)(data) if isinstance(data, dict) else {}
    allowed = PLATFORM_METRICS.get(platform, ())
    metrics = {name: (found.get(name) if name in allowed else None) for name in METRICS}
    return with_engagement(metrics)


def video_metrics(platform: str, data: dict) -> dict:
    """Exactly the VIDEO_METRICS keys: None where the network or this post says nothing."""
    found = EXTRACTORS.get(platform, _nothing)(data) if isinstance(data, dict) else {}
    allowed = PLATFORM_VIDEO_METRICS.get(platform, ())
    return {name: (found.get(name) if name in allowed else None) for name in VIDEO_METRICS}


# --- media type ------------------------------------------------------------------------------


def _media(a: dict) -> list[dict]:
    return [m for m in _list(a.get("media")) if isinstance(m, dict)]


def _media_urls(a: dict) -> list:
    return _list(a.get("mediaUrls"))


def _kind(word) -> str:
    """Map one network's media word onto MEDIA_TYPES ("" when it says nothing we know)."""
    word = _text(word).lower()
    table = {
        "image": "image",
        "photo": "image",
        "picture": "image",
        "video": "video",
        "animated_gif": "video",
        "gif": "video",
        "carousel_album": "carousel",
        "carousel": "carousel",
        "album": "carousel",
        "multiple_images": "carousel",
        "multiple_videos": "carousel",
        "multiple_mixed": "carousel",
        "reels": "reel",
        "reel": "reel",
        "story": "story",
        "stories": "story",
        "link": "link",
        "share": "link",
        "text": "text",
        "status": "text",
    }
    return table.get(word, "")


def _facebook_media(a: dict) -> str:
    entries = [m for m in _media_urls(a) if isinstance(m, dict)]
    if any(m.get("type") == "story" for m in entries) or "/stories/" in _text(a.get("postUrl")):
        return "story"
    if "/reel/" in _text(a.get("postUrl")):
        return "reel"
    status = _text(a.get("statusType"))
    if status == "added_video":
        return "video"
    if status == "added_photos":
        return "carousel" if len(entries) > 1 else "image"
    for entry in entries:
        # The link example writes "mediaUrl": "link" where the others write "mediaType".
        kind = _kind(entry.get("mediaType")) or _kind(entry.get("mediaUrl"))
        if kind:
            return kind
    return _kind(a.get("mediaType")) or ("text" if _text(a.get("post")) else "")


def _instagram_media(a: dict) -> str:
    product = _text(a.get("mediaProductType")).upper()
    if product == "STORY":
        return "story"
    if product == "REELS":
        return "reel"
    return _kind(a.get("mediaType"))


def _linkedin_media(a: dict) -> str:
    ids = [_text(m.get("id")) for m in _media_urls(a) if isinstance(m, dict)]
    if any(":video:" in media_id for media_id in ids):
        return "video"
    images = [media_id for media_id in ids if ":image:" in media_id]
    if len(images) > 1:
        return "carousel"
    if ids:
        return "image"
    return "link" if _first(a, "article", "link") else "text"


def _twitter_media(a: dict) -> str:
    media = _media(a)
    if not media:
        groups = (_dict(a.get(name)) for name in ("organicMetrics", "nonPublicMetrics"))
        return "video" if any(_dict(g.get("video")) for g in groups) else "text"
    kinds = [_kind(m.get("type")) for m in media]
    if "video" in kinds:
        return "video"
    return "carousel" if len(media) > 1 else (kinds[0] or "image")


def _generic_media(a: dict) -> str:
    # Pinterest nests the pin's media: {"media": {"mediaType": "video", ...}}.
    kind = _kind(a.get("mediaType")) or _kind(_dict(a.get("media")).get("mediaType"))
    if kind:
        return kind
    entries = _media_urls(a)
    if len(entries) > 1:
        return "carousel"
    if entries:
        return "image"
    return "text" if _text(a.get("post")) else ""


def media_type(platform: str, data: dict) -> str:
    if not isinstance(data, dict):
        return ""
    if platform == "youtube":
        return "video"
    special = {
        "facebook": _facebook_media,
        "instagram": _instagram_media,
        "linkedin": _linkedin_media,
        "twitter": _twitter_media,
    }
    return special.get(platform, _generic_media)(data)


def _thumbnail(a: dict) -> str:
    direct = _first(a, "thumbnailUrl", "coverImageUrl", "fullPicture")
    if isinstance(direct, str):
        return direct
    for m in _media(a):
        if isinstance(m.get("previewImageUrl"), str):
            return m["previewImageUrl"]
    for entry in _media_urls(a):
        if isinstance(entry, dict):
            image = _dict(_dict(entry.get("media")).get("image")).get("src")
            url = image or entry.get("thumbnailUrl") or entry.get("mediaUrl")
            if isinstance(url, str) and url.startswith("http"):
                return url
    media_url = a.get("mediaUrl")
    return media_url if isinstance(media_url, str) else ""


# --- known fields ----------------------------------------------------------------------------

_COMMON = {
    "id",
    "post",
    "postUrl",
    "created",
    "lastUpdated",
    "nextUpdate",
    "mediaUrls",
    "mediaType",
    "mediaUrl",
    "thumbnailUrl",
    "status",
    "errors",
    "code",
    "message",
    "action",
}
_KNOWN = {
    "bluesky": _COMMON
    | {"cid", "indexedAt", "labels", "likeCount", "quoteCount", "replyCount", "repostCount"}
    | {"viewer", "embed", "author", "record", "uri"},
    "facebook": _COMMON
    | {"clicks", "clicksUnique", "commentsCount", "engagedUsers", "fullPicture", "isPopular"}
    | {"impressions", "impressionsUnique", "impressionsFanPaidUnique", "impressionsFanUnique"}
    | {"impressionsOrganicUnique", "impressionsPaidUnique", "impressionsPaid"}
    | {"impressionsOrganic", "impressionsViral", "impressionsFan", "likeCount", "likedBy"}
    | {"mediaId", "mediaView", "negativeFeedback", "negativeFeedbackUnique", "parentId"}
    | {"postId", "properties", "reactions", "reactionsByType", "sharesCount", "statusType"}
    | {"videoViewTime", "videoViews", "videoViewsUnique", "totalVideoViews", "reach"}
    | {"totalVideoAvgTimeWatched", "blueReelsPlayCount", "totalVideo10SViews"}
    | {"totalVideo15SViews", "totalVideoCompleteViews", "totalVideoViewTime"}
    | {"mediaViewIsFromAds", "totalVideoViewTotalTime"},
    "gmb": _COMMON | {"type", "callToAction", "topicType", "languageCode", "searchUrl"},
    "instagram": _COMMON
    | {"permalink", "commentsCount", "likeCount", "mediaProductType", "username", "isPopular"}
    | {"caption", "engagementCount", "followsCount", "playsCount", "profileActivityCount"}
    | {"profileVisitsCount", "reachCount", "savedCount", "sharesCount", "timestamp"}
    | {"viewsCount", "impressionsCount", "impressions", "reach", "videoViews", "views"}
    | {"igReelsAggregatedAllPlaysCount", "igReelsAvgWatchTimeCount", "clipsReplaysCount"}
    | {"igReelsVideoViewTotalTimeCount", "navigationCount", "repliesCount", "tapForwardCount"}
    | {"tapBackCount", "tapExitCount", "swipeForwardCount", "totalInteractionsCount"}
    | {"igReelsAvgWatchTime", "igReelsVideoViewTotalTime", "follows", "profileVisits"},
    "linkedin": _COMMON
    | {"clickCount", "commentCount", "engagement", "impressionCount", "lastModified"}
    | {"likeCount", "publishedAt", "reactions", "shareCount", "uniqueImpressionsCount"}
    | {"visibility", "comments", "commentsState", "likeBy", "likedByCurrentUser"}
    | {"totalFirstLevelComments", "videoViews", "viewers", "timeWatched", "videoViewers"}
    | {"timeWatchedForVideoViews", "videoWatchTimeMs", "article", "link"},
    "pinterest": _COMMON
    | {"altText", "boardId", "coverImageUrl", "dominantColor", "duration", "height", "link"}
    | {"note", "productTags", "title", "username", "width", "impression", "outboundClick"}
    | {"pinClick", "profileVisit", "save", "saveRate", "totalComments", "totalReactions"}
    | {"userFollow", "videoMrcView", "videoAvgWatchTime", "videoStart", "videoV50WatchTime"}
    | {"quartile95sPercentView", "quartile95PercentView", "outboundClickRate", "pinClickRate"}
    | {"createdAt", "description", "media"},
    "reddit": _COMMON
    | {"approved", "author", "downs", "numComments", "score", "subreddit", "title"}
    | {"totalAwardsReceived", "ups", "upvoteRatio", "viewCount", "numCrossposts", "url"},
    "snapchat": _COMMON | {"mediaId", "views", "viewers", "replies", "shares", "viewTime"},
    "threads": _COMMON
    | {"views", "likes", "replies", "reposts", "quotes", "shares", "permalink", "username"}
    | {"text", "timestamp", "shortcode", "isQuotePost"},
    "tiktok": _COMMON
    | {"audienceCities", "audienceCountries", "averageTimeWatched", "commentsCount", "embedUrl"}
    | {"engagementLikes", "fullVideoWatchedRate", "impressionSources", "likeCount"}
    | {"musicTitle", "musicUrl", "name", "reach", "shareUrl", "shareCount", "tags"}
    | {"thumbnailHeight", "thumbnailWidth", "totalTimeWatched", "url", "videoDuration"}
    | {"videoViewRetention", "videoViews", "newFollowers", "profileViews", "audienceGenders"}
    | {"audienceTypes", "title", "itemId", "likes", "comments", "shares", "caption"},
    "twitter": _COMMON
    | {"media", "nonPublicMetrics", "organicMetrics", "possiblySensitive", "publicMetrics"}
    | {"referencedTweets", "source", "text", "urls", "authorId", "createdAt", "name"}
    | {"editHistoryTweetIds", "username", "conversationId", "inReplyToUserId", "lang"},
    "youtube": _COMMON
    | {"description", "position", "privacyStatus", "title", "averageViewDuration"}
    | {"averageViewPercentage", "channelTitle", "comments", "dislikes", "engagedViews"}
    | {"estimatedMinutesWatched", "likes", "madeForKids", "publishedAt", "shares", "tags"}
    | {"subscribersGained", "subscribersLost", "videosAddedToPlaylists", "views"}
    | {"videosRemovedFromPlaylists", "annotationClickThroughRate", "cardClickRate"},
}
# Fields we know (used or deliberately ignored) per platform; others are logged once.
KNOWN_FIELDS = {platform: frozenset(fields) for platform, fields in _KNOWN.items()}

HISTORY_FIELDS = frozenset(
    {"id", "post", "status", "type", "platforms", "postIds", "errors", "urls", "notes"}
    | {"created", "createDate", "scheduleDate", "mediaUrls", "tier", "shortenLinks", "refId"}
    | {"profileTitle", "title", "approved", "approvedBy", "approvedDate", "requiresApproval"}
    | {"isVideo", "autoHashtag", "shortenLinks", "timeZone", "deleted"}
)
# Keys of an /analytics/post response that are not platforms.
ANALYTICS_ENVELOPE = frozenset({"status", "id", "errors", "code", "message", "action", "refId"})
ANALYTICS_ENTRY = frozenset(
    {"id", "postUrl", "analytics", "lastUpdated", "nextUpdate", "status", "code", "message"}
    | {"action", "platform", "errors"}
)


# --- GET /history, GET /history/{id} ---------------------------------------------------------


def history_post(item: dict) -> HistoryPost:
    """One Ayrshare post of GET /history (the "history" items) or GET /history/{id}."""
    item = _dict(item)
    _check_fields("history", item, HISTORY_FIELDS)
    return HistoryPost(
        ayrshare_id=_str_id(item.get("id")),
        text=_text(item.get("post")),
        status=_text(item.get("status")).lower(),
        post_type=_post_type(item.get("type")),
        schedule_date=parse_time(item.get("scheduleDate")),
        created_at=parse_time(item.get("created")) or parse_time(item.get("createDate")),
        notes=_text(item.get("notes")),
        platforms=[p.strip().lower() for p in _list(item.get("platforms")) if isinstance(p, str)],
        errors=[e for e in _list(item.get("errors")) if e not in (None, "")],
        media_urls=_url_list(item.get("mediaUrls")),
        network_refs=tuple(_network_ref(ref) for ref in _list(item.get("postIds")) if ref),
        raw=item,
    )


def history_posts(response) -> list[HistoryPost]:
    """All posts of a GET /history answer ({"history": [...]}) or a GET /history/{id} array."""
    items = response if isinstance(response, list) else _dict(response).get("history")
    return [history_post(item) for item in _list(items) if isinstance(item, dict)]


def _post_type(value) -> str:
    word = _text(value).lower()
    # The answer says "now" where the query parameter says "immediate"; we use the query's word.
    return "immediate" if word in ("now", "immediate") else word


def _url_list(value) -> list[str]:
    urls = []
    for entry in _list(value):
        url = entry if isinstance(entry, str) else _first(_dict(entry), "mediaUrl", "url")
        if isinstance(url, str) and url.strip():
            urls.append(url.strip())
    return urls


def _network_ref(ref) -> NetworkRef:
    ref = _dict(ref)
    social_id = _str_id(ref.get("id"))
    return NetworkRef(
        platform=_text(ref.get("platform")).lower(),
        # TikTok answers "pending" until the video is processed; that is not an id.
        social_id="" if social_id.lower() == "pending" else social_id,
        status=_text(ref.get("status")).lower(),
        url=_text(ref.get("postUrl")),
        is_video=ref.get("isVideo") is True,
        raw=ref,
    )


# --- GET /history/{platform} -----------------------------------------------------------------


def platform_post(platform: str, item: dict) -> NetworkPost:
    """One item of GET /history/{platform}: the post and its metrics, flat in one object."""
    platform = _text(platform).lower()
    item = _dict(item)
    unmapped = ()
    if _check_platform(platform):
        unmapped = _check_fields(platform, item, KNOWN_FIELDS[platform])
    return replace(_network_post(platform, item, item, item, raw=item), unmapped=unmapped)


def platform_posts(platform: str, response) -> list[NetworkPost]:
    """All items of a GET /history/{platform} answer; items inherit its lastUpdated/nextUpdate."""
    response = _dict(response)
    posts = []
    for item in _list(response.get("posts")):
        if not isinstance(item, dict):
            continue
        post = platform_post(platform, item)
        if post.last_updated is None and post.next_update is None:
            post = _replace_times(post, response)
        posts.append(post)
    return posts


def _replace_times(post: NetworkPost, source: dict) -> NetworkPost:
    return replace(
        post,
        last_updated=parse_time(source.get("lastUpdated")),
        next_update=parse_time(source.get("nextUpdate")),
    )


def _network_post(platform, entry: dict, data: dict, times: dict, raw, error="") -> NetworkPost:
    """Build from ``entry`` (ids, url), ``data`` (content and metrics), ``times`` (freshness)."""
    return NetworkPost(
        platform=platform,
        social_id=_str_id(entry.get("id")) or _str_id(data.get("id")),
        published_at=_published(data),
        text=_text(_first(data, "post", "text", "caption", "description", "title")),
        url=_text(_first(entry, "postUrl") or _first(data, "postUrl", "permalink", "shareUrl")),
        media_type=media_type(platform, data),
        thumbnail_url=_thumbnail(data),
        metrics=unified_metrics(platform, data),
        video=video_metrics(platform, data),
        last_updated=parse_time(times.get("lastUpdated") or data.get("lastUpdated")),
        next_update=parse_time(times.get("nextUpdate") or data.get("nextUpdate")),
        raw=raw,
        error=error,
    )


def _published(data: dict) -> datetime | None:
    for key in ("created", "publishedAt", "createdAt", "timestamp"):
        parsed = parse_time(data.get(key))
        if parsed:
            return parsed
    return None


# --- POST /analytics/post --------------------------------------------------------------------


def post_analytics(response: dict) -> list[NetworkPost]:
    """One NetworkPost per platform of POST /analytics/post (by Ayrshare id or by social id).

    An X/Twitter thread (a list, one object per tweet) becomes one NetworkPost: the first
    tweet's id, url and text, metrics summed over the tweets, every tweet kept in ``raw``.
    """
    posts = []
    for key, value in _dict(response).items():
        if key in ANALYTICS_ENVELOPE:
            continue
        platform = key.strip().lower()
        if isinstance(value, list):
            tweets = [_analytics_entry(platform, v) for v in value if isinstance(v, dict)]
            if tweets:
                posts.append(_thread(tweets, value))
        elif isinstance(value, dict):
            posts.append(_analytics_entry(platform, value))
        else:
            _note_once(
                ("analytics", key), "Ayrshare: unknown field %r in analytics data; ignored", key
            )
    return posts


def _analytics_entry(platform: str, entry: dict) -> NetworkPost:
    analytics = entry.get("analytics")
    # Snapchat answers one object per snap of a story: the story's numbers are their sums.
    analytics = _summed(analytics) if isinstance(analytics, list) else _dict(analytics)
    unmapped = ()
    if _check_platform(platform):
        _check_fields(f"{platform} analytics", entry, ANALYTICS_ENTRY)
        unmapped = _check_fields(platform, analytics, KNOWN_FIELDS[platform])
    error = ""
    if _text(entry.get("status")).lower() == "error":
        error = _text(entry.get("message")) or "error"
    post = _network_post(platform, entry, analytics, entry, raw=entry, error=error)
    return replace(post, unmapped=unmapped)


def _summed(items: list) -> dict:
    """One object from several of the same shape: counts added up, other values the first's."""
    objects = [item for item in items if isinstance(item, dict)]
    merged = {}
    for item in objects:
        for key, value in item.items():
            merged.setdefault(key, value)
    for key in merged:
        counts = [count(item.get(key)) for item in objects if key in item]
        if counts and None not in counts:
            merged[key] = sum(counts)
    return merged


def _thread(tweets: list[NetworkPost], raw: list) -> NetworkPost:
    summed = {
        name: _total(*(tweet.metrics.get(name) for tweet in tweets))
        for name in METRICS
        if name not in ("engagements", "engagement_rate")
    }
    updated = [t.last_updated for t in tweets if t.last_updated]
    upcoming = [t.next_update for t in tweets if t.next_update]
    return replace(
        tweets[0],
        metrics=with_engagement(summed),
        # As fresh as the stalest tweet; due again when the first tweet is.
        last_updated=min(updated) if updated else None,
        next_update=min(upcoming) if upcoming else None,
        raw=raw,
        error=next((t.error for t in tweets if t.error), ""),
        unmapped=tuple(sorted({name for t in tweets for name in t.unmapped})),
    )


def response_errors(response) -> list[dict]:
    """The per-platform errors of an answer: [{"platform", "code", "message"}, ...]."""
    errors = []
    for entry in _list(_dict(response).get("errors")):
        entry = _dict(entry)
        if entry:
            errors.append(
                {
                    "platform": _text(entry.get("platform")).lower(),
                    "code": entry.get("code"),
                    "message": _text(entry.get("message")),
                }
            )
    return errors


# --- POST /analytics/social ------------------------------------------------------------------

# field -> candidate keys in the platform's "analytics" object, first present wins.
_ACCOUNT_FIELDS = {
    "followers": ("followersCount", "followerCount", "fanCount", "subscriberCount", "followers"),
    "following": ("followsCount", "followingCount", "friendsCount"),
    "posts_count": (
        *("mediaCount", "videoCount", "videoCountTotal", "tweetCount", "pinCount", "postsCount"),
    ),
    # Facebook: page impressions were removed on 14 Nov 2025; its posts' impressions remain.
    "impressions": (
        *("impressions", "pageImpressions", "pagePostsImpressions", "impressionsCount"),
        *("impressionCount", "impression"),
    ),
    "reach": ("reach", "reachCount", "pageImpressionsUnique", "uniqueImpressionsCount"),
    "views": (
        *("views", "viewsCount", "pageMediaView", "viewCountTotal", "viewCount"),
        "pageVideoViews",
    ),
    "followers_gained": ("subscribersGained", "followersGained", "pageFanAdds"),
    "followers_lost": ("subscribersLost", "followersLost", "pageFanRemoves"),
}
# engagements: the first group the network reports anything of, summed.
_ACCOUNT_INTERACTIONS = {
    "facebook": (("pagePostEngagements",),),
    "instagram": (("totalInteractions",), ("likeCount", "commentsCount")),
    "linkedin": (("likeCount", "commentCount", "shareCount", "clickCount"),),
    "pinterest": (("engagement",),),
    "tiktok": (("likeCountTotal", "commentCountTotal", "shareCountTotal"),),
    "youtube": (("likes", "comments", "shares"),),
    "threads": (("likes", "replies", "reposts", "quotes"),),
    "gmb": (
        (
            "callClicks",
            "websiteClicks",
            "businessDirectionRequests",
            "businessBookings",
            "businessConversations",
        ),
    ),
}
_GMB_IMPRESSIONS = (
    "businessImpressionsDesktopMaps",
    "businessImpressionsDesktopSearch",
    "businessImpressionsMobileMaps",
    "businessImpressionsMobileSearch",
)


def social_analytics(response: dict) -> list[AccountSnapshot]:
    """One AccountSnapshot per platform of POST /analytics/social."""
    snapshots = []
    for key, value in _dict(response).items():
        if key in ANALYTICS_ENVELOPE or not isinstance(value, dict):
            continue
        platform = key.strip().lower()
        _check_platform(platform)
        snapshots.append(_account(platform, value))
    return snapshots


def _account(platform: str, entry: dict) -> AccountSnapshot:
    a = _dict(entry.get("analytics"))
    # LinkedIn's "followers" and "views" are objects (below, and page views by section).
    plain = {k: v for k, v in a.items() if not (platform == "linkedin" and isinstance(v, dict))}
    fields = {name: _first_count(plain, *keys) for name, keys in _ACCOUNT_FIELDS.items()}
    # LinkedIn nests its followers: {"organicFollowerCount", "paidFollowerCount"} (and once a
    # "totalFollowerCount").
    nested = _dict(a.get("followers"))
    organic = count(nested.get("organicFollowerCount"))
    paid = count(nested.get("paidFollowerCount"))
    if fields["followers"] is None:
        fields["followers"] = _either(
            count(nested.get("totalFollowerCount")), _total(organic, paid)
        )
    if platform == "gmb":
        fields["impressions"] = _total(*(count(a.get(k)) for k in _GMB_IMPRESSIONS))
    minutes = _number(a.get("estimatedMinutesWatched"))
    return AccountSnapshot(
        platform=platform,
        engagements=_account_engagements(platform, a),
        organic_followers=organic,
        paid_followers=paid,
        watch_time=None if minutes is None or minutes < 0 else minutes * 60,
        last_updated=parse_time(entry.get("lastUpdated")),
        next_update=parse_time(entry.get("nextUpdate")),
        raw=entry,
        **fields,
    )


def _account_engagements(platform: str, a: dict) -> int | None:
    for group in _ACCOUNT_INTERACTIONS.get(platform, ()):
        engagements = _total(*(count(a.get(k)) for k in group))
        if engagements is not None:
            return engagements
    return None


# --- GET /analytics/links, GET /analytics/youTubePlaylists -----------------------------------


def link_analytics(response) -> list[Link]:
    """Links of GET /links ({"analytics": [...]}), GET /links/{id} ({"analytics": {...}}) or
    GET /analytics/links (a bare list, or {"links": [...]})."""
    if isinstance(response, list):
        items = response
    else:
        items = _first(_dict(response), "analytics", "links", "data")
        items = [items] if isinstance(items, dict) else items
    return [_link(item) for item in _list(items) if isinstance(item, dict)]


def _link(item: dict) -> Link:
    short_url = _text(_first(item, "shortUrl", "shortLink", "short_url"))
    events = [e for e in _list(item.get("linkEventStats")) if isinstance(e, dict)]
    by_platform = _link_clicks_by_platform(item, events)
    clicks = _first_count(item, "totalClicks", "clickCount", "clicks")
    if clicks is None and "linkEventStats" in item:
        # The older shape counts clicks per event and platform, as strings; none is zero.
        clicks = sum(_clicks(e) or 0 for e in events)
    return Link(
        # The older shape has no id: the short link's last path segment names it.
        link_id=_str_id(item.get("id")) or short_url.rstrip("/").rsplit("/", 1)[-1],
        short_url=short_url,
        original_url=_text(_first(item, "originalUrl", "link", "url", "longUrl")),
        clicks=clicks,
        created_at=parse_time(_first(item, "created", "createdAt")),
        raw=item,
        clicks_by_platform=by_platform,
    )


def _clicks(event: dict) -> int | None:
    if _text(event.get("event")).upper() not in ("", "CLICK"):
        return None
    return count(event.get("count"))


def _link_clicks_by_platform(item: dict, events: list[dict]) -> dict:
    social = _dict(item.get("socialClicks"))
    if social:
        return {_text(k).lower(): n for k, v in social.items() if (n := count(v)) is not None}
    by_platform = {}
    for event in events:
        clicks = _clicks(event)
        if clicks is not None:
            name = _text(event.get("platform")).lower() or "other"
            by_platform[name] = by_platform.get(name, 0) + clicks
    return by_platform


def youtube_playlists(response) -> list[Playlist]:
    items = (
        response if isinstance(response, list) else _first(_dict(response), "playlists", "items")
    )
    return [_playlist(item) for item in _list(items) if isinstance(item, dict)]


def _playlist(item: dict) -> Playlist:
    snippet = _dict(item.get("snippet"))
    details = _dict(item.get("contentDetails"))
    return Playlist(
        playlist_id=_str_id(_first(item, "id", "playlistId")),
        title=_text(item.get("title") or snippet.get("title")),
        item_count=_either(count(item.get("itemCount")), count(details.get("itemCount"))),
        raw=item,
    )


# --- GET /user -------------------------------------------------------------------------------


def user_details(response) -> UserDetails:
    response = _dict(response)
    networks = None
    if isinstance(response.get("activeSocialAccounts"), list):
        names = (_text(n).lower() for n in response["activeSocialAccounts"])
        networks = tuple(dict.fromkeys(n for n in names if n))
    accounts = [_linked_account(item) for item in _list(response.get("displayNames"))]
    return UserDetails(
        title=_text(_first(response, "title", "displayTitle")),
        ref_id=_str_id(response.get("refId")),
        networks=networks,
        accounts=tuple(a for a in accounts if a is not None and a.platform),
        raw=response,
    )


def _linked_account(item) -> LinkedAccount | None:
    if not isinstance(item, dict):
        return None
    return LinkedAccount(
        platform=_text(item.get("platform")).lower(),
        display_name=_text(_first(item, "displayName", "pageName", "username")),
        username=_text(_first(item, "username", "handle")),
        profile_url=_text(item.get("profileUrl")),
        image_url=_text(_first(item, "userImage", "profileImageUrl")),
        linked_at=parse_time(item.get("created")),
        refresh_days_remaining=count(item.get("refreshDaysRemaining")),
        raw=item,
    )
