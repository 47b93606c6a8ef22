"""Which networks each profile has linked right now, and when LinkedIn wants re-linking.

The world fixes which networks a profile starts with and which posts went where; that never
changes, so /history keeps every post made before a network was unlinked. Linking and unlinking
(``Sandbox.link`` / ``Sandbox.unlink`` or ``POST /_sandbox/profiles/{index}/link|unlink``) only
change what the endpoints answer from then on: an unlinked network answers "not linked" (code 156)
wherever a linked one answers with data, and a newly linked network the world holds no posts for
answers with an empty post list and fresh account numbers.

LinkedIn authorizations run out, so GET /user carries ``refreshDaysRemaining`` for LinkedIn. It
counts down with sandbox time from a deterministic start: one profile is close to the end (so a
dashboard's reconnect warning can be seen), the others have weeks left. Linking LinkedIn again is
a fresh authorization.
"""

import math
import threading

from .ids import h64
from .render import NAMES
from .world import DAY, Profile, World

LINKABLE = tuple(sorted(NAMES))
LINKEDIN_FRESH_DAYS = (
    60  # what a newly linked LinkedIn starts with (its access tokens last 60 days)
)
LINKEDIN_SOON_DAYS = 4  # the one profile whose LinkedIn needs re-linking soon


class Accounts:
    """What changed since the world started; a profile nobody changed answers as it started."""

    def __init__(self, world: World):
        self.world = world
        self._lock = threading.Lock()
        self._linked: dict[int, tuple[str, ...]] = {}
        self._linkedin_expires: dict[int, float] = {}
        self._soon = _soon_profile(world.profiles)

    def linked(self, profile: Profile) -> tuple[str, ...]:
        """The networks linked now; the primary profile (no Profile-Key) has none."""
        if profile.index is None:
            return ()
        return self._linked.get(profile.index, profile.platforms)

    def is_linked(self, profile: Profile, platform: str) -> bool:
        return platform in self.linked(profile)

    def link(self, index: int, platform: str, now: float) -> tuple[str, ...]:
        self._check(index, platform)
        with self._lock:
            self._linked[index] = tuple(sorted({*self._linked_now(index), platform}))
            if platform == "linkedin":
                self._linkedin_expires[index] = now + LINKEDIN_FRESH_DAYS * DAY
            return self._linked[index]

    def unlink(self, index: int, platform: str) -> tuple[str, ...]:
        self._check(index, platform)
        with self._lock:
            self._linked[index] = tuple(p for p in self._linked_now(index) if p != platform)
            return self._linked[index]

    def set_refresh_days(self, index: int, platform: str, days: float, now: float) -> int:
        self._check(index, platform)
        if platform != "linkedin":
            raise ValueError("only LinkedIn reports refreshDaysRemaining")
        if isinstance(days, bool) or not isinstance(days, int | float) or days < 0:
            raise ValueError("days must be a number >= 0")
        with self._lock:
            self._linkedin_expires[index] = now + days * DAY
        return self.refresh_days(index, now)

    def refresh_days(self, index: int, now: float) -> int:
        """Whole days left before LinkedIn needs re-linking, never below 0."""
        expires = self._linkedin_expires.get(index)
        if expires is None:
            initial = _initial_days(self.world.seed, index, self._soon)
            expires = self.world.anchor + initial * DAY
        return max(0, math.ceil((expires - now) / DAY - 1e-9))

    def _linked_now(self, index: int) -> tuple[str, ...]:
        """The networks linked now (call with the lock held)."""
        return self._linked.get(index, self.world.profiles[index].platforms)

    def _check(self, index, platform) -> None:
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError("the profile index must be a whole number")
        if not 0 <= index < len(self.world.profiles):
            raise ValueError(f"no profile {index}")
        if platform not in LINKABLE:
            raise ValueError(f"platform must be one of {', '.join(LINKABLE)}")


def _soon_profile(profiles) -> int | None:
    """The last profile after the first that starts with LinkedIn (profile 0 is the demo's)."""
    # From the end: about half the profiles have LinkedIn, so this builds a handful, not all.
    for index in range(len(profiles) - 1, 0, -1):
        if "linkedin" in profiles[index].platforms:
            return index
    return None


def _initial_days(seed: int, index: int, soon: int | None) -> int:
    if index == soon:
        return LINKEDIN_SOON_DAYS
    return 20 + h64(seed, index, "linkedin-refresh") % 40
