"""JSON shapes: the sandbox's world rendered the way Ayrshare answered in the "2024" era.

current.py turns these objects into today's shapes (the default); ``shapes="2024"`` serves them
as they are.

Shapes follow the documented examples in /work/shared/ayrshare-api/ (history items, the
per-platform items of /history/{platform} with exactly their keys) and, where the documents print
no response, the fixtures in tests/fixtures/ayrshare/ (analytics, profiles, links, playlists).
Numbers come from metrics.py evaluated at the resource's last update tick.
"""

import math

from . import content
from .clock import firestore_timestamp, iso
from .ids import base32_sortable, digits, draws, h64, token
from .metrics import TWITTER_PRIVATE_DAYS, Growth, account_counts
from .world import NetworkPost, Post, Profile, World

NAMES = {
    "bluesky": "Bluesky",
    "facebook": "Facebook",
    "gmb": "Google Business Profile",
    "instagram": "Instagram",
    "linkedin": "LinkedIn",
    "pinterest": "Pinterest",
    "reddit": "Reddit",
    "telegram": "Telegram",
    "threads": "Threads",
    "tiktok": "TikTok",
    "twitter": "X/Twitter",
    "youtube": "YouTube",
}

# Codes the networks answer a failed post with (161 from Ayrshare's error list; wording ours).
POST_ERRORS = [
    (161, "{name} authorization has expired. Please unlink and relink {name}."),
    (137, "{name} could not process the media: the video format is not supported."),
    (272, "Duplicate post. {name} does not allow the same content to be posted twice."),
    (138, "{name} rejected the post: the text is longer than the network allows."),
]

TIKTOK_IDLE_FIELDS = (
    "reach",
    "fullVideoWatchedRate",
    "totalTimeWatched",
    "averageTimeWatched",
    "impressionSources",
    "audienceCountries",
)
YOUTUBE_METRICS = (
    "averageViewDuration",
    "averageViewPercentage",
    "comments",
    "dislikes",
    "engagedViews",
    "estimatedMinutesWatched",
    "likes",
    "shares",
    "subscribersGained",
    "subscribersLost",
    "videosAddedToPlaylists",
    "videosRemovedFromPlaylists",
    "views",
)
# "Pinterest analytics data (impressions, user followers, and clicks) becomes available after
# 24-72 hours."
PINTEREST_DELAYED = (
    "impression",
    "outboundClick",
    "pinClick",
    "userFollow",
    "saveRate",
    "outboundClickRate",
    "pinClickRate",
)


def error_body(action: str, code: int, message: str) -> dict:
    return {"action": action, "status": "error", "code": code, "message": message}


def not_linked(action: str, platform: str) -> dict:
    name = NAMES.get(platform, platform)
    return {
        **error_body(
            action, 156, f"{name} is not linked. Please link {name} in the Social Accounts page."
        ),
        "platform": platform,
    }


# --- GET /history and /history/{id} --------------------------------------------------------------


def history_item(world: World, post: Post, at: float) -> dict:
    """One entry of GET /history, keys as in the documented example."""
    item = {
        "id": post.id,
        "post": post.text,
        "platforms": list(post.platforms),
        "postIds": _post_ids(world, post, at, with_urls=False),
        "errors": _post_errors(post, at),
        "urls": [],
        "type": post.type,
        "created": iso(post.created, millis=False),
        "status": post.status_at(at),
        "scheduleDate": firestore_timestamp(post.schedule, post.nanos),
    }
    if post.notes:
        item["notes"] = post.notes
    if post.media != "none":
        item["mediaUrls"] = _media_urls(post)
    return item


def history_item_by_id(world: World, post: Post, at: float) -> dict:
    """The single post of GET /history/{id} (adds tier, createDate, shortenLinks, postUrl)."""
    item = {
        "tier": "business",
        "status": post.status_at(at),
        "mediaUrls": _media_urls(post),
        "postIds": _post_ids(world, post, at, with_urls=True),
        "id": post.id,
        "errors": _post_errors(post, at),
        "platforms": list(post.platforms),
        "scheduleDate": firestore_timestamp(post.schedule, post.nanos),
        "createDate": firestore_timestamp(post.created, post.nanos),
        "created": iso(post.created, millis=False),
        "shortenLinks": "https://" in post.text,
        "post": post.text,
        "type": post.type,
    }
    if post.notes:
        item["notes"] = post.notes
    return item


def _post_ids(world: World, post: Post, at: float, with_urls: bool) -> list[dict]:
    entries = []
    for platform in post.platforms:
        if not post.sent_to(platform, at):
            continue
        network = world.network_post(post, platform)
        entry = {"status": "success", "id": network.social_id, "platform": platform}
        if with_urls:
            entry["postUrl"] = post_url(world, network)
        if platform == "facebook" and post.media == "video":
            entry["isVideo"] = True
        entries.append(entry)
    return entries


def _post_errors(post: Post, at: float) -> list[dict]:
    if post.hold or at < post.published:
        return []
    code, template = content.pick(POST_ERRORS, post.error_choice)
    return [
        {
            **error_body("post", code, template.format(name=NAMES[platform])),
            "platform": platform,
        }
        for platform in post.failed
    ]


def _media_urls(post: Post) -> list[str]:
    if post.media == "none":
        return []
    extension = "mp4" if post.media == "video" else "jpg"
    count = 3 if post.media == "carousel" else 1
    return [f"https://img.ayrshare.com/sandbox/{post.id}-{n}.{extension}" for n in range(count)]


# --- GET /history/{platform} ---------------------------------------------------------------------


