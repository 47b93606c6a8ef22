"""The analytics endpoints and /profiles, against the 2024 shapes in tests/fixtures/ayrshare/.

Today's shapes (the default) are tested against tests/fixtures/ayrshare/current/ in
test_current_shapes.py.
"""

import json
from pathlib import Path

import pytest
import requests

from dashboard.ayrshare.sandbox import start_sandbox

from .conftest import START, get, post, when

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "ayrshare"
HOUR = 3600
DAY = 86400


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def busy_sandbox():
    """Posts every ~1.5 hours, so every network has posts minutes, days and months old."""
    with start_sandbox(profiles=1, posts=3000, seed=1, start=START, speed=0, shapes="2024") as sb:
        yield sb


def successful_posts(sb, **filters) -> list[dict]:
    return get(sb, "/history", lastDays=0, status="success", **filters).json()["history"]


def by_social_id(sb, platform: str, social_id: str) -> requests.Response:
    return post(
        sb, "/analytics/post", {"id": social_id, "platforms": [platform], "searchPlatformId": True}
    )


# --- POST /analytics/post ------------------------------------------------------------------------


def test_post_analytics_has_one_object_per_network_in_the_fixture_shape(busy_sandbox):
    documented = fixture("analytics_post.json")
    # Before 2025-03-07 TikTok said likes, comments, shares (the fixture has today's names).
    tiktok = documented["tiktok"]["analytics"]
    for old, new in (
        ("likes", "likeCount"),
        ("comments", "commentsCount"),
        ("shares", "shareCount"),
    ):
        tiktok[old] = tiktok.pop(new)
    seen = set()
    for item in successful_posts(busy_sandbox)[:60]:
        response = post(busy_sandbox, "/analytics/post", {"id": item["id"]})
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "success" and body["id"] == item["id"]
        social_ids = {entry["platform"]: entry["id"] for entry in item["postIds"]}
        for platform, social_id in social_ids.items():
            objects = body[platform] if isinstance(body[platform], list) else [body[platform]]
            first = objects[0]
            assert set(first) == {"id", "postUrl", "analytics", "lastUpdated", "nextUpdate"}
            assert first["id"] == social_id
            # Some fields are delayed or only for reels (see the delay tests below).
            assert set(first["analytics"]) <= set(documented[platform]["analytics"])
            if platform in ("bluesky", "facebook", "linkedin", "twitter"):
                assert set(first["analytics"]) == set(documented[platform]["analytics"])
            seen.add(platform)
    assert seen == {
        "bluesky",
        "facebook",
        "instagram",
        "linkedin",
        "pinterest",
        "tiktok",
        "twitter",
        "youtube",
    }


def test_platforms_narrow_the_answer(sandbox):
    item = next(i for i in successful_posts(sandbox) if len(i["postIds"]) > 1)
    wanted = item["postIds"][0]["platform"]
    body = post(sandbox, "/analytics/post", {"id": item["id"], "platforms": [wanted]}).json()
    assert set(body) == {"status", "id", wanted}


def test_failed_network_comes_back_as_an_error_entry(sandbox):
    failed = get(sandbox, "/history", lastDays=0, status="error").json()["history"]
    partial = next(item for item in failed if item["postIds"])
    body = post(sandbox, "/analytics/post", {"id": partial["id"]}).json()
    assert body["status"] == "partial"
    assert {e["platform"] for e in body["errors"]} == {e["platform"] for e in partial["errors"]}
    total = next(item for item in failed if not item["postIds"])
    response = post(sandbox, "/analytics/post", {"id": total["id"]})
    assert response.status_code == 400
    assert response.json()["status"] == "error" and response.json()["errors"]


def test_unknown_post_id_is_a_404_and_a_missing_id_a_400(sandbox):
    response = post(sandbox, "/analytics/post", {"id": "AAAAAAAAAAAAAAAAAAAA"})
    assert response.status_code == 404
    assert response.json()["code"] == 114
    assert post(sandbox, "/analytics/post", {"platforms": ["facebook"]}).status_code == 400


def test_twitter_threads_come_back_as_an_array_of_tweets(busy_sandbox):
    for item in successful_posts(busy_sandbox, platform="twitter"):
        tweets = post(
            busy_sandbox, "/analytics/post", {"id": item["id"], "platforms": ["twitter"]}
        ).json()
        if isinstance(tweets["twitter"], list):
            break
    else:
        pytest.fail("no thread among the sandbox's tweets")
    thread = tweets["twitter"]
    assert len(thread) == 3
    assert len({tweet["id"] for tweet in thread}) == 3
    head = next(e["id"] for e in item["postIds"] if e["platform"] == "twitter")
    assert thread[0]["id"] == head


