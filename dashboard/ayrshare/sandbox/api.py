"""The Ayrshare endpoints: validate a request, read the world at the right tick, shape the answer.

Pure request-in, result-out functions: no sockets, no rate limits, no fault injection (those are
server.py's), so they are easy to reason about. Each answer is computed as of the last update
tick of its resource and reports the next tick, which the server records to flag callers that
come back early.

Choices the documents leave open (all deliberate, see the package docstring for the list):
the primary profile (no Profile-Key) has no linked networks and no posts; /history without
``limit`` returns everything in the date window up to the maximum of 1000; scheduled posts in the
future are included in /history; /history/{platform} defaults to 10 items (max 500).

Every answer is built in the era the request asks for (``ApiRequest.shapes``): render.py's 2024
shapes, or those passed through current.py for today's. Which networks a profile has linked comes
from accounts.py, which can change while the sandbox runs; the world's posts never do.
"""

import base64
import binascii
import json
import math
from dataclasses import dataclass

from . import content, current, render
from .accounts import Accounts
from .clock import iso, parse_iso
from .metrics import (
    HISTORY_INTERVAL,
    LINKS_INTERVAL,
    PLATFORM_HISTORY_INTERVAL,
    PLAYLISTS_INTERVAL,
    PROFILES_INTERVAL,
    post_analytics_interval,
    social_interval,
    tick,
)
from .world import DAY, PLATFORMS, NetworkPost, Post, Profile, World

HISTORY_MAX = 1000
PLATFORM_HISTORY_MAX = 500
PROFILES_DEFAULT_LIMIT = 100
STATUSES = ("success", "error", "processing", "pending", "paused", "deleted", "awaiting approval")
TYPES = {"immediate": "now", "scheduled": "scheduled"}
# Platform names /history accepts as a filter (any of them may simply match nothing here).
HISTORY_FILTER_PLATFORMS = frozenset(render.NAMES)
SOCIAL_PLATFORMS = (
    "facebook",
    "gmb",
    "instagram",
    "linkedin",
    "pinterest",
    "reddit",
    "tiktok",
    "twitter",
    "youtube",
)
CURRENT = "current"
SEARCH_ID_PLATFORMS = ("facebook", "instagram", "linkedin", "tiktok", "twitter", "youtube")

CODE_BAD_REQUEST = 101
CODE_BAD_API_KEY = 102
CODE_NOT_FOUND = 114
CODE_BAD_PROFILE_KEY = 136
CODE_NOT_LINKED = 156
CODE_SUSPENDED = 163


@dataclass
class ApiRequest:
    method: str
    path: str  # below /api, e.g. "/history/facebook"
    query: dict[str, list[str]]
    body: dict | None
    profile: Profile
    now: float  # sandbox time when the request arrived
    shapes: str = CURRENT  # the era to answer in: "current" or "2024" (config.SHAPES)

    @property
    def current(self) -> bool:
        return self.shapes == CURRENT


@dataclass
class ApiResult:
    status: int
    body: object
    next_update: float | None = None  # the nextUpdate this answer promised, if any


class BadRequest(Exception):
    pass


def error(status: int, action: str, code: int, message: str) -> ApiResult:
    return ApiResult(status, render.error_body(action, code, message))


def resource_of(method: str, path: str, query: dict, body) -> tuple[str, str]:
    """(resource key, the request's variant of it) for the call log and the early check."""
    parts = [part for part in path.split("/") if part]
    variant = json.dumps(sorted((k, sorted(v)) for k, v in query.items()))
    if parts[:1] == ["analytics"] and method == "POST" and isinstance(body, dict):
        variant = json.dumps(body, sort_keys=True, default=str)
        if parts[1:] == ["post"] and body.get("searchPlatformId") is True:
            # A network's own id: not an Ayrshare post, a resource of its own.
            return f"analytics/post-by-social-id:{body.get('id')}", variant
        if parts[1:] == ["post"]:
            return f"analytics/post:{body.get('id')}", variant
    return "/".join(parts), variant


MIN_SCALED_INTERVAL = 3  # seconds