def post_url(world: World, item: NetworkPost) -> str:
    username = world.profiles[item.profile].username
    sid = item.social_id
    platform = item.platform
    if platform == "facebook":
        if item.variant == "story":
            page = world.facebook_page_id(item.profile)
            return f"https://facebook.com/stories/{page}/{token(sid, width=11)}/?view_single=1"
        return f"https://www.facebook.com/{sid}"
    if platform == "instagram":
        return f"https://www.instagram.com/p/{_shortcode(sid)}/"
    if platform == "linkedin":
        return f"https://www.linkedin.com/feed/update/{sid}"
    if platform == "pinterest":
        return f"https://www.pinterest.com/pin/{sid}"
    if platform == "tiktok":
        return f"https://www.tiktok.com/@{username}/video/{sid}"
    if platform == "twitter":
        return f"https://twitter.com/{username}/status/{sid}"
    if platform == "youtube":
        return f"https://www.youtube.com/watch?v={sid}"
    return f"https://bsky.app/profile/{username}.bsky.social/post/{sid.rsplit('/', 1)[-1]}"


def _shortcode(sid: str) -> str:
    return token(sid, "shortcode", width=11)


def network_item(
    world: World,
    item: NetworkPost,
    at: float,
    last: float,
    nxt: float,
    position: int = 0,
    skip_analytics=False,
) -> dict:
    """One item of GET /history/{platform} as of tick ``at``, in the documented shape."""
    if skip_analytics and item.platform in ("facebook", "instagram"):
        return {"id": item.social_id}  # "Returns only the Social Post ID"
    counts = Growth(world.seed, item, world.profiles[item.profile].audience).counts(at)
    builder = _NETWORK_BUILDERS[item.platform]
    return builder(world, item, counts, at, last, nxt, position)


def _facebook(world, item, c, at, last, nxt, position):
    u = draws(world.seed, item.social_id, "facebook")
    if item.variant == "story":
        return _facebook_story(world, item, u)
    engaged = int((c["likes"] + c["comments"] + c["shares"] + c["clicks"]) * 0.8)
    reactions = _facebook_reactions(c)
    picture = (
        f"https://scontent.xx.fbcdn.net/v/t39.30808-6/{digits(item.social_id, length=15)}_n.jpg"
    )
    video = item.variant == "video"
    common_tail = {
        "negativeFeedback": c["negative"],
        "negativeFeedbackUnique": int(c["negative"] * 0.8),
        "nextUpdate": iso(nxt),
    }
    metrics_tail = {
        "reactions": reactions,
        "reactionsByType": sum(1 for name, value in reactions.items() if name != "total" and value),
        "videoViewTime": int(c["watch_seconds"] * 1000) if video else 0,  # milliseconds
        "videoViews": c["views"],
        "videoViewsUnique": int(c["views"] * 0.8),
    }
    if item.variant in ("link", "visitor"):
        return {
            "clicksUnique": c["clicks"],
            "created": iso(item.created, millis=False),
            "engagedUsers": engaged,
            "fullPicture": picture,
            "id": item.social_id,
            "impressionsUnique": c["reach"],
            "isPopular": c["reach"] > 5000,
            "lastUpdated": iso(last),
            "mediaUrls": [
                {
                    "mediaUrl": "link",
                    "url": f"https://www.{world.profiles[item.profile].username}.example/{item.serial}",
                }
            ],
            **common_tail,
            "post": item.text,
            "postUrl": post_url(world, item),
            **metrics_tail,
        }
    media = {"image": {"height": 412, "src": picture, "width": 720}}
    entry = {
        "media": media,
        "mediaType": "video" if video else "photo",
        "url": post_url(world, item),
    }
    if video:
        video_id = digits(item.social_id, "video", length=16)
        media["source"] = f"https://video.xx.fbcdn.net/v/t39.25447-2/{video_id}_n.mp4"
        entry["url"] = (
            f"https://www.facebook.com/{world.facebook_page_id(item.profile)}/videos/{video_id}"
        )
        entry["videoId"] = video_id
    seconds = int(Growth(world.seed, item, 1.0).duration)
    return {
        "clicksUnique": c["clicks"],
        "created": iso(item.created, millis=False),
        "commentsCount": c["comments"],
        "engagedUsers": engaged,
        "fullPicture": picture,
        "id": item.social_id,
        "impressionsUnique": c["reach"],
        "isPopular": c["reach"] > 5000,
        "lastUpdated": iso(last),
        "likeCount": c["likes"],
        "likedBy": [
            {"id": digits(item.social_id, "liker", n, length=16), "name": content.PEOPLE[n]}
            for n in range(min(3, c["likes"]))
        ],
        "mediaUrls": [entry],
        **common_tail,
        "parentId": _parent_id(item.social_id),
        "post": item.text,
        "postUrl": post_url(world, item),
        "properties": [{"name": "Length", "text": f"{seconds // 60:02d}:{seconds % 60:02d}"}]
        if video
        else [],
        **metrics_tail,
        "statusType": "added_video" if video else "added_photos",
    }


def _parent_id(sid: str) -> str:
    """The original post of a share (the documented example always carries one)."""
    return f"{digits(sid, 'parent-page', length=16)}_{digits(sid, 'parent', length=15)}"


def _facebook_story(world, item, u):
    media_id = item.social_id
    video = u[0] < 0.5
    return {
        "clicksUnique": 0,
        "commentsCount": 0,
        "created": iso(item.created),
        "engagedUsers": 0,
        "id": media_id,
        "impressionsFanPaidUnique": 0,
        "impressionsFanUnique": 0,
        "impressionsOrganicUnique": 0,
        "impressionsPaidUnique": 0,
        "impressionsUnique": 0,
        "likeCount": 0,
        "mediaId": media_id,
        "mediaType": "video" if video else "photo",
        "mediaUrls": [
            {
                "media": {
                    "image": {
                        "height": 720,
                        "src": f"https://scontent.xx.fbcdn.net/v/t15.5256-10/{media_id}",
                        "width": 405,
                    },
                    "source": f"https://video.xx.fbcdn.net/o1/v/t2/f2/m69/{media_id}",
                },
                "mediaType": "video" if video else "photo",
                "type": "story",
            }
        ],
        "negativeFeedback": 0,
        "negativeFeedbackUnique": 0,
        "post": "",
        "postId": digits(media_id, "story-post", length=16),
        "postUrl": post_url(world, item),
        "reactions": {},  # "Facebook Story analytics are not available"
        "reactionsByType": 0,
        "sharesCount": 0,
        "statusType": "published",
        "videoViewTime": 0,
        "videoViews": 0,
        "videoViewsUnique": 0,
    }


