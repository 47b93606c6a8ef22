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


def test_ten_thousand_profiles_are_built_only_when_first_asked_for():
    with start_sandbox(profiles=10_000, posts=20, seed=5, start=START, speed=0) as sb:
        at_start = sb.world.profiles.built
        last = sb.world.profiles[9_999]
        answer = user(sb, last.key)
        unknown = user(sb, "X" * 35)
        built = sb.world.profiles.built
        keys = requests.get(f"{sb.base_url}/_sandbox/keys", timeout=30).json()["profiles"]
    assert at_start <= 5  # the few the LinkedIn countdown looks at, from the end
    assert answer.status_code == 200 and answer.json()["refId"] == last.ref_id
    assert unknown.status_code == 403
    assert built <= at_start + 1
    assert len(keys) == 10_000 and keys[9_999]["profileKey"] == last.key


def user(sb, profile_key: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {sb.api_key}", "Profile-Key": profile_key}
    return requests.get(f"{sb.url}/user", headers=headers, timeout=10)


def get_total(sb) -> int:
    url = f"{sb.base_url}/_sandbox/expected"
    return requests.get(
        url, params={"profile": 0, "offset": 999_990, "limit": 20}, timeout=10
    ).json()["total"]
