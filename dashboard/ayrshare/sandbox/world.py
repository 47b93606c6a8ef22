"""The sandbox's synthetic world: profiles, Ayrshare posts, network posts and short links.

Nothing is stored per post. Post i of a profile is computed from hash(seed, profile, i), and
posts sit on an arithmetic timeline (post i is scheduled at base + i * spacing plus a jitter
smaller than the spacing), so "the posts between two dates" is an index range found with a
division. A page of history therefore costs O(page) work whether a profile has 300 posts or a
million.

Time enters only through ``at`` arguments: a post's status, whether it is live on a network
and which posts made outside Ayrshare exist are all functions of the sandbox time asked about.
A scheduled post becomes "processing" at its scheduleDate and "success" (with social ids) a
little later; a post picked for deletion disappears from its networks at its deletion time;
posts made outside Ayrshare keep appearing as time passes.

Profiles are built on first use (``Profiles``), and a Profile-Key names its profile's index (its
last group is the index, scrambled), so a sandbox with 10,000 profiles starts as fast as one
with three and only holds the profiles someone has asked about.
"""

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from . import content
from .ids import (
    TAG_AYRSHARE,
    TAG_OUTSIDE,
    TAGS,
    Scrambler,
    base32_sortable,
    base36,
    base62,
    digits,
    draws,
    h64,
    token,
    unbase32_sortable,
    unbase36,
    unbase62,
    youtube_id,
    youtube_number,
)

PLATFORMS = (
    "bluesky",
    "facebook",
    "instagram",
    "linkedin",
    "pinterest",
    "tiktok",
    "twitter",
    "youtube",
)
DAY = 86400
PROCESSING_SECONDS = 90  # a post is "processing" this long after its scheduleDate
FUTURE_SHARE = 0.03  # share of posts still scheduled in the future when the sandbox starts
MAX_FUTURE = 500
OUTSIDE_RATIO = 1 / 9  # posts made outside Ayrshare per Ayrshare post: ~10% of network posts
LINK_SPACING = 12 * 3600


@dataclass(frozen=True)
class Profile:
    index: int | None  # None is the primary profile (no Profile-Key)
    key: str | None
    title: str
    ref_id: str
    platforms: tuple[str, ...]
    username: str
    created: int
    audience: float  # scales every metric of the profile
    suspended: bool = False


@dataclass(frozen=True)
class Post:
    """One Ayrshare post (an entry of GET /history)."""

    profile: int
    index: int
    id: str
    schedule: int
    nanos: int
    created: int
    type: str  # "now" or "scheduled", as in the documented examples
    platforms: tuple[str, ...]
    hold: str | None  # "paused" / "awaiting approval": never sent
    failed: tuple[str, ...]  # platforms the network rejected
    error_choice: float
    deleted_at: int | None
    text: str
    notes: str | None
    media: str  # none, image, video, carousel
    thread: bool  # an X/Twitter thread of three tweets

    @property
    def published(self) -> int:
        return self.schedule + PROCESSING_SECONDS

    def exists_at(self, at: float) -> bool:
        return self.created <= at

    def status_at(self, at: float) -> str:
        if self.hold:
            return self.hold
        if at < self.schedule:
            return "pending"
        if at < self.published:
            return "processing"
        if self.deleted_at is not None and at >= self.deleted_at:
            return "deleted"
        return "error" if self.failed else "success"

    def sent_to(self, platform: str, at: float) -> bool:
        """Published on this network (it may have been deleted since): it has a social id."""
        return (
            self.hold is None
            and at >= self.published
            and platform in self.platforms
            and platform not in self.failed
        )

    def live_on(self, platform: str, at: float) -> bool:
        deleted = self.deleted_at is not None and at >= self.deleted_at
        return self.sent_to(platform, at) and not deleted


@dataclass(frozen=True)
class NetworkPost:
    """A post as it lives on one network: from an Ayrshare post or made outside Ayrshare."""

    profile: int
    platform: str
    serial: int  # index * TAGS + tag
    social_id: str
    created: int
    text: str
    media: str
    variant: str  # which documented item shape it takes (see render.py)
    post: Post | None  # the Ayrshare post, None when made outside Ayrshare

    @property
    def outside(self) -> bool:
        return self.post is None


@dataclass(frozen=True)
class Link:
    profile: int
    index: int
    id: str
    created: int
    original_url: str