class Api:
    def __init__(self, world: World, platform_default_limit: int = 10, interval_scale: float = 1.0):
        self.world = world
        self.platform_default_limit = platform_default_limit
        self.interval_scale = interval_scale  # < 1 makes every nextUpdate come sooner
        self.accounts = Accounts(world)

    def tick(self, key: tuple, interval: int, at: float, vary: float = 0.1):
        # Scaled down for tests on the real clock, but never below a few seconds: a client needs
        # time to finish one round of calls before the next update is already due.
        scaled = max(interval * self.interval_scale, min(interval, MIN_SCALED_INTERVAL))
        return tick(self.world.seed, key, scaled, at, vary)

    def handle(self, request: ApiRequest) -> ApiResult:
        parts = [part for part in request.path.split("/") if part]
        route = (request.method, *parts[:1])
        try:
            if route == ("GET", "history") and len(parts) == 1:
                return self.history(request)
            if route == ("GET", "history") and len(parts) == 2:
                if parts[1] in render.NAMES:
                    return self.platform_history(request, parts[1])
                return self.history_by_id(request, parts[1])
            if route == ("POST", "analytics") and parts[1:] == ["post"]:
                return self.post_analytics(request)
            if route == ("POST", "analytics") and parts[1:] == ["social"]:
                return self.social_analytics(request)
            if route == ("GET", "analytics") and parts[1:] == ["links"]:
                return self.links(request)
            if route == ("GET", "analytics") and parts[1:] == ["youTubePlaylists"]:
                return self.youtube_playlists(request)
            if route == ("GET", "links") and len(parts) == 1:
                return self.all_links(request)
            if route == ("GET", "links") and len(parts) == 2:
                return self.one_link(request, parts[1])
            if route == ("GET", "profiles") and len(parts) == 1:
                return self.profiles(request)
            if route == ("GET", "user") and len(parts) == 1:
                return self.user(request)
        except BadRequest as exc:
            return error(400, parts[0] if parts else "request", CODE_BAD_REQUEST, str(exc))
        return error(404, "request", 404, f"Unknown endpoint {request.method} /api{request.path}")

    # --- history ------------------------------------------------------------------------------

    def history(self, request: ApiRequest) -> ApiResult:
        profile = request.profile
        last, nxt = self._history_tick(profile, request.now)
        q = request.query
        limit = _int(q, "limit", None, minimum=1)
        limit = HISTORY_MAX if limit is None else min(limit, HISTORY_MAX)
        last_days = _int(q, "lastDays", 30, minimum=0)
        start = _date(q, "startDate")
        end = _date(q, "endDate")
        status = _one_of(q, "status", STATUSES)
        kind = _one_of(q, "type", tuple(TYPES))
        platforms = _platform_filter(q)
        if start is None or end is None:
            # lastDays applies unless both dates are given; scheduled future posts stay in.
            lower = last - last_days * DAY if last_days > 0 else -math.inf
            start = lower if start is None else max(start, lower)
            end = math.inf if end is None else end
        posts = []
        if profile.index is not None:
            posts = self.world.history(
                profile.index,
                at=last,
                start=start,
                end=end,
                limit=limit,
                status=status,
                platforms=platforms,
                kind=TYPES.get(kind),
            )
        items = [render.history_item(self.world, post, last) for post in posts]
        body = {
            "history": items,
            "refId": profile.ref_id,
            "count": len(items),
            "lastUpdated": iso(last),
            "nextUpdate": iso(nxt),
        }
        return ApiResult(200, body, nxt)

    def _history_tick(self, profile: Profile, now: float):
        return self.tick((profile.index, "history"), HISTORY_INTERVAL, now, vary=0)

    def history_by_id(self, request: ApiRequest, post_id: str) -> ApiResult:
        last, _ = self._history_tick(request.profile, request.now)
        post = self._find_post(request.profile, post_id, last)
        if post is None:
            return error(404, "history", CODE_NOT_FOUND, f"History not found for id {post_id}.")
        return ApiResult(200, [render.history_item_by_id(self.world, post, last)])

    def _find_post(self, profile: Profile, post_id: str, at: float) -> Post | None:
        if profile.index is None:
            return None
        post = self.world.post_by_id(profile.index, post_id)
        return post if post is not None and post.exists_at(at) else None

    def platform_history(self, request: ApiRequest, platform: str) -> ApiResult:
        profile = request.profile
        if not self.accounts.is_linked(profile, platform):
            return ApiResult(400, render.not_linked("history", platform))
        q = request.query
        limit = _int(q, "limit", self.platform_default_limit, minimum=1)
        limit = min(limit, PLATFORM_HISTORY_MAX)
        skip = _flag(q, "skipAnalytics")
        # Facebook only: the page feed (default) or only what the page itself published.
        page_published = platform == "facebook" and (
            _flag(q, "pagePublished") or _first(q, "type") == "pagePublished"
        )
        last, nxt = self.tick(
            (profile.index, "history", platform), PLATFORM_HISTORY_INTERVAL, request.now, vary=0.2
        )
        found = []
        if platform in PLATFORMS:  # the world holds no posts for networks such as Threads
            found = self.world.network_posts(profile.index, platform, last, limit, page_published)
        build = current.network_item if request.current else render.network_item
        posts = [
            build(self.world, item, last, last, nxt, position, skip)
            for position, item in enumerate(found)
        ]
        body = {
            "status": "success",
            "posts": posts,
            "lastUpdated": iso(last),
            "nextUpdate": iso(nxt),
        }
        return ApiResult(200, body, nxt)

    # --- analytics ---------------------------------------------------------------------------

    def post_analytics(self, request: ApiRequest) -> ApiResult:
        body = request.body if isinstance(request.body, dict) else {}
        post_id = body.get("id")
        if not isinstance(post_id, str) or not post_id:
            raise BadRequest("Missing id: send the top-level Ayrshare post id.")
        platforms = body.get("platforms")
        if platforms is not None and (
            not isinstance(platforms, list) or not all(p in render.NAMES for p in platforms)
        ):
            raise BadRequest(f"Invalid platforms: {platforms!r}.")
        if body.get("searchPlatformId") is True:
            return self._analytics_by_social_id(request, post_id, platforms or [])
        post = self._find_post(request.profile, post_id, request.now)
        if post is None:
            return error(
                404,
                "analytics",
                CODE_NOT_FOUND,
                "Post ID not found. Please verify the ID is the top-level Ayrshare id.",
            )
        answer = {"status": "success", "id": post.id}
        errors = []
        promised = []
        for platform in platforms or list(post.platforms):
            problem = self._unavailable(post, platform, request.now)
            if problem:
                errors.append({**render.error_body("analytics", *problem), "platform": platform})
                continue
            if not self.accounts.is_linked(request.profile, platform):
                errors.append(render.not_linked("analytics", platform))  # unlinked since
                continue
            tweets = (
                self.world.thread_tweets(post)
                if platform == "twitter"
                else [self.world.network_post(post, platform)]
            )
            objects = [self._analytics_object(request, item) for item in tweets]
            promised.extend(nxt for _, nxt in objects)
            answer[platform] = (
                [obj for obj, _ in objects]
                if post.thread and platform == "twitter"
                else objects[0][0]
            )
        return _with_errors(answer, errors, promised)

    def _unavailable(self, post: Post, platform: str, now: float) -> tuple[int, str] | None:
        name = render.NAMES.get(platform, platform)
        if platform not in post.platforms:
            return CODE_NOT_FOUND, f"The post was not sent to {name}."
        if platform in post.failed and now >= post.published:
            code, template = content.pick(render.POST_ERRORS, post.error_choice)
            return code, template.format(name=name)
        if not post.sent_to(platform, now):
            return (
                CODE_NOT_FOUND,
                f"The post has not been published to {name} yet (status {post.status_at(now)}).",
            )
        if not post.live_on(platform, now):
            return CODE_NOT_FOUND, f"The post was deleted from {name}."
        return None

    def _analytics_object(self, request: ApiRequest, item: NetworkPost) -> tuple[dict, int]:
        key = (item.profile, "post-analytics", item.platform, item.serial)
        last, nxt = self.tick(key, post_analytics_interval(item.platform), request.now)
        build = current.post_analytics if request.current else render.post_analytics
        return build(self.world, item, last, last, nxt), nxt

    def _analytics_by_social_id(
        self, request: ApiRequest, social_id: str, platforms: list
    ) -> ApiResult:
        if len(platforms) != 1 or platforms[0] not in SEARCH_ID_PLATFORMS:
            raise BadRequest(
                f"searchPlatformId needs exactly one platform of {', '.join(SEARCH_ID_PLATFORMS)}."
            )
        platform = platforms[0]
        profile = request.profile
        if not self.accounts.is_linked(profile, platform):
            return ApiResult(400, render.not_linked("analytics", platform))
        item = None
        if platform in PLATFORMS and profile.index is not None:
            item = self.world.network_post_by_social_id(
                profile.index, platform, social_id, request.now
            )
        if item is None:
            return error(
                404,
                "analytics",
                CODE_NOT_FOUND,
                f"Social post id {social_id} not found on {render.NAMES[platform]}.",
            )
        if item.variant == "story":
            return error(
                400, "analytics", CODE_BAD_REQUEST, "Facebook Story analytics are not available."
            )
        obj, nxt = self._analytics_object(request, item)
        return ApiResult(200, {"status": "success", platform: obj}, nxt)

    def social_analytics(self, request: ApiRequest) -> ApiResult:
        body = request.body if isinstance(request.body, dict) else {}
        platforms = body.get("platforms")
        if not isinstance(platforms, list) or not platforms:
            raise BadRequest('Missing platforms: send an array such as ["facebook", "instagram"].')
        unknown = [p for p in platforms if p not in render.NAMES]
        if unknown:
            raise BadRequest(f"Unknown platforms: {', '.join(map(str, unknown))}.")
        profile = request.profile
        supported = current.SOCIAL_PLATFORMS if request.current else SOCIAL_PLATFORMS
        build = current.social_analytics if request.current else render.social_analytics
        answer = {"status": "success"}
        errors = []
        promised = []
        for platform in platforms:
            if platform not in supported:
                message = f"{render.NAMES[platform]} is not supported by social analytics."
                errors.append(
                    {
                        **render.error_body("analytics", CODE_BAD_REQUEST, message),
                        "platform": platform,
                    }
                )
            elif not self.accounts.is_linked(profile, platform):
                errors.append(render.not_linked("analytics", platform))
            else:
                last, nxt = self.tick(
                    (profile.index, "social", platform), social_interval(platform), request.now
                )
                answer[platform] = build(self.world, profile, platform, last, last, nxt)
                promised.append(nxt)
        return _with_errors(answer, errors, promised)

    def links(self, request: ApiRequest) -> ApiResult:
        last_days = _int(request.query, "lastDays", 1, minimum=1)
        if last_days > 30:
            raise BadRequest("lastDays must be between 1 and 30.")
        profile = request.profile
        last, nxt = self._links_tick(profile, request.now)
        links = self.world.links(profile.index, last - last_days * DAY, last)
        if request.current:
            # Today's answer is a bare array: no nextUpdate, so none is promised (a client that
            # comes back within the hour is not early; it just sees the same counts).
            items = [current.analytics_link_item(self.world, link, last) for link in links]
            return ApiResult(200, items)
        body = {
            "status": "success",
            "links": [render.link_item(self.world, link, last) for link in links],
            "lastUpdated": iso(last),
            "nextUpdate": iso(nxt),
        }
        return ApiResult(200, body, nxt)

    def _links_tick(self, profile: Profile, now: float):
        # One tick for both link endpoints, so they always agree on the click counts.
        return self.tick((profile.index, "links"), LINKS_INTERVAL, now)

    def all_links(self, request: ApiRequest) -> ApiResult:
        """GET /links: every short link of the profile, filtered by creation and click dates."""
        q = request.query
        profile = request.profile
        last, _ = self._links_tick(profile, request.now)
        start = _date(q, "fromCreatedDate")
        end = _date(q, "toCreatedDate")
        clicked_from = _date(q, "fromClickDate")
        clicked_to = _date(q, "toClickDate")
        # Links start 60 days before the sandbox's start, so the epoch is "from the beginning".
        links = self.world.links(
            profile.index, 0.0 if start is None else start, last if end is None else min(end, last)
        )
        at = last if clicked_to is None else min(clicked_to, last)
        items = [current.link_item(self.world, link, at, clicked_from) for link in links]
        # Like the bare array above, the answer prints no nextUpdate, so it promises none.
        return ApiResult(200, {"status": "success", "analytics": items})

    def one_link(self, request: ApiRequest, link_id: str) -> ApiResult:
        last, _ = self._links_tick(request.profile, request.now)
        link = self.world.link_by_id(request.profile.index, link_id)
        if link is None or link.created > last:
            return error(404, "links", CODE_NOT_FOUND, f"Link not found for id {link_id}.")
        item = current.link_item(self.world, link, last)
        return ApiResult(200, {"status": "success", "analytics": item})

    def youtube_playlists(self, request: ApiRequest) -> ApiResult:
        profile = request.profile
        if not self.accounts.is_linked(profile, "youtube"):
            return ApiResult(400, render.not_linked("analytics", "youtube"))
        last, nxt = self.tick((profile.index, "playlists"), PLAYLISTS_INTERVAL, request.now)
        body = {
            "status": "success",
            "playlists": render.playlists(self.world, profile, last),
            "lastUpdated": iso(last),
            "nextUpdate": iso(nxt),
        }
        return ApiResult(200, body, nxt)

    def profiles(self, request: ApiRequest) -> ApiResult:
        q = request.query
        limit = _int(q, "limit", PROFILES_DEFAULT_LIMIT, minimum=1)
        start = 0
        cursor = _first(q, "cursor")
        if cursor:
            start = self._cursor_position(cursor)
        last, nxt = self.tick(("profiles",), PROFILES_INTERVAL, request.now)
        page = self.world.profiles[start : start + limit]
        has_more = start + limit < len(self.world.profiles)
        next_cursor = _encode_cursor(page[-1].ref_id) if has_more and page else None
        build = current.profile_item if request.current else render.profile_item
        body = {
            "profiles": [
                build(self.world, profile, self.accounts.linked(profile)) for profile in page
            ],
            "count": len(page),
            "lastUpdated": iso(last),
            "nextUpdate": iso(nxt),
            "pagination": {"hasMore": has_more, "nextCursor": next_cursor, "limit": limit},
        }
        return ApiResult(200, body, nxt)

    def user(self, request: ApiRequest) -> ApiResult:
        profile = request.profile
        linked = self.accounts.linked(profile)
        if not request.current:
            return ApiResult(200, render.user_item(self.world, profile, request.now, linked))
        days = None
        if profile.index is not None:
            days = self.accounts.refresh_days(profile.index, request.now)
        body = current.user_item(self.world, profile, request.now, linked, days)
        return ApiResult(200, body)

    def _cursor_position(self, cursor: str) -> int:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            ref_id = json.loads(base64.urlsafe_b64decode(padded))["refId"]
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise BadRequest("Invalid cursor.") from exc
        for position, profile in enumerate(self.world.profiles):
            if profile.ref_id == ref_id:
                return position + 1
        raise BadRequest("Invalid cursor.")


