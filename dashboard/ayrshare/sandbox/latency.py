"""How long an API call takes: a per-call draw from a log-normal, longer for bigger pages.

Ayrshare's answers take hundreds of milliseconds with a long tail into seconds. A log-normal is
the usual model of such service times: never negative, skewed right, and fixed by two numbers an
operator can read off a latency chart, the median and the 99th percentile. With median ``m`` and
99th percentile ``p``, ``ln(delay)`` is normal with mean ``ln(m)`` and
``sigma = ln(p / m) / 2.3263`` (2.3263 is the standard normal's 99th percentile).

Bigger pages of a network are slower: for /history/{platform} Ayrshare fetches the page from
the network and reads each post's numbers, so its time grows with the page asked for. The drawn
delay is multiplied by ``1 + limit / 500``: a page of 10 costs about the median, the largest page
(500) twice it. Linear because each item is fetched and shaped once; a fixed part because every
call pays a round trip and authentication whatever its size. The factor uses the page size asked
(``limit``, capped at 500, or the default of 10 when omitted), not the items found, so a client
cannot make a call cheaper by asking for a window that happens to be empty. GET /history reads
Ayrshare's own record of the posts it sent, not the networks: it keeps the plain draw.

The fixed ``latency_ms`` knob is added on top, as before. The draws come from one generator
seeded from the fault seed, in the order calls arrive, so a test that draws directly gets the
same numbers on every run.
"""

import math
import random
import threading

from .api import PLATFORM_HISTORY_MAX
from .config import SandboxConfig
from .render import NAMES

Z_99 = 2.3263  # the standard normal's 99th percentile
ITEMS_PER_MEDIAN = 500  # a page this big takes one extra median


def draw_ms(rng: random.Random, median_ms: float, p99_ms: float, limit: int | None = None) -> float:
    """One call's drawn delay in milliseconds; 0 when the distribution is off (median 0)."""
    if median_ms <= 0:
        return 0.0
    # max(): a live change sets the two knobs one after the other; a call in between must not
    # take the log of zero.
    sigma = math.log(max(p99_ms, median_ms) / median_ms) / Z_99
    return median_ms * math.exp(sigma * rng.gauss(0.0, 1.0)) * page_factor(limit)


def page_factor(limit: int | None) -> float:
    return 1.0 if limit is None else 1 + limit / ITEMS_PER_MEDIAN


def page_size(path: str, query: dict, platform_default_limit: int) -> int | None:
    """The page size a GET /history/{platform} asks for; None for other calls."""
    parts = [part for part in path.split("/") if part]
    if len(parts) != 2 or parts[0] != "history" or parts[1] not in NAMES:
        return None  # /history (Ayrshare's own record) and /history/{id} (one post) included
    maximum, default = PLATFORM_HISTORY_MAX, platform_default_limit
    try:
        asked = int(query.get("limit", [""])[0])
    except ValueError:
        asked = default  # the endpoint answers 400; the delay is the default page's
    return min(max(asked, 1), maximum)


class Latency:
    """The generator behind every call's draw, shared by the request threads."""

    def __init__(self, seed: int):
        self._lock = threading.Lock()
        self._random = random.Random(f"latency:{seed}")

    def reseed(self, seed: int) -> None:
        with self._lock:
            self._random = random.Random(f"latency:{seed}")

    def seconds(self, config: SandboxConfig, limit: int | None) -> float:
        """The delay of one call: ``latency_ms`` plus a draw when the distribution is on."""
        drawn = 0.0
        median, p99 = config.latency_median_ms, config.latency_p99_ms
        if median:
            with self._lock:  # only the draw: the wait itself holds nothing
                drawn = draw_ms(self._random, median, p99, limit)
        return (config.latency_ms + drawn) / 1000