class Profiles(Sequence):
    """The user profiles as a list whose items are built on first use and then kept."""

    def __init__(self, make, count: int):
        self._make = make
        self._count = count
        self._built: dict[int, Profile] = {}

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(f"no profile {index}")
        profile = self._built.get(index)
        if profile is None:
            # Two threads racing here build the same frozen profile twice; either copy is right.
            profile = self._built[index] = self._make(index)
        return profile

    @property
    def built(self) -> int:
        """How many profiles have been built so far."""
        return len(self._built)


class World:
    def __init__(
        self,
        seed: int,
        profiles: int,
        posts: int,
        anchor: float,
        span_days: float = 180,
        suspended: tuple[int, ...] = (),
    ):
        self.seed = seed
        self.n_posts = posts
        self.anchor = int(anchor)
        self.n_future = min(int(posts * FUTURE_SHARE), MAX_FUTURE) if posts >= 10 else 0
        self.n_past = posts - self.n_future
        self.spacing = max(2, int(span_days * DAY) // max(1, self.n_past))
        self.base = self.anchor - self.n_past * self.spacing
        self.suspended = frozenset(suspended)
        self.profiles = Profiles(self._make_profile, profiles)
        self.primary = Profile(
            index=None,
            key=None,
            title="Primary Profile",
            ref_id=hashlib.sha1(f"{seed}:primary".encode()).hexdigest(),  # noqa: S324
            platforms=(),
            username="primary",
            created=self.anchor - 400 * DAY,
            audience=1.0,
        )
        self._scramblers: dict[tuple, Scrambler] = {}

    # --- profiles --------------------------------------------------------------------------

    def _make_profile(self, index: int) -> Profile:
        u = draws(self.seed, index, "profile")
        if index == 0:
            platforms = PLATFORMS  # one profile with every network keeps tests and demos simple
        else:
            count = 3 + int(u[0] * 5)
            platforms = tuple(
                sorted(sorted(PLATFORMS, key=lambda p: u[1 + PLATFORMS.index(p)])[:count])
            )
        title = content.brand_title(index)
        return Profile(
            index=index,
            key=self._profile_key(index),
            title=title,
            ref_id=hashlib.sha1(f"{self.seed}:{index}:ref".encode()).hexdigest(),  # noqa: S324
            platforms=platforms,
            username=content.slug(title) + (str(index) if index >= 10 else ""),
            created=self.anchor - 400 * DAY + index * 3600,
            audience=0.5 + 2.5 * u[10],
            suspended=index in self.suspended,
        )

    def _profile_key(self, index: int) -> str:
        groups = [token(self.seed, index, "profile-key", g, width=8).upper() for g in range(3)]
        serial = self._scrambler(36**8, None, "profile-key").encode(index)
        return "-".join([*groups, base36(serial, 8)])

    def profile_by_key(self, key: str) -> Profile | None:
        number = unbase36(key[-8:]) if len(key) == 35 else None
        if number is None:
            return None
        index = self._scrambler(36**8, None, "profile-key").decode(number)
        if index >= len(self.profiles):
            return None
        profile = self.profiles[index]
        return profile if profile.key == key else None

    # --- Ayrshare posts ----------------------------------------------------------------------

    def post(self, p: int, i: int) -> Post:
        u = draws(self.seed, p, i, "post")
        linked = self.profiles[p].platforms
        schedule = self.base + i * self.spacing + int(u[0] * 0.8 * self.spacing)
        future = i >= self.n_past
        platforms = self._choose_platforms(p, i, linked, u[2])
        kind = "scheduled" if future or u[3] < 0.3 else "now"
        created = schedule if kind == "now" else schedule - 3600 - int(u[4] * 7 * DAY)
        if future:
            created = min(created, self.anchor - 60 - int(u[4] * DAY))
        hold = _hold(u[5], future)
        failed = ()
        if u[6] < 0.06 and platforms:
            failed = platforms if len(platforms) == 1 else (content.pick(list(platforms), u[7]),)
        deleted_at = None
        if u[8] < 0.05 and hold is None:
            deleted_at = schedule + PROCESSING_SECONDS + 3600 + int(u[9] * 5 * DAY)
        media = _media(u[15], text_only=0.35)
        return Post(
            profile=p,
            index=i,
            id=self.post_id(p, i),
            schedule=schedule,
            nanos=int(u[1] * 1000) * 1_000_000,
            created=created,
            type=kind,
            platforms=platforms,
            hold=hold,
            failed=failed,
            error_choice=u[7],
            deleted_at=deleted_at,
            text=content.post_text(u[10], u[11], u[12], u[13], i),
            notes=content.notes(u[14]),
            media=media,
            thread="twitter" in platforms and media == "none" and u[9] < 0.15,
        )

    def _choose_platforms(self, p, i, linked, u) -> tuple[str, ...]:
        if not linked:
            return ()
        count = min(1 if u < 0.45 else 2 if u < 0.8 else 3, len(linked))
        keys = draws(self.seed, p, i, "platforms")
        chosen = sorted(linked, key=lambda name: keys[PLATFORMS.index(name)])[:count]
        return tuple(sorted(chosen))

    def post_id(self, p: int, i: int) -> str:
        """20 characters like Ayrshare's ("rhn6u7wwz2WxGv6MZGK9"); the tail encodes the index."""
        head = token(self.seed, p, i, "post-id", width=12)
        return head + base62(self._scrambler(62**8, p, "post-id").encode(i), 8)

    def post_by_id(self, p: int, post_id: str) -> Post | None:
        if len(post_id) != 20:
            return None
        number = unbase62(post_id[12:])
        if number is None:
            return None
        index = self._scrambler(62**8, p, "post-id").decode(number)
        if index >= self.n_posts or self.post_id(p, index) != post_id:
            return None
        return self.post(p, index)

    def last_index_at_or_before(self, p: int, ts: float) -> int:
        """The newest post scheduled at or before ``ts``; -1 when none."""
        if self.n_posts == 0 or ts < self.base:
            return -1
        if ts >= self.base + self.n_posts * self.spacing:
            return self.n_posts - 1  # also covers an open end (infinity)
        k = min(int((ts - self.base) // self.spacing), self.n_posts - 1)
        if self._schedule(p, k) > ts:
            k -= 1
        return k

    def first_index_at_or_after(self, p: int, ts: float) -> int:
        if ts <= self.base:
            return 0  # also covers an open start (minus infinity)
        return self.last_index_at_or_before(p, math.ceil(ts) - 1) + 1

    def _schedule(self, p: int, i: int) -> int:
        return (
            self.base
            + i * self.spacing
            + int(draws(self.seed, p, i, "post")[0] * 0.8 * self.spacing)
        )

    def history(
        self,
        p: int,
        at: float,
        start: float,
        end: float,
        limit: int,
        status: str | None = None,
        platforms: frozenset[str] = frozenset(),
        kind: str | None = None,
    ) -> list[Post]:
        """Posts scheduled in [start, end], newest first, as GET /history filters them at ``at``."""
        if platforms and not platforms & set(self.profiles[p].platforms):
            return []
        found = []
        high = self.last_index_at_or_before(p, end)
        low = self.first_index_at_or_after(p, start)
        for i in range(high, low - 1, -1):
            post = self.post(p, i)
            if not post.exists_at(at):
                continue
            current = post.status_at(at)
            if status and current != status:
                continue
            if not status and current == "deleted":
                continue  # deleted posts only come back when asked for with status=deleted
            if platforms and not platforms & set(post.platforms):
                continue
            if kind and post.type != kind:
                continue
            found.append(post)
            if len(found) >= limit:
                break
        return found

    # --- network posts -------------------------------------------------------------------------

    def network_posts(self, p: int, platform: str, at: float, limit: int, page_published=False):
        """GET /history/{platform}: the newest ``limit`` posts live on the network at ``at``."""
        ayrshare = self._ayrshare_on(p, platform, at)
        outside = self._outside_on(p, platform, at)
        found = []
        a, o = next(ayrshare, None), next(outside, None)
        while len(found) < limit and (a or o):
            if o is None or (a is not None and a.created >= o.created):
                item, a = a, next(ayrshare, None)
            else:
                item, o = o, next(outside, None)
            if page_published and item.variant == "visitor":
                continue
            found.append(item)
        return found

    def _ayrshare_on(self, p, platform, at):
        for i in range(self.last_index_at_or_before(p, at - PROCESSING_SECONDS), -1, -1):
            post = self.post(p, i)
            if post.live_on(platform, at):
                yield self.network_post(post, platform)

    def _outside_on(self, p, platform, at):
        for j in range(self.outside_last_index(p, platform, at), -1, -1):
            yield self.outside_post(p, platform, j)

    def network_post(self, post: Post, platform: str, tag: int = TAG_AYRSHARE) -> NetworkPost:
        serial = post.index * TAGS + tag
        offset = min(
            20, int(0.2 * self.spacing * draws(self.seed, post.profile, post.index, platform)[0])
        )
        media = post.media
        return NetworkPost(
            profile=post.profile,
            platform=platform,
            serial=serial,
            social_id=self.social_id(post.profile, platform, serial, story=False),
            created=post.published + offset + (tag - TAG_AYRSHARE),
            text=post.text,
            media=media,
            variant=_variant(platform, media, False, 0.5),
            post=post,
        )

    def _outside_layout(self, p: int, platform: str) -> tuple[int, int]:
        """(base, spacing) of the posts made outside Ayrshare on one network of a profile."""
        linked = len(self.profiles[p].platforms) or 1
        count = math.ceil(self.n_past * OUTSIDE_RATIO / linked)
        if count == 0:
            return self.anchor, 0
        spacing = max(2, (self.n_past * self.spacing) // count)
        return self.anchor - count * spacing, spacing

    def outside_last_index(self, p: int, platform: str, at: float) -> int:
        """Posts made outside Ayrshare never run out: more appear as sandbox time passes."""
        base, spacing = self._outside_layout(p, platform)
        if spacing == 0 or platform not in self.profiles[p].platforms or at < base:
            return -1
        k = int((at - base) // spacing)
        if self._outside_created(p, platform, k, base, spacing) > at:
            k -= 1
        return k

    def _outside_created(self, p, platform, j, base, spacing) -> int:
        return (
            base + j * spacing + int(draws(self.seed, p, platform, j, "outside")[0] * 0.8 * spacing)
        )

    def outside_post(self, p: int, platform: str, j: int) -> NetworkPost:
        base, spacing = self._outside_layout(p, platform)
        u = draws(self.seed, p, platform, j, "outside")
        media = _media(u[1], text_only=0.3)
        variant = _variant(platform, media, True, u[2])
        serial = j * TAGS + TAG_OUTSIDE
        return NetworkPost(
            profile=p,
            platform=platform,
            serial=serial,
            social_id=self.social_id(p, platform, serial, story=variant == "story"),
            created=self._outside_created(p, platform, j, base, spacing),
            text="" if variant == "story" else content.post_text(u[3], u[4], u[5], u[6], j),
            media=media,
            variant=variant,
            post=None,
        )

    def network_post_by_social_id(self, p: int, platform: str, social_id: str, at: float):
        """The network post a social id names, if it is live on that network at ``at``."""
        number = self._parse_social_id(p, platform, social_id)
        if number is None:
            return None
        serial = self._scrambler(_ID_MODULUS[platform], p, platform).decode(number)
        index, tag = divmod(serial, TAGS)
        if tag == TAG_OUTSIDE:
            if index > self.outside_last_index(p, platform, at):
                return None
            found = self.outside_post(p, platform, index)
        elif tag == TAG_AYRSHARE and index < self.n_posts:
            post = self.post(p, index)
            if not post.live_on(platform, at):
                return None
            found = self.network_post(post, platform)
        else:
            return None
        return found if found.social_id == social_id else None

    def thread_tweets(self, post: Post) -> list[NetworkPost]:
        head = self.network_post(post, "twitter")
        if not post.thread:
            return [head]
        tail = []
        for tag in (2, 3):
            tweet = self.network_post(post, "twitter", tag)
            tail.append(tweet)
        return [head, *tail]

    # --- social ids ----------------------------------------------------------------------------

    def _scrambler(self, modulus: int, p, salt) -> Scrambler:
        key = (modulus, p, salt)
        scrambler = self._scramblers.get(key)
        if scrambler is None:
            scrambler = Scrambler(modulus, self.seed, p, salt)
            self._scramblers[key] = scrambler  # a race only builds the same object twice
        return scrambler

    def facebook_page_id(self, p: int) -> str:
        return digits(self.seed, p, "facebook-page", length=15)

    def bluesky_did(self, p: int) -> str:
        return base32_sortable(h64(self.seed, p, "did") * 2**56 + h64(self.seed, p, "did2"), 24)

    def _lead_digit(self, p: int, platform: str) -> str:
        return str(1 + h64(self.seed, p, platform, "lead") % 9)

    def social_id(self, p: int, platform: str, serial: int, story: bool = False) -> str:
        number = self._scrambler(_ID_MODULUS[platform], p, platform).encode(serial)
        lead = self._lead_digit(p, platform)
        if platform == "facebook":
            if story:
                return f"1{lead}{number:014d}"
            return f"{self.facebook_page_id(p)}_{lead}{number:014d}"
        if platform == "instagram":
            return f"1{7 + int(lead) % 2}{number:015d}"
        if platform == "linkedin":
            return f"urn:li:share:7{number:018d}"
        if platform == "pinterest":
            return f"{lead}{number:016d}"
        if platform == "tiktok":
            return f"7{number:018d}"
        if platform == "twitter":
            return f"1{number:018d}"
        if platform == "youtube":
            return youtube_id(number)
        return (
            f"at://did:plc:{self.bluesky_did(p)}/app.bsky.feed.post/3l{base32_sortable(number, 11)}"
        )

    def _parse_social_id(self, p: int, platform: str, social_id: str) -> int | None:
        text = social_id.strip()
        if platform == "youtube":
            return youtube_number(text)
        if platform == "bluesky":
            tid = text.rsplit("/", 1)[-1]
            return unbase32_sortable(tid[2:]) if tid.startswith("3l") and len(tid) == 13 else None
        if platform == "linkedin":
            text = text.removeprefix("urn:li:share:")
        elif platform == "facebook":
            text = text.split("_", 1)[-1]
        if not text.isdigit():
            return None
        tail = {
            "facebook": 14,
            "instagram": 15,
            "linkedin": 18,
            "pinterest": 16,
            "tiktok": 18,
            "twitter": 18,
        }
        length = tail.get(platform)
        if length is None or len(text) <= length:
            return None
        return int(text[-length:])

    # --- short links -------------------------------------------------------------------------

    def links(self, p: int, start: float, end: float) -> list[Link]:
        """Short links created in [start, end], newest first (one about every 12 hours)."""
        if self.n_posts == 0 or p is None:
            return []
        base = self.anchor - 60 * DAY
        high = int((end - base) // LINK_SPACING)
        low = max(0, int((start - base) // LINK_SPACING) - 1)
        found = []
        for j in range(high, low - 1, -1):
            link = self.link(p, j)
            if start <= link.created <= end:
                found.append(link)
        return found

    def link_by_id(self, p: int | None, link_id: str) -> Link | None:
        """The short link an id names (GET /links/{id}); None for ids the sandbox never made."""
        if p is None or len(link_id) != 6:
            return None
        number = unbase62(link_id)
        if number is None:
            return None
        link = self.link(p, self._scrambler(62**6, p, "link").decode(number))
        return link if link.id == link_id else None

    def link(self, p: int, j: int) -> Link:
        base = self.anchor - 60 * DAY
        u = draws(self.seed, p, j, "link")
        path = content.pick(["spring", "about", "shop", "blog/news", "events", "menu"], u[1])
        return Link(
            profile=p,
            index=j,
            id=base62(self._scrambler(62**6, p, "link").encode(j), 6),
            created=base + j * LINK_SPACING + int(u[0] * 0.8 * LINK_SPACING),
            original_url=f"https://www.{self.profiles[p].username}.example/{path}?utm_source=ayrshare",
        )


_ID_MODULUS = {
    "facebook": 10**14,
    "instagram": 10**15,
    "linkedin": 10**18,
    "pinterest": 10**16,
    "tiktok": 10**18,
    "twitter": 10**18,
    "youtube": 2**64,
    "bluesky": 2**55,
}


def _media(u: float, text_only: float) -> str:
    """What is attached: nothing, an image, a video or a carousel (video about a fifth)."""
    if u < text_only:
        return "none"
    if u < text_only + (1 - text_only) * 0.5:
        return "image"
    if u < 0.9:
        return "video"
    return "carousel"


def _hold(u: float, future: bool) -> str | None:
    if future:
        return "paused" if u < 0.1 else "awaiting approval" if u < 0.2 else None
    return "awaiting approval" if u < 0.02 else "paused" if u < 0.03 else None


def _variant(platform: str, media: str, outside: bool, u: float) -> str:
    """Which documented example shape a network post takes (render.py builds each one)."""
    if platform == "facebook":
        if outside and u < 0.1:
            return "story"
        if outside and u < 0.2:
            return "visitor"  # posted on the page by someone else: feed only, not pagePublished
        return {"video": "video", "none": "link"}.get(media, "photo")
    if platform == "instagram":
        return {"video": "reel", "carousel": "carousel"}.get(media, "image")
    if platform == "linkedin":
        return "media" if media in ("video", "carousel") else "basic"
    if platform == "pinterest":
        return {"video": "video", "carousel": "mixed"}.get(media, "image")
    if platform == "twitter":
        return "video" if media == "video" else "basic"
    return "basic"