def _facebook_reactions(c) -> dict:
    return {
        "like": c["r0"] + c["r6"],  # "like" counts include "care"
        "love": c["r1"],
        "anger": c["r5"],
        "haha": c["r2"],
        "wow": c["r3"],
        "sorry": c["r4"],
        "total": c["likes"],
    }


def _instagram(world, item, c, at, last, nxt, position):
    username = world.profiles[item.profile].username
    url = post_url(world, item)
    base = f"https://scontent.cdninstagram.com/v/t51.2885-15/{digits(item.social_id, length=17)}"
    if item.variant == "carousel":
        return {
            "commentsCount": c["comments"],
            "created": iso(item.created, millis=False),
            "id": item.social_id,
            "isPopular": c["reach"] > 5000,
            "lastUpdated": iso(last),
            "likeCount": c["likes"],
            "mediaProductType": "FEED",
            "mediaType": "CAROUSEL_ALBUM",
            "mediaUrls": [
                {"mediaUrl": f"{base}_1_n.jpg", "id": digits(item.social_id, 1, length=17)},
                {
                    "mediaUrl": f"{base}_2_video_dashinit.mp4",
                    "thumbnailUrl": f"{base}_2_n.jpg",
                    "id": digits(item.social_id, 2, length=17),
                },
            ],
            "nextUpdate": iso(nxt),
            "post": item.text,
            "postUrl": url,
            "username": username,
        }
    reel = item.variant == "reel"
    result = {
        "mediaUrl": f"{base}_n.{'mp4' if reel else 'jpg'}",
        "permalink": url,
        "commentsCount": c["comments"],
        "created": iso(item.created, millis=False),
        "likeCount": c["likes"],
        "mediaProductType": "REELS" if reel else "FEED",
        "mediaType": "VIDEO" if reel else "IMAGE",
        "username": username,
        "id": item.social_id,
        "thumbnailUrl": f"{base}_thumb.jpg",
        "post": item.text,
        "postUrl": url,
    }
    if reel and draws(world.seed, item.social_id, "copyright")[0] < 0.1:
        del result["mediaUrl"]  # omitted when the reel's audio is flagged as copyrighted
    return result


def _linkedin_reactions(c, with_entertainment=False) -> dict:
    reactions = {
        "like": c["r0"] + c["r6"],
        "praise": c["r1"],
        "maybe": c["r5"],
        "empathy": c["r2"],
        "interest": c["r3"],
        "appreciation": c["r4"],
    }
    if with_entertainment:
        reactions["entertainment"] = 0
    return reactions


def _linkedin_engagement(c) -> float:
    if not c["impressions"]:
        return 0
    return (c["clicks"] + c["likes"] + c["comments"] + c["shares"]) / c["impressions"]


def _linkedin(world, item, c, at, last, nxt, position):
    created = iso(item.created, millis=False)
    result = {
        "clickCount": c["clicks"],
        "commentCount": c["comments"],
        "created": created,
        "engagement": _linkedin_engagement(c),
        "id": item.social_id,
        "impressionCount": c["impressions"],
        "lastModified": created,
        "likeCount": c["likes"],
        "post": item.text,
        "postUrl": post_url(world, item),
        "publishedAt": created,
        "reactions": _linkedin_reactions(c),
        "shareCount": c["shares"],
        "status": "PUBLISHED",
        "uniqueImpressionsCount": c["reach"],
        "visibility": "PUBLIC",
    }
    if item.variant != "media":
        return result
    kind = "video" if item.media == "video" else "image"
    media_ids = [f"urn:li:{kind}:C4E10AQ{token(item.social_id, n, width=12)}" for n in range(2)]
    result.update(
        {
            "comments": [
                f"urn:li:comment:(urn:li:activity:{digits(item.social_id, n, length=19)})"
                for n in range(min(2, c["comments"]))
            ],
            "commentsState": "OPEN",
            "likeBy": [
                f"urn:li:person:{token(item.social_id, 'liker', n, width=10)}"
                for n in range(min(2, c["likes"]))
            ],
            "likedByCurrentUser": False,
            "mediaUrls": [
                {"id": mid, "url": f"https://media.licdn.com/dms/image/{mid.rsplit(':', 1)[-1]}"}
                for mid in media_ids
            ],
            "totalFirstLevelComments": c["comments"],
        }
    )
    return result


def _pinterest(world, item, c, at, last, nxt, position):
    u = draws(world.seed, item.social_id, "pin")
    username = world.profiles[item.profile].username
    image = f"https://i.pinimg.com/originals/{token(item.social_id, 'img', width=10).lower()}.jpg"
    color = f"#{h64(item.social_id, 'color') % 0xFFFFFF:06x}"
    common = {"altText": "", "created": iso(item.created, millis=False), "dominantColor": color}
    if item.variant == "mixed":
        return {
            **common,
            "id": item.social_id,
            "link": "",
            "mediaType": "multiple_mixed",
            "mediaUrls": [
                {"mediaType": "image", "height": 589, "width": 332, "mediaUrl": image},
                {
                    "mediaType": "image",
                    "height": 442,
                    "width": 249,
                    "mediaUrl": image.replace(".jpg", "-2.jpg"),
                },
                {
                    "mediaType": "video",
                    "duration": int(Growth(world.seed, item, 1.0).duration * 1000),
                    "height": 1280,
                    "width": 720,
                    "mediaUrl": image.replace("originals", "videos/thumbnails/originals"),
                },
            ],
            "post": item.text,
            "postUrl": post_url(world, item),
            "username": username,
        }
    height, width = (1062, 1856) if u[0] < 0.5 else (600, 600)
    if item.variant == "video":
        return {
            **common,
            "boardId": digits(world.seed, item.profile, "board", length=18),
            "coverImageUrl": image,
            "duration": int(Growth(world.seed, item, 1.0).duration * 1000),
            "height": height,
            "id": item.social_id,
            "link": "",
            "mediaType": "video",
            "mediaUrl": image,
            "note": content.pick(["What a great post", "", "Pinned from our shop"], u[1]),
            "post": item.text,
            "postUrl": post_url(world, item),
            "productTags": [],
            "title": item.text[:40],
            "username": username,
            "width": width,
        }
    return {
        **common,
        "height": height,
        "id": item.social_id,
        "link": "",
        "mediaType": "image",
        "mediaUrl": image,
        "post": item.text,
        "postUrl": post_url(world, item),
        "username": username,
        "width": width,
    }