def _with_errors(answer: dict, errors: list, promised: list) -> ApiResult:
    """Ayrshare's multi-platform answer: success, partial (200 with errors) or error (400)."""
    if errors and not promised:  # every platform failed
        return ApiResult(400, {**answer, "status": "error", "errors": errors})
    if errors:
        answer["status"] = "partial"
        answer["errors"] = errors
    return ApiResult(200, answer, min(promised) if promised else None)


def _encode_cursor(ref_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"refId": ref_id}).encode()).decode().rstrip("=")


def _first(query: dict, name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _int(query: dict, name: str, default, minimum: int) -> int | None:
    raw = _first(query, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise BadRequest(f"{name} must be at least {minimum}.")
    return value


def _date(query: dict, name: str) -> float | None:
    raw = _first(query, name)
    if not raw:
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise BadRequest(f"{name} must be an ISO 8601 date such as 2026-07-08T12:30:00Z.") from None


def _one_of(query: dict, name: str, allowed) -> str | None:
    raw = _first(query, name)
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        raise BadRequest(f"{name} must be one of: {', '.join(allowed)}.")
    return raw


def _flag(query: dict, name: str) -> bool:
    return (_first(query, name) or "").lower() in ("true", "1", "yes")


def _platform_filter(query: dict) -> frozenset[str]:
    """platform / platforms, repeated, comma-separated or as a JSON-style array: OR logic."""
    raw = []
    for name in ("platform", "platforms", "platform[]", "platforms[]"):
        raw.extend(query.get(name, []))
    names = set()
    for value in raw:
        for part in value.strip("[]").split(","):
            name = part.strip().strip("\"'")
            if name:
                names.add(name)
    unknown = names - HISTORY_FILTER_PLATFORMS
    if unknown:
        raise BadRequest(f"Unknown platform: {', '.join(sorted(unknown))}.")
    return frozenset(names)