def test_analytics_by_social_id_works_for_posts_made_outside_ayrshare(sandbox_2024):
    sandbox = sandbox_2024
    truth = requests.get(
        f"{sandbox.base_url}/_sandbox/expected", params={"profile": 0}, timeout=10
    ).json()
    outside = next(
        r for r in truth["items"] if r["kind"] == "outside" and r["platform"] == "facebook"
    )
    response = by_social_id(sandbox, "facebook", outside["id"])
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "facebook"}  # no Ayrshare id: the post never went through it
    assert body["facebook"]["id"] == outside["id"]
    assert set(body["facebook"]["analytics"]) <= set(
        fixture("analytics_post_social_id.json")["facebook"]["analytics"]
    ) | set(fixture("analytics_post.json")["facebook"]["analytics"])


def test_facebook_story_analytics_are_not_available():
    with start_sandbox(profiles=1, posts=3000, seed=1, start=START, speed=0) as sb:
        stories = [
            i for i in get(sb, "/history/facebook", limit=500).json()["posts"] if "mediaId" in i
        ]
        assert stories
        response = by_social_id(sb, "facebook", stories[0]["id"])
        assert response.status_code == 400
        assert response.json()["status"] == "error"


def test_analytics_by_social_id_needs_exactly_one_supported_platform(sandbox):
    item = successful_posts(sandbox, platform="facebook")[0]
    social_id = next(e["id"] for e in item["postIds"] if e["platform"] == "facebook")
    assert by_social_id(sandbox, "facebook", social_id).status_code == 200
    bad = [
        {"id": social_id, "searchPlatformId": True},
        {"id": social_id, "platforms": ["facebook", "twitter"], "searchPlatformId": True},
        {"id": social_id, "platforms": ["pinterest"], "searchPlatformId": True},
    ]
    for body in bad:
        assert post(sandbox, "/analytics/post", body).status_code == 400
    assert by_social_id(sandbox, "facebook", "123_456").status_code == 404


def network_items(sb, platform, limit=100):
    return get(sb, f"/history/{platform}", limit=limit).json()["posts"]


def test_youtube_analytics_arrive_24_to_48_hours_after_publishing(busy_sandbox):
    video = network_items(busy_sandbox, "youtube")[0]
    busy_sandbox.clock.set(when(video["created"]) + 10 * HOUR)
    early = by_social_id(busy_sandbox, "youtube", video["id"]).json()["youtube"]["analytics"]
    assert "views" not in early and "likes" not in early
    assert early["title"]  # the video's details are there from the start
    busy_sandbox.clock.set(when(video["created"]) + 56 * HOUR)
    later = by_social_id(busy_sandbox, "youtube", video["id"]).json()["youtube"]["analytics"]
    assert later["views"] > 0


def test_pinterest_impressions_and_clicks_arrive_24_to_72_hours_after_pinning(busy_sandbox):
    item = successful_posts(busy_sandbox, platform="pinterest", limit=1)[0]
    busy_sandbox.clock.set(item["scheduleDate"]["_seconds"] + 10 * HOUR)
    early = pin_analytics(busy_sandbox, item["id"])
    assert "impression" not in early and "pinClick" not in early
    assert "save" in early
    busy_sandbox.clock.set(item["scheduleDate"]["_seconds"] + 80 * HOUR)
    later = pin_analytics(busy_sandbox, item["id"])
    assert later["impression"] > 0 and "pinClick" in later


def pin_analytics(sb, post_id):
    body = post(sb, "/analytics/post", {"id": post_id, "platforms": ["pinterest"]}).json()
    return body["pinterest"]["analytics"]


def test_tiktok_fields_vanish_after_seven_idle_days(busy_sandbox):
    videos = network_items(busy_sandbox, "tiktok", limit=500)
    fresh = next(v for v in videos if when(v["created"]) > when(START) - DAY)
    stale = next(v for v in videos if when(v["created"]) < when(START) - 40 * DAY)
    assert "reach" in fresh and "audienceCountries" in fresh
    assert "reach" not in stale and "audienceCountries" not in stale
    assert "videoViews" in stale  # lifetime counters stay
    analytics = by_social_id(busy_sandbox, "tiktok", stale["id"]).json()["tiktok"]["analytics"]
    assert "reach" not in analytics and analytics["videoViews"] == stale["videoViews"]


