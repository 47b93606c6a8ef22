"""GET /history/{platform}: the documented item shapes, outside posts, limits and options."""

import pytest
import requests

from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.ayrshare.sandbox.world import PLATFORMS
from tests.ayrshare_docs import platform_examples

from .conftest import START, get, when

# Keys the documents say may be missing from an item: Instagram drops mediaUrl for copyrighted
# media; TikTok drops these after 7 days without activity on the video.
MAY_BE_MISSING = {
    "instagram": {"mediaUrl"},
    "tiktok": {
        "reach",
        "fullVideoWatchedRate",
        "totalTimeWatched",
        "averageTimeWatched",
        "impressionSources",
        "audienceCountries",
    },
}


def same_shape(item: dict, example: dict, may_be_missing=frozenset()) -> bool:
    """Same keys as the example (nested objects too); list elements use the example's keys."""
    missing = set(example) - set(item)
    if set(item) - set(example) or not missing <= may_be_missing:
        return False
    for key, documented in example.items():
        if key not in item:
            continue
        value = item[key]
        nested_object = isinstance(documented, dict) and documented
        if nested_object and (not isinstance(value, dict) or set(value) != set(documented)):
            return False
        if isinstance(documented, list) and documented and isinstance(documented[0], dict):
            allowed = set().union(*(set(element) for element in documented))
            if not isinstance(value, list) or any(set(element) - allowed for element in value):
                return False
    return True


@pytest.fixture(scope="module")
def big_sandbox():
    # Enough posts that every documented variant (even rare Facebook stories) shows up. The
    # documented examples are the 2024 era's; test_current_shapes.py covers today's.
    with start_sandbox(profiles=1, posts=3000, seed=1, start=START, speed=0, shapes="2024") as sb:
        yield sb


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_item_has_exactly_the_keys_of_a_documented_example(big_sandbox, platform):
    examples = platform_examples()[platform]
    response = get(big_sandbox, f"/history/{platform}", limit=500)
    assert response.status_code == 200
    items = response.json()["posts"]
    assert len(items) == 500
    optional = MAY_BE_MISSING.get(platform, set())
    matched = set()
    for item in items:
        fits = [n for n, example in enumerate(examples) if same_shape(item, example, optional)]
        assert fits, f"{platform} item with keys {sorted(item)} matches no documented example"
        matched.update(fits)
    # Every documented variant is served (TikTok's older page lacks fields the newer adds).
    expected = {
        n
        for n, example in enumerate(examples)
        if not (platform == "tiktok" and "audienceCities" not in example)
    }
    assert expected <= matched


def test_response_envelope_and_per_item_freshness(sandbox):
    body = get(sandbox, "/history/facebook", limit=50).json()
    assert body["status"] == "success"
    last, nxt = when(body["lastUpdated"]), when(body["nextUpdate"])
    assert 30 * 60 <= nxt - last <= 60 * 60
    assert last <= when(START) < nxt
    stamped = [item for item in body["posts"] if "nextUpdate" in item]
    assert stamped and all(item["nextUpdate"] == body["nextUpdate"] for item in stamped)


def test_newest_first(sandbox):
    items = get(sandbox, "/history/twitter", limit=100).json()["posts"]
    created = [when(item["created"]) for item in items]
    assert created == sorted(created, reverse=True)


def test_limit_defaults_to_10_and_is_capped_at_500():
    with start_sandbox(profiles=1, posts=6000, start=START, speed=0) as sb:
        assert len(get(sb, "/history/instagram").json()["posts"]) == 10
        assert len(get(sb, "/history/instagram", limit=900).json()["posts"]) == 500


def test_posts_made_outside_ayrshare_are_included(sandbox):
    body = get(sandbox, "/history/linkedin", limit=500).json()
    served = {item["id"] for item in body["posts"]}
    truth = get_expected(sandbox, at=body["lastUpdated"])
    outside = {
        row["id"] for row in truth if row["kind"] == "outside" and row["platform"] == "linkedin"
    }
    ayrshare = {
        social["id"]
        for row in truth
        if row["kind"] == "ayrshare"
        for social in row["socialIds"]
        if social["platform"] == "linkedin" and social["live"]
    }
    assert outside and ayrshare
    assert served == outside | ayrshare


def test_deleted_and_failed_posts_are_not_on_the_network(sandbox):
    served = {item["id"] for item in get(sandbox, "/history/facebook", limit=500).json()["posts"]}
    truth = get_expected(sandbox)
    gone = {
        social["id"]
        for row in truth
        if row["kind"] == "ayrshare"
        for social in row["socialIds"]
        if social["platform"] == "facebook" and not social["live"]
    }
    assert gone, "some Facebook posts should have been deleted"
    assert not served & gone


def test_skip_analytics_returns_only_ids_for_facebook_and_instagram(sandbox):
    for platform in ("facebook", "instagram"):
        items = get(sandbox, f"/history/{platform}", limit=20, skipAnalytics="true").json()["posts"]
        assert items and all(set(item) == {"id"} for item in items)
    tweets = get(sandbox, "/history/twitter", limit=5, skipAnalytics="true").json()["posts"]
    assert "publicMetrics" in tweets[0]


def test_facebook_page_published_leaves_out_posts_by_others(big_sandbox):
    feed = get(big_sandbox, "/history/facebook", limit=500).json()["posts"]
    own = get(big_sandbox, "/history/facebook", limit=500, pagePublished="true").json()["posts"]
    truth = get_expected(big_sandbox, limit=50_000)
    visitors = {row["id"] for row in truth if row["kind"] == "outside" and not row["pagePublished"]}
    feed_ids = {item["id"] for item in feed}
    own_ids = {item["id"] for item in own}
    assert feed_ids & visitors
    assert not own_ids & visitors
    same_choice = get(big_sandbox, "/history/facebook", limit=500, type="pagePublished").json()[
        "posts"
    ]
    assert {item["id"] for item in same_choice} == own_ids


def test_unlinked_network_is_a_400_not_linked():
    with start_sandbox(profiles=4, posts=50, start=START, speed=0) as sb:
        keys = sb.keys()["profiles"]
        profile = next(p for p in keys if set(PLATFORMS) - set(p["platforms"]))
        missing = sorted(set(PLATFORMS) - set(profile["platforms"]))[0]
        response = get(sb, f"/history/{missing}", profile=profile["index"])
        assert response.status_code == 400
        assert response.json()["code"] == 156


def get_expected(sb, at=None, limit=10_000) -> list[dict]:
    params = {"profile": 0, "limit": limit}
    if at:
        params["at"] = at
    return requests.get(f"{sb.base_url}/_sandbox/expected", params=params, timeout=10).json()[
        "items"
    ]