def _tiktok_breakdowns(seed, sid) -> dict:
    u = draws(seed, sid, "tiktok")
    us = round(0.6 + 0.35 * u[0], 4)
    gb = round((1 - us) * 0.6, 4)
    for_you = round(0.7 + 0.25 * u[1], 4)
    return {
        "audienceCountries": [
            {"country": "US", "percentage": us},
            {"country": "GB", "percentage": gb},
            {"country": "CA", "percentage": round(1 - us - gb, 4)},
        ],
        "impressionSources": [
            {"impression_source": "For You", "percentage": for_you},
            {"impression_source": "Personal Profile", "percentage": round((1 - for_you) * 0.7, 4)},
            {"impression_source": "Follow", "percentage": round((1 - for_you) * 0.3, 4)},
        ],
    }


def _tiktok_rates(growth: Growth, c) -> dict:
    views = c["views"]
    watched = c["watch_seconds"]
    return {
        "averageTimeWatched": round(watched / views, 4) if views else 0,
        "fullVideoWatchedRate": round(0.02 + 0.3 * (growth.delay_u), 4),
        "totalTimeWatched": watched,
        "videoDuration": round(growth.duration, 3),
    }


def _tiktok(world, item, c, at, last, nxt, position):
    growth = Growth(world.seed, item, world.profiles[item.profile].audience)
    username = world.profiles[item.profile].username
    url = post_url(world, item)
    breakdowns = _tiktok_breakdowns(world.seed, item.social_id)
    rates = _tiktok_rates(growth, c)
    result = {
        "audienceCities": [
            {"city_name": "US Queens", "percentage": 6.3},
            {"city_name": "US Teton County", "percentage": 3.1},
        ],
        "audienceCountries": breakdowns["audienceCountries"],
        "averageTimeWatched": rates["averageTimeWatched"],
        "commentsCount": c["comments"],
        "created": iso(item.created, millis=False),
        "embedUrl": f"https://www.tiktok.com/static/profile-video?id={item.social_id}&",
        "engagementLikes": [{"percentage": 0, "second": "5"}, {"percentage": 0, "second": "10"}],
        "fullVideoWatchedRate": rates["fullVideoWatchedRate"],
        "id": item.social_id,
        "impressionSources": breakdowns["impressionSources"],
        "likeCount": c["likes"],
        "mediaType": "video",
        "musicTitle": f"♬ original sound - {world.profiles[item.profile].title}",
        "musicUrl": "https://www.tiktok.com/music/original-sound",
        "name": world.profiles[item.profile].title,
        "post": item.text,
        "postUrl": url,
        "reach": c["reach"],
        "shareUrl": url,
        "shareCount": c["shares"],
        "tags": [],
        "thumbnailHeight": 1024,
        "thumbnailUrl": f"https://p16-sign.tiktokcdn-us.com/obj/{token(item.social_id, width=20)}",
        "thumbnailWidth": 576,
        "totalTimeWatched": rates["totalTimeWatched"],
        "url": f"https://www.tiktok.com/@{username}",
        "videoDuration": rates["videoDuration"],
        "videoViewRetention": [
            {"percentage": 0.1, "second": "5"},
            {"percentage": 0.07, "second": "10"},
        ],
        "videoViews": c["views"],
    }
    if growth.tiktok_idle(at):
        for field in TIKTOK_IDLE_FIELDS:
            del result[field]
    return result


def _twitter_private(world, item, at):
    """Non-public and organic metrics stop at 30 days ("only available for the last 30 days")."""
    growth = Growth(world.seed, item, world.profiles[item.profile].audience)
    return growth.counts(min(at, item.created + TWITTER_PRIVATE_DAYS))


def _twitter_urls(text: str) -> list[dict]:
    start = text.find("https://")
    if start < 0:
        return []
    url = text[start:].split()[0]
    short = f"https://t.co/{token(url, width=10)}"
    return [
        {
            "start": start,
            "end": start + len(url),
            "url": short,
            "expandedUrl": url,
            "displayUrl": url.removeprefix("https://"),
        }
    ]