# --- POST /analytics/social ----------------------------------------------------------------------


def test_social_analytics_in_the_fixture_shape_with_errors_for_unlinked_networks(sandbox_2024):
    sandbox = sandbox_2024
    documented = fixture("analytics_social.json")
    linked = ["facebook", "instagram", "linkedin", "pinterest", "tiktok", "twitter", "youtube"]
    body = post(sandbox, "/analytics/social", {"platforms": [*linked, "gmb", "reddit"]}).json()
    assert body["status"] == "partial"
    for platform in linked:
        assert set(body[platform]) == {"analytics", "lastUpdated", "nextUpdate"}
        assert set(body[platform]["analytics"]) == set(documented[platform]["analytics"])
    assert {e["platform"] for e in body["errors"]} == {"gmb", "reddit"}
    assert {e["code"] for e in body["errors"]} == {156}


def test_social_analytics_for_nothing_linked_is_a_400(sandbox):
    response = post(sandbox, "/analytics/social", {"platforms": ["gmb"]})
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert post(sandbox, "/analytics/social", {}).status_code == 400


def test_facebook_account_numbers_refresh_daily(sandbox):
    body = post(sandbox, "/analytics/social", {"platforms": ["facebook", "twitter"]}).json()
    facebook = when(body["facebook"]["nextUpdate"]) - when(body["facebook"]["lastUpdated"])
    twitter = when(body["twitter"]["nextUpdate"]) - when(body["twitter"]["lastUpdated"])
    assert 20 * HOUR < facebook < 28 * HOUR
    assert twitter < facebook


# --- links, playlists, profiles, user ------------------------------------------------------------


def test_link_analytics_by_last_days(sandbox_2024):
    sandbox = sandbox_2024
    documented = set(fixture("analytics_links.json")["links"][0])
    one = get(sandbox, "/analytics/links").json()
    thirty = get(sandbox, "/analytics/links", lastDays=30).json()
    assert one["status"] == "success"
    assert 0 < len(one["links"]) < len(thirty["links"])
    for link in thirty["links"]:
        assert set(link) <= documented
        assert ("lastClicked" in link) == (link["clickCount"] > 0)
    for bad in (0, 31, "x"):
        assert get(sandbox, "/analytics/links", lastDays=bad).status_code == 400


def test_youtube_playlists_in_the_fixture_shape(sandbox):
    documented = set(fixture("youtube_playlists.json")["playlists"][0])
    body = get(sandbox, "/analytics/youTubePlaylists").json()
    assert body["status"] == "success" and body["playlists"]
    assert all(set(playlist) == documented for playlist in body["playlists"])


def test_profiles_are_paged_by_cursor_and_never_reveal_profile_keys():
    with start_sandbox(profiles=5, posts=10, start=START, speed=0, shapes="2024") as sb:
        documented = set(fixture("profiles.json")["profiles"][0]) - {"tags"}
        first = get(sb, "/profiles", profile=None, limit=2)
        body = first.json()
        assert body["count"] == 2 and body["pagination"]["hasMore"] is True
        titles = [p["title"] for p in body["profiles"]]
        while body["pagination"]["hasMore"]:
            body = get(
                sb, "/profiles", profile=None, limit=2, cursor=body["pagination"]["nextCursor"]
            ).json()
            titles += [p["title"] for p in body["profiles"]]
        assert titles == [p["title"] for p in sb.keys()["profiles"]]
        assert body["pagination"]["nextCursor"] is None
        assert all(set(p) == documented for p in first.json()["profiles"])
        assert not any(key in first.text for key in sb.profile_keys)
        assert get(sb, "/profiles", profile=None, cursor="garbage").status_code == 400


def test_user_describes_the_profile_the_key_belongs_to(sandbox):
    keys = sandbox.keys()["profiles"]
    body = get(sandbox, "/user", profile=1).json()
    assert body["title"] == keys[1]["title"] and body["refId"] == keys[1]["refId"]
    assert body["activeSocialAccounts"] == keys[1]["platforms"]
    assert [d["platform"] for d in body["displayNames"]] == keys[1]["platforms"]
    primary = get(sandbox, "/user", profile=None).json()
    assert primary["activeSocialAccounts"] == [] and primary["refId"] != body["refId"]
