"""A million posts per profile: pages stay fast and memory stays flat (nothing stored per post)."""

import time
from pathlib import Path

import requests

from dashboard.ayrshare.sandbox import start_sandbox

from .conftest import START, get, post


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_a_million_post_profile_answers_pages_fast_in_little_memory():
    before = rss_mb()
    with start_sandbox(profiles=2, posts=1_000_000, seed=5, start=START, speed=0) as sb:
        began = time.monotonic()
        newest = get(sb, "/history", lastDays=0, limit=1000).json()["history"]
        oldest = get(sb, "/history", endDate="2025-10-01T00:00:00Z", lastDays=0, limit=1000).json()
        network = get(sb, "/history/facebook", limit=500).json()["posts"]
        analytics = post(sb, "/analytics/post", {"id": newest[-1]["id"]})
        elapsed = time.monotonic() - began
        truth = get_total(sb)
    assert len(newest) == 1000 and len(oldest["history"]) == 1000 and len(network) == 500
    assert analytics.status_code in (200, 400)  # 400 when that post failed everywhere
    assert truth > 1_000_000
    assert elapsed < 5, f"four requests took {elapsed:.1f}s"
    assert rss_mb() - before < 200


def get_total(sb) -> int:
    url = f"{sb.base_url}/_sandbox/expected"
    return requests.get(
        url, params={"profile": 0, "offset": 999_990, "limit": 20}, timeout=10
    ).json()["total"]
