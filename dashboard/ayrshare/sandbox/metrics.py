"""How numbers move: update ticks and growth curves.

Every resource (a profile's /history, its /history/facebook, one post's analytics on one
network, ...) refreshes on its own grid of update ticks: a fixed interval with a per-resource
phase. A response is computed as of the last tick (its ``lastUpdated``) and promises the next one
(``nextUpdate``), so asking again before ``nextUpdate`` returns the same numbers - which is the
behaviour the dashboard's scheduler must respect.

A post's counters follow a saturating curve of its age, ``max * (1 - exp(-age / tau))``, with the
maximum and tau drawn from the post's hash, so they only ever grow and young posts grow fastest.
"""

import math

from .ids import draws, h64
from .world import DAY, NetworkPost

HOUR = 3600

HISTORY_INTERVAL = 60  # Ayrshare caches /history results for one minute
PLATFORM_HISTORY_INTERVAL = 45 * 60
POST_ANALYTICS_INTERVAL = 35 * 60
YOUTUBE_ANALYTICS_INTERVAL = 6 * HOUR
SOCIAL_INTERVAL = 6 * HOUR
DAILY_SOCIAL = ("facebook", "gmb")  # "Facebook typically updates their metrics once every 24 hours"
LINKS_INTERVAL = HOUR  # "click counts could take up to an hour to reflect"
PLAYLISTS_INTERVAL = DAY
PROFILES_INTERVAL = HOUR

TIKTOK_IDLE_LIMIT = 7 * DAY  # some TikTok fields vanish after 7 days without activity
TWITTER_PRIVATE_DAYS = 30 * DAY  # non-public metrics only for tweets of the last 30 days

# Typical reach at saturation for an average profile, per network.
SCALE = {
    "bluesky": 80,
    "facebook": 400,
    "instagram": 600,
    "linkedin": 250,
    "pinterest": 300,
    "tiktok": 1500,
    "twitter": 350,
    "youtube": 500,
}
# Shares of all reactions: Facebook like, love, haha, wow, sorry, anger (LinkedIn reuses them).
REACTION_SHARES = (0.72, 0.12, 0.06, 0.04, 0.03, 0.02, 0.01)


def tick(
    seed: int, key: tuple, interval: float, at: float, vary: float = 0.1
) -> tuple[float, float]:
    """(lastUpdated, nextUpdate) of the resource ``key`` at sandbox time ``at``.

    Ticks fall on whole milliseconds, so the ISO timestamps a client reads are exact and a
    client that waits until nextUpdate is never a hair early.
    """
    length = interval * 1000
    if vary:
        length *= 1 - vary + 2 * vary * (h64(seed, *key, "length") / 2**64)
    length = max(1, int(length))
    phase = h64(seed, *key, "phase") % length
    now = math.floor(at * 1000 + 1e-6)
    last = phase + (now - phase) // length * length
    return last / 1000, (last + length) / 1000


def post_analytics_interval(platform: str) -> int:
    return YOUTUBE_ANALYTICS_INTERVAL if platform == "youtube" else POST_ANALYTICS_INTERVAL


def social_interval(platform: str) -> int:
    return DAY if platform in DAILY_SOCIAL else SOCIAL_INTERVAL


class Growth:
    """The lifetime counters of one network post as functions of sandbox time."""

    def __init__(self, seed: int, item: NetworkPost, audience: float):
        u = draws(seed, item.profile, item.platform, item.serial, "metrics")
        self.item = item
        self.tau = (6 + 42 * u[0]) * HOUR
        self.active_for = (2 + 28 * u[1]) * DAY
        self.duration = 6 + 170 * u[13]  # video seconds
        self.delay_u = u[14]
        reach = SCALE[item.platform] * audience * math.exp(2.5 * u[2])
        if item.variant == "story":
            reach *= 0.3
        video = item.media == "video" or item.platform in ("tiktok", "youtube")
        impressions = reach * (1.1 + 0.9 * u[3])
        likes = reach * (0.01 + 0.07 * u[5])
        views = impressions * (0.4 + 0.5 * u[4]) if video else 0.0
        self.maxima = {
            "reach": reach,
            "impressions": impressions,
            "views": views,
            "comments": likes * (0.03 + 0.12 * u[6]),
            "shares": likes * (0.02 + 0.1 * u[7]),
            "saves": likes * (0.05 + 0.2 * u[8]),
            "clicks": reach * (0.005 + 0.03 * u[9]),
            "profile_clicks": reach * 0.01 * u[10],
            "quotes": likes * 0.05 * u[11],
            "bookmarks": likes * 0.1 * u[12],
            "negative": reach * 0.002 * u[15],
            "watch_seconds": views * self.duration * (0.2 + 0.6 * u[12]),
            "follows": reach * 0.002 * u[9],
        }
        for k, share in enumerate(REACTION_SHARES):
            self.maxima[f"r{k}"] = likes * share

    @property
    def last_activity(self) -> float:
        return self.item.created + self.active_for

    def counts(self, at: float) -> dict[str, int]:
        """Counters as of ``at``; ``likes`` is the sum of the reaction parts, so all only grow."""
        age = at - self.item.created
        if self.item.platform == "tiktok":
            age = min(age, self.active_for)  # no activity after the window: growth stops
        fill = 1 - math.exp(-age / self.tau) if age > 0 else 0.0
        values = {name: int(peak * fill) for name, peak in self.maxima.items()}
        values["likes"] = sum(values[f"r{k}"] for k in range(len(REACTION_SHARES)))
        return values

    def analytics_delay(self) -> float:
        """How long the network takes to report (YouTube 24-48 h, Pinterest 24-72 h)."""
        if self.item.platform == "youtube":
            return (24 + 24 * self.delay_u) * HOUR
        if self.item.platform == "pinterest":
            return (24 + 48 * self.delay_u) * HOUR
        return 0.0

    def tiktok_idle(self, at: float) -> bool:
        return self.item.platform == "tiktok" and at - self.last_activity > TIKTOK_IDLE_LIMIT


def account_counts(seed: int, p: int, platform: str, audience: float, at: float) -> dict[str, int]:
    """Account-level numbers (followers grow slowly; 28-day totals wander) as of ``at``."""
    u = draws(seed, p, platform, "account")
    days = at / DAY
    followers = 500 * audience * math.exp(2 * u[0]) * (1 + 0.0015 * (days - 19000))
    wave = 1 + 0.15 * math.sin(days / (3 + 4 * u[1]))
    impressions = followers * (3 + 5 * u[2]) * wave
    return {
        "followers": max(0, int(followers)),
        "following": int(40 + 400 * u[3]),
        "impressions": int(impressions),
        "reach": int(impressions * (0.4 + 0.2 * u[4])),
        "engagements": int(impressions * (0.02 + 0.05 * u[5])),
        "views": int(impressions * (1.1 + 0.5 * u[6])),
        "clicks": int(impressions * (0.005 + 0.02 * u[7])),
        "profile_views": int(impressions * 0.01 * (1 + u[8])),
        "likes": int(impressions * (0.01 + 0.03 * u[9])),
        "comments": int(impressions * 0.002 * (1 + u[10])),
        "shares": int(impressions * 0.001 * (1 + u[11])),
        "gained": int(followers * 0.01 * u[12] * wave),
        "lost": int(followers * 0.002 * u[13]),
    }