def _twitter(world, item, c, at, last, nxt, position):
    private = _twitter_private(world, item, at)
    media_key = f"7_{digits(item.social_id, 'media', length=19)}"
    thumb = token(media_key, width=16)
    preview = f"https://pbs.twimg.com/ext_tw_video_thumb/{media_key[2:]}/pu/img/{thumb}.jpg"
    non_public = {
        "impressionCount": private["impressions"],
        "userProfileClicks": private["profile_clicks"],
    }
    organic = {
        "userProfileClicks": private["profile_clicks"],
        "impressionCount": private["impressions"],
        "replyCount": private["comments"],
        "retweetCount": private["shares"],
        "likeCount": private["likes"],
    }
    if item.variant != "video":
        media = []
        if item.media in ("image", "carousel"):
            media = [
                {
                    "mediaKey": media_key.replace("7_", "3_"),
                    "previewImageUrl": preview,
                    "type": "photo",
                }
            ]
        return {
            "created": iso(item.created),
            "id": item.social_id,
            "media": media,
            "nonPublicMetrics": non_public,
            "organicMetrics": organic,
            "possiblySensitive": False,
            "post": item.text,
            "postUrl": post_url(world, item),
            "publicMetrics": {
                "retweetCount": c["shares"],
                "replyCount": c["comments"],
                "likeCount": c["likes"],
                "quoteCount": c["quotes"],
            },
            "referencedTweets": [],
            "source": "Twitter Web App" if item.outside else "Ayrshare",
            "text": item.text,
            "urls": _twitter_urls(item.text),
        }
    views = c["views"]
    playback = twitter_playback(views)
    duration_ms = int(Growth(world.seed, item, 1.0).duration * 1000)
    return {
        "authorId": digits(world.seed, item.profile, "twitter-user", length=16),
        "created": iso(item.created),
        "createdAt": iso(item.created),
        "editHistoryTweetIds": [item.social_id],
        "id": item.social_id,
        "media": [
            {
                "nonPublicMetrics": playback,
                "publicMetrics": {"viewCount": views},
                "durationMs": duration_ms,
                "organicMetrics": {**playback, "viewCount": views},
                "mediaKey": media_key,
                "previewImageUrl": preview,
                "width": 1920,
                "type": "video",
                "height": 1080,
                "mediaUrls": [
                    {
                        "bitRate": 832000,
                        "contentType": "video/mp4",
                        "mediaUrl": f"https://video.twimg.com/ext_tw_video/{media_key[2:]}/pu/vid/640x360/v.mp4",
                    },
                    {
                        "contentType": "application/x-mpegURL",
                        "mediaUrl": f"https://video.twimg.com/ext_tw_video/{media_key[2:]}/pu/pl/v.m3u8",
                    },
                ],
            }
        ],
        "nonPublicMetrics": non_public,
        "organicMetrics": organic,
        "possiblySensitive": False,
        "post": item.text,
        "postUrl": post_url(world, item),
        "publicMetrics": {
            "retweetCount": c["shares"],
            "replyCount": c["comments"],
            "likeCount": c["likes"],
            "quoteCount": c["quotes"],
            "bookmarkCount": c["bookmarks"],
            "impressionCount": c["impressions"],
        },
        "urls": _twitter_urls(item.text),
    }


def twitter_playback(views: int) -> dict:
    """How many viewers reached 0, 25, 50, 75 and 100% of a video: never more at a later point."""
    return {
        "playback0Count": views,
        "playback25Count": int(views * 0.5),
        "playback50Count": int(views * 0.3),
        "playback75Count": int(views * 0.15),
        "playback100Count": int(views * 0.08),
    }


def _youtube_title(item: NetworkPost) -> str:
    return (item.text[:60] or "Untitled video").strip()


def _youtube(world, item, c, at, last, nxt, position):
    privacy = "unlisted" if draws(world.seed, item.social_id, "privacy")[0] < 0.15 else "public"
    return {
        "created": iso(item.created, millis=False),
        "description": item.text,
        "id": item.social_id,
        "position": position,
        "post": item.text,
        "postUrl": post_url(world, item),
        "privacyStatus": privacy,
        "thumbnailUrl": f"https://i.ytimg.com/vi/{item.social_id}/default.jpg",
        "title": _youtube_title(item),
    }


def _bluesky_cid(sid: str) -> str:
    value = sum(h64(sid, "cid", n) << (64 * n) for n in range(4))
    return "bafyrei" + base32_sortable(value, 52)


def _bluesky(world, item, c, at, last, nxt, position):
    return {
        "cid": _bluesky_cid(item.social_id),
        "created": iso(item.created),
        "id": item.social_id,
        "indexedAt": iso(item.created + 0.2),
        "labels": [],
        "likeCount": c["likes"],
        "post": item.text,
        "postUrl": post_url(world, item),
        "quoteCount": c["quotes"],
        "replyCount": c["comments"],
        "repostCount": c["shares"],
        "viewer": {"threadMuted": False, "embeddingDisabled": False},
    }


_NETWORK_BUILDERS = {
    "bluesky": _bluesky,
    "facebook": _facebook,
    "instagram": _instagram,
    "linkedin": _linkedin,
    "pinterest": _pinterest,
    "tiktok": _tiktok,
    "twitter": _twitter,
    "youtube": _youtube,
}


# --- POST /analytics/post ------------------------------------------------------------------------


def post_analytics(world: World, item: NetworkPost, at: float, last: float, nxt: float) -> dict:
    """One platform's object of /analytics/post: id, postUrl, analytics, lastUpdated, nextUpdate."""
    growth = Growth(world.seed, item, world.profiles[item.profile].audience)
    counts = growth.counts(at)
    analytics = _ANALYTICS_BUILDERS[item.platform](world, item, growth, counts, at)
    return {
        "id": item.social_id,
        "postUrl": post_url(world, item),
        "analytics": analytics,
        "lastUpdated": iso(last),
        "nextUpdate": iso(nxt),
    }


def _a_bluesky(world, item, growth, c, at):
    result = _bluesky(world, item, c, at, 0, 0, 0)
    return {
        key: result[key]
        for key in (
            "cid",
            "created",
            "indexedAt",
            "labels",
            "likeCount",
            "quoteCount",
            "replyCount",
            "repostCount",
            "viewer",
        )
    }


def _a_facebook(world, item, growth, c, at):
    video = item.media == "video"
    return {
        "blueReelsPlayCount": 0,
        "clicksUnique": c["clicks"],
        "commentsCount": c["comments"],
        "engagedUsers": int((c["likes"] + c["comments"] + c["shares"] + c["clicks"]) * 0.8),
        "impressionsFanPaidUnique": 0,
        "impressionsFanUnique": int(c["reach"] * 0.37),
        "impressionsOrganicUnique": c["reach"],
        "impressionsPaidUnique": 0,
        "impressionsUnique": c["reach"],
        "likeCount": c["likes"],
        "mediaView": c["impressions"],
        "negativeFeedback": c["negative"],
        "negativeFeedbackUnique": int(c["negative"] * 0.8),
        "reactions": _facebook_reactions(c),
        "sharesCount": c["shares"],
        "statusType": "added_video"
        if video
        else "added_photos"
        if item.media != "none"
        else "mobile_status_update",
        "totalVideoAvgTimeWatched": int(c["watch_seconds"] / c["views"] * 1000)
        if c["views"]
        else 0,
        "totalVideoViews": c["views"],
        "videoViews": c["views"],
        "videoViewsUnique": int(c["views"] * 0.8),
    }


def _a_instagram(world, item, growth, c, at):
    base = _instagram(world, item, c, at, 0, 0, 0)
    reel = item.variant == "reel"
    result = {
        "caption": item.text,
        "commentsCount": c["comments"],
        "engagementCount": c["likes"] + c["comments"] + c["saves"] + c["shares"],
        "followsCount": c["follows"],
        "likeCount": c["likes"],
        "mediaProductType": "REELS" if reel else "FEED",
        "mediaType": {"reel": "VIDEO", "carousel": "CAROUSEL_ALBUM"}.get(item.variant, "IMAGE"),
        "mediaUrl": base.get("mediaUrl", base.get("mediaUrls", [{}])[0].get("mediaUrl")),
        "permalink": post_url(world, item),
        "profileActivityCount": int(c["profile_clicks"] * 0.5),
        "profileVisitsCount": c["profile_clicks"],
        "reachCount": c["reach"],
        "savedCount": c["saves"],
        "sharesCount": c["shares"],
        "thumbnailUrl": base.get("thumbnailUrl", ""),
        "timestamp": iso(item.created, millis=False).replace("Z", "+0000"),
        "username": world.profiles[item.profile].username,
        "viewsCount": c["views"] or c["impressions"],
    }
    if reel:
        result.update(
            {
                "playsCount": c["views"],
                "igReelsAggregatedAllPlaysCount": int(c["views"] * 1.05),
                "igReelsAvgWatchTimeCount": int(c["watch_seconds"] / c["views"] * 1000)
                if c["views"]
                else 0,
                "igReelsVideoViewTotalTimeCount": c["watch_seconds"] * 1000,
                "clipsReplaysCount": int(c["views"] * 0.05),
            }
        )
    return result


def _a_linkedin(world, item, growth, c, at):
    video = item.media == "video"
    return {
        "clickCount": c["clicks"],
        "commentCount": c["comments"],
        "engagement": round(_linkedin_engagement(c), 4),
        "impressionCount": c["impressions"],
        "likeCount": c["likes"],
        "reactions": _linkedin_reactions(c, with_entertainment=True),
        "shareCount": c["shares"],
        "uniqueImpressionsCount": c["reach"],
        "videoViews": c["views"] if video else 0,
        "viewers": int(c["views"] * 0.8) if video else 0,
        # LinkedIn's video watch times are milliseconds.
        "timeWatched": int(c["watch_seconds"] * 1000) if video else 0,
        "timeWatchedForVideoViews": int(c["watch_seconds"] * 1000) if video else 0,
    }


def _a_pinterest(world, item, growth, c, at):
    video = item.media == "video"
    impressions = c["impressions"]
    result = {
        "impression": impressions,
        "outboundClick": int(c["clicks"] * 0.25),
        "pinClick": c["clicks"],
        "profileVisit": c["profile_clicks"],
        "save": c["saves"],
        "saveRate": round(c["saves"] / impressions, 4) if impressions else 0,
        "totalComments": c["comments"],
        "totalReactions": c["likes"],
        "userFollow": c["follows"],
        "videoMrcView": c["views"] if video else 0,
        "videoAvgWatchTime": int(c["watch_seconds"] / c["views"] * 1000)
        if video and c["views"]
        else 0,
        "videoStart": int(c["views"] * 1.2) if video else 0,
        "videoV50WatchTime": int(c["views"] * 0.5) if video else 0,
        "quartile95sPercentView": int(c["views"] * 0.1) if video else 0,
        "outboundClickRate": round(c["clicks"] * 0.25 / impressions, 4) if impressions else 0,
        "pinClickRate": round(c["clicks"] / impressions, 4) if impressions else 0,
    }
    if at - item.created < growth.analytics_delay():
        for field in PINTEREST_DELAYED:
            del result[field]
    return result


def _a_tiktok(world, item, growth, c, at):
    # The 2024 names: likes, comments, shares (Ayrshare renamed them on 2025-03-07, current.py).
    rates = _tiktok_rates(growth, c)
    result = {
        "averageTimeWatched": rates["averageTimeWatched"],
        "comments": c["comments"],
        "created": iso(item.created, millis=False),
        "fullVideoWatchedRate": rates["fullVideoWatchedRate"],
        **_tiktok_breakdowns(world.seed, item.social_id),
        "likes": c["likes"],
        "mediaType": "video",
        "newFollowers": c["follows"],
        "profileViews": c["profile_clicks"],
        "reach": c["reach"],
        "shares": c["shares"],
        "totalTimeWatched": rates["totalTimeWatched"],
        "videoDuration": rates["videoDuration"],
        "videoViews": c["views"],
    }
    if growth.tiktok_idle(at):
        for field in TIKTOK_IDLE_FIELDS:
            del result[field]
    return result


def _a_twitter(world, item, growth, c, at):
    private = _twitter_private(world, item, at)
    profile = world.profiles[item.profile]
    link_clicks = private["clicks"] if "https://" in item.text else 0
    return {
        "created": iso(item.created),
        "id": item.social_id,
        "name": profile.title,
        "post": item.text,
        "publicMetrics": {
            "retweetCount": c["shares"],
            "replyCount": c["comments"],
            "likeCount": c["likes"],
            "quoteCount": c["quotes"],
            "bookmarkCount": c["bookmarks"],
            "impressionCount": c["impressions"],
        },
        "nonPublicMetrics": {
            "impressionCount": private["impressions"],
            "urlLinkClicks": link_clicks,
            "userProfileClicks": private["profile_clicks"],
            "engagements": private["likes"] + private["comments"] + private["shares"] + link_clicks,
        },
        "organicMetrics": {
            "impressionCount": private["impressions"],
            "likeCount": private["likes"],
            "replyCount": private["comments"],
            "retweetCount": private["shares"],
            "urlLinkClicks": link_clicks,
            "userProfileClicks": private["profile_clicks"],
        },
        "username": profile.username,
    }


def _a_youtube(world, item, growth, c, at):
    profile = world.profiles[item.profile]
    views = c["views"]
    average = int(c["watch_seconds"] / views) if views else 0
    result = {
        "averageViewDuration": average,
        "averageViewPercentage": round(100 * average / growth.duration, 1),
        "channelTitle": profile.title,
        "comments": c["comments"],
        "description": item.text,
        "dislikes": int(c["likes"] * 0.02),
        "engagedViews": int(views * 0.8),
        "estimatedMinutesWatched": c["watch_seconds"] // 60,
        "likes": c["likes"],
        "madeForKids": False,
        "privacyStatus": _youtube(world, item, c, at, 0, 0, 0)["privacyStatus"],
        "publishedAt": iso(item.created, millis=False),
        "shares": c["shares"],
        "subscribersGained": c["follows"],
        "subscribersLost": int(c["follows"] * 0.1),
        "tags": [],
        "thumbnailUrl": f"https://i.ytimg.com/vi/{item.social_id}/hqdefault.jpg",
        "title": _youtube_title(item),
        "videosAddedToPlaylists": int(c["saves"] * 0.1),
        "videosRemovedFromPlaylists": 0,
        "views": views,
    }
    if at - item.created < growth.analytics_delay():
        for field in YOUTUBE_METRICS:
            del result[field]  # "YouTube can take 24-48 hours to process analytics"
    return result


_ANALYTICS_BUILDERS = {
    "bluesky": _a_bluesky,
    "facebook": _a_facebook,
    "instagram": _a_instagram,
    "linkedin": _a_linkedin,
    "pinterest": _a_pinterest,
    "tiktok": _a_tiktok,
    "twitter": _a_twitter,
    "youtube": _a_youtube,
}


# --- POST /analytics/social ----------------------------------------------------------------------


def social_analytics(
    world: World, profile: Profile, platform: str, at: float, last: float, nxt: float
) -> dict:
    a = account_counts(world.seed, profile.index, platform, profile.audience, at)
    name, username = profile.title, profile.username
    media_count = account_media_count(world, profile, platform, at)
    builders = {
        "facebook": lambda: {
            "fanCount": int(a["followers"] * 0.94),
            "followersCount": a["followers"],
            "pageImpressions": a["impressions"],
            "pageImpressionsUnique": a["reach"],
            "pageMediaView": a["views"],
            "pagePostEngagements": a["engagements"],
            "pageVideoViews": int(a["views"] * 0.08),
            "pageFollows": a["followers"],
            "name": name,
            "username": username,
        },
        "instagram": lambda: {
            "followersCount": a["followers"],
            "followsCount": a["following"],
            "mediaCount": media_count,
            "reach": a["reach"],
            "views": a["views"],
            "impressions": a["views"],
            "profileViews": a["profile_views"],
            "accountsEngaged": int(a["engagements"] * 0.4),
            "totalInteractions": a["engagements"],
            "name": name,
            "username": username,
        },
        "linkedin": lambda: {
            "followers": {
                "totalFollowerCount": a["followers"],
                "organicFollowerCount": int(a["followers"] * 0.99),
                "paidFollowerCount": a["followers"] - int(a["followers"] * 0.99),
            },
            "impressionCount": a["impressions"],
            "uniqueImpressionsCount": a["reach"],
            "clickCount": a["clicks"],
            "likeCount": a["likes"],
            "commentCount": a["comments"],
            "shareCount": a["shares"],
            "engagement": round(a["engagements"] / a["impressions"], 4) if a["impressions"] else 0,
            "name": name,
        },
        "pinterest": lambda: {
            "followerCount": a["followers"],
            "followingCount": a["following"],
            "pinCount": media_count,
            "boardCount": 3 + media_count // 40,
            "monthlyViews": a["impressions"],
            "impression": a["impressions"],
            "engagement": a["engagements"],
            "pinClick": a["clicks"],
            "outboundClick": int(a["clicks"] * 0.25),
            "save": int(a["engagements"] * 0.2),
            "username": username,
        },
        "tiktok": lambda: {
            "followerCount": a["followers"],
            "followingCount": a["following"],
            "videoCount": media_count,
            "likeCountTotal": a["likes"] * 10,
            "commentCountTotal": a["comments"] * 10,
            "shareCountTotal": a["shares"] * 10,
            "viewCountTotal": a["views"] * 10,
            "profileViews": a["profile_views"],
            "displayName": name,
            "username": username,
        },
        "twitter": lambda: {
            "followersCount": a["followers"],
            "friendsCount": a["following"],
            "tweetCount": media_count,
            "likeCount": a["likes"],
            "listedCount": a["followers"] // 150,
            "name": name,
            "username": username,
        },
        "youtube": lambda: {
            "subscriberCount": a["followers"],
            "videoCount": media_count,
            "viewCount": a["views"] * 20,
            "views": a["views"],
            "likes": a["likes"],
            "comments": a["comments"],
            "shares": a["shares"],
            "subscribersGained": a["gained"],
            "subscribersLost": a["lost"],
            "estimatedMinutesWatched": a["views"] * 2,
            "title": name,
        },
        # Only answered once linked at run time (no profile starts with these networks).
        "gmb": lambda: _gmb_account(a),
        "reddit": lambda: _reddit_account(a, username),
    }
    return {"analytics": builders[platform](), "lastUpdated": iso(last), "nextUpdate": iso(nxt)}


def account_media_count(world: World, profile: Profile, platform: str, at: float) -> int:
    """Rough post counts keep the account numbers in step with the posts the sandbox serves."""
    posts = world.last_index_at_or_before(profile.index, at) + 1
    return (
        posts // max(1, len(profile.platforms))
        + world.outside_last_index(profile.index, platform, at)
        + 1
    )


def _gmb_account(a: dict) -> dict:
    searches = _split(a["impressions"], (0.08, 0.14, 0.31, 0.47))
    return {
        "businessBookings": 0,
        "businessConversations": a["comments"] // 10,
        "businessDirectionRequests": a["clicks"] // 3,
        "businessImpressionsDesktopMaps": searches[0],
        "businessImpressionsDesktopSearch": searches[1],
        "businessImpressionsMobileMaps": searches[2],
        "businessImpressionsMobileSearch": searches[3],
        "callClicks": a["clicks"] // 6,
        "websiteClicks": a["clicks"] // 2,
    }


def _reddit_account(a: dict, username: str) -> dict:
    link_karma = a["likes"]
    comment_karma = a["comments"] * 3
    return {
        "commentKarma": comment_karma,
        "linkKarma": link_karma,
        "name": username,
        "totalKarma": link_karma + comment_karma,
    }


def _split(total: int, weights) -> list[int]:
    """Whole parts of ``total`` in proportion to ``weights`` that add up to ``total`` exactly."""
    scale = sum(weights)
    parts = [int(total * weight / scale) for weight in weights]
    parts[0] += total - sum(parts)
    return parts


# --- links, playlists, profiles, user ------------------------------------------------------------


def link_clicks(world, link, at: float) -> tuple[int, float, float]:
    """(clicks so far, the count it saturates at, its time constant) as of ``at``."""
    u = draws(world.seed, link.profile, link.index, "link")
    peak = 5 + 300 * u[2] * world.profiles[link.profile].audience
    tau = (6 + 42 * u[3]) * 3600
    age = at - link.created
    clicks = int(peak * (1 - math.exp(-age / tau))) if age > 0 else 0
    return clicks, peak, tau


def link_item(world, link, at: float) -> dict:
    clicks, peak, tau = link_clicks(world, link, at)
    item = {
        "id": link.id,
        "shortUrl": f"https://ayr.app/l/{link.id}",
        "originalUrl": link.original_url,
        "clickCount": clicks,
        "created": iso(link.created),
    }
    if clicks:
        # The moment the count reached its current value: when peak * (1 - e^(-t/tau)) = clicks.
        item["lastClicked"] = iso(link.created - tau * math.log(1 - clicks / peak))
    return item


def playlists(world: World, profile: Profile, at: float) -> list[dict]:
    u = draws(world.seed, profile.index, "playlists")
    count = 2 + int(u[0] * 4)
    weeks = max(0, int((at - world.anchor) // (7 * 86400)))
    titles = ["Product launches", "Behind the scenes", "Tutorials", "Customer stories", "Shorts"]
    result = []
    for n in range(count):
        published = world.anchor - int((30 + 200 * u[1 + n]) * 86400)
        result.append(
            {
                "id": "PL"
                + "".join(
                    token(world.seed, profile.index, "playlist", n, k, width=8) for k in range(4)
                ),
                "title": titles[n],
                "description": "" if n % 2 else f"Every {titles[n].lower()} video",
                "itemCount": 1 + int(u[6 + n] * 20) + weeks,
                "privacyStatus": "unlisted" if n == 1 else "public",
                "publishedAt": iso(published, millis=False),
                "thumbnailUrl": f"https://i.ytimg.com/vi/{token(n, width=11)}/hqdefault.jpg",
            }
        )
    return result


def profile_item(world: World, profile: Profile, linked: tuple[str, ...]) -> dict:
    nanos = (h64(world.seed, profile.index, "created") % 1000) * 1_000_000
    created = firestore_timestamp(profile.created, nanos)
    return {
        "status": "active",
        "title": profile.title,
        "displayTitle": profile.title,
        "created": created,
        "createdUTC": iso(profile.created + nanos / 1e9),
        "refId": profile.ref_id,
        "activeSocialAccounts": list(linked),
        "suspended": profile.suspended,
    }


def user_item(world: World, profile: Profile, at: float, linked: tuple[str, ...]) -> dict:
    """GET /user: the profile's own details, including a display name per linked network."""
    index = profile.index if profile.index is not None else "primary"
    return {
        "activeSocialAccounts": list(linked),
        "created": firestore_timestamp(profile.created),
        "displayNames": [
            {
                "created": iso(profile.created + 86400, millis=False),
                "displayName": profile.title,
                "id": digits(world.seed, index, platform, "account", length=16),
                "platform": platform,
                "profileUrl": _profile_url(platform, profile.username),
                "userImage": f"https://img.ayrshare.com/sandbox/{profile.username}-{platform}.jpg",
                "username": profile.username,
            }
            for platform in linked
        ],
        "email": None,
        "lastApiCall": iso(at),
        "messagingActive": False,
        "refId": profile.ref_id,
        "title": profile.title,
    }


def _profile_url(platform: str, username: str) -> str:
    return {
        "bluesky": f"https://bsky.app/profile/{username}.bsky.social",
        "facebook": f"https://www.facebook.com/{username}",
        "gmb": f"https://www.google.com/maps/search/{username}",
        "instagram": f"https://www.instagram.com/{username}",
        "linkedin": f"https://www.linkedin.com/company/{username}",
        "pinterest": f"https://www.pinterest.com/{username}",
        "reddit": f"https://www.reddit.com/user/{username}",
        "telegram": f"https://t.me/{username}",
        "threads": f"https://www.threads.net/@{username}",
        "tiktok": f"https://www.tiktok.com/@{username}",
        "twitter": f"https://twitter.com/{username}",
        "youtube": f"https://www.youtube.com/@{username}",
    }[platform]
