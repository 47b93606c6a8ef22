"""Today's Ayrshare shapes (the default) against tests/fixtures/ayrshare/current/, and the 2024 era.

The fixtures are complete answers researched from Ayrshare's own test suite, docs and changelog.
The sandbox may leave out keys a fixture has (it does not invent profile pictures), but it must
not send a key today's Ayrshare no longer sends: a client tested against the sandbox would
otherwise rely on numbers that are gone.
"""

import json
from pathlib import Path

import pytest
import requests

from dashboard.ayrshare.sandbox import SandboxConfig, start_sandbox
from dashboard.management.commands.ayrshare_sandbox import Command

from .conftest import START, get, post, when

CURRENT = Path(__file__).resolve().parents[3] / "fixtures" / "ayrshare" / "current"
DAY = 86400
SOCIAL_ID_PLATFORMS = ("facebook", "instagram", "linkedin", "tiktok", "twitter", "youtube")
TWITTER_METRICS = ("publicMetrics", "nonPublicMetrics", "organicMetrics")


def fixture(name: str):
    return json.loads((CURRENT / name).read_text())


def documented_post(platform: str) -> dict:
    return fixture(f"analytics_post_{platform}.json")[platform]["analytics"]


def documented_social(platform: str) -> dict:
    return fixture(f"analytics_social_{platform}.json")[platform]["analytics"]


def by_social_id(sb, platform: str, social_id: str) -> requests.Response:
    body = {"id": social_id, "platforms": [platform], "searchPlatformId": True}
    return post(sb, "/analytics/post", body)


def is_video(item: dict) -> bool:
    return any(url.endswith(".mp4") for url in item.get("mediaUrls", []))


@pytest.fixture(scope="module")
def busy():
    """Profile 0 has every network and posts every ~1.5 hours; no rate limit for the sweep."""
    with start_sandbox(
        profiles=3, posts=3000, seed=1, start=START, speed=0, rate_limit_enabled=False
    ) as sb:
        yield sb


@pytest.fixture(scope="module")
def samples(busy):
    """(network post, analytics) pairs per network, read once for the whole module."""
    found = {}
    for platform in SOCIAL_ID_PLATFORMS:
        items = get(busy, f"/history/{platform}", limit=80).json()["posts"]
        pairs = []
        for item in items:
            if "mediaId" in item:
                continue  # Facebook stories have no analytics
            answer = by_social_id(busy, platform, item["id"]).json()
            pairs.append((item, answer[platform]["analytics"]))
        found[platform] = pairs
    # Pinterest and Bluesky posts are looked up by their Ayrshare id.
    for platform in ("pinterest", "bluesky"):
        posts = get(busy, "/history", lastDays=0, status="success", platform=platform)
        pairs = []
        for item in posts.json()["history"][:60]:
            answer = post(busy, "/analytics/post", {"id": item["id"], "platforms": [platform]})
            pairs.append((item, answer.json()[platform]["analytics"]))
        found[platform] = pairs
    return found


# --- POST /analytics/post: no key today's Ayrshare lacks -----------------------------------------


@pytest.mark.parametrize("platform", [*SOCIAL_ID_PLATFORMS, "pinterest", "bluesky"])
def test_post_analytics_send_no_key_the_current_fixture_lacks(samples, platform):
    documented = documented_post(platform)
    assert samples[platform]
    for _, analytics in samples[platform]:
        assert set(analytics) <= set(documented), set(analytics) - set(documented)
        for name, value in analytics.items():
            if isinstance(value, dict) and isinstance(documented[name], dict):
                assert set(value) <= set(documented[name]), (name, set(value))


def test_twitter_metric_objects_and_video_carry_only_documented_keys(samples):
    documented = documented_post("twitter")
    videos = 0
    for _, analytics in samples["twitter"]:
        for name in TWITTER_METRICS:
            assert set(analytics[name]) <= set(documented[name]), (name, analytics[name])
            if "video" in analytics[name]:
                assert set(analytics[name]["video"]) == set(documented[name]["video"])
        for media in analytics.get("media", []):
            assert set(media) <= set(documented["media"][0])
        videos += "media" in analytics
    assert videos, "some sampled tweets are videos"


def test_instagram_reports_views_not_impressions_or_plays(samples):
    reels = 0
    for _, analytics in samples["instagram"]:
        assert "impressionsCount" not in analytics and "playsCount" not in analytics
        assert analytics["viewsCount"] >= 0 and analytics["reachCount"] >= 0
        engaged = sum(
            analytics[name] for name in ("likeCount", "commentsCount", "savedCount", "sharesCount")
        )
        assert analytics["engagementCount"] == engaged
        if analytics["mediaProductType"] == "REELS":
            reels += 1
            total = analytics["igReelsVideoViewTotalTimeCount"]  # milliseconds
            views = analytics["viewsCount"]
            expected_average = total // views if views else 0
            assert abs(analytics["igReelsAvgWatchTimeCount"] - expected_average) <= 1
    assert reels


def test_facebook_reports_media_views_and_video_time_in_milliseconds(samples):
    videos = 0
    for _, analytics in samples["facebook"]:
        assert not {"impressionsUnique", "impressions", "clicksUnique"} & set(analytics)
        assert analytics["mediaViewIsFromAds"] == 0
        assert analytics["reactions"]["total"] == analytics["likeCount"]
        if analytics["statusType"] != "added_video":
            assert "totalVideoViews" not in analytics
            continue
        videos += 1
        views = analytics["totalVideoViews"]
        assert views == analytics["videoViews"] <= analytics["mediaView"]
        assert analytics["totalVideoViewTotalTime"] == analytics["videoViewTime"]
        if views:
            average = analytics["totalVideoViewTotalTime"] // views
            assert abs(analytics["totalVideoAvgTimeWatched"] - average) <= 1
        assert analytics["totalVideoCompleteViews"] <= views
    assert videos


def test_tiktok_uses_the_renamed_counters_and_watch_time_in_seconds(samples):
    for _, analytics in samples["tiktok"]:
        assert not {"likes", "comments", "shares"} & set(analytics)
        assert {"likeCount", "commentsCount", "shareCount"} <= set(analytics)
        if "totalTimeWatched" in analytics:  # gone after 7 idle days
            assert 0 <= analytics["fullVideoWatchedRate"] <= 1
            views = analytics["videoViews"]
            if views:
                average = analytics["totalTimeWatched"] / views
                assert analytics["averageTimeWatched"] == pytest.approx(average, abs=1e-3)


def test_twitter_video_quartiles_never_grow_towards_the_end(samples):
    videos = [a for _, a in samples["twitter"] if "media" in a]
    for analytics in videos:
        organic = analytics["organicMetrics"]["video"]
        counts = [organic[f"playback{p}Count"] for p in (0, 25, 50, 75, 100)]
        assert counts == sorted(counts, reverse=True)
        assert organic["viewCount"] >= organic["playback0Count"] - 1
        assert {k: organic[k] for k in analytics["nonPublicMetrics"]["video"]} == analytics[
            "nonPublicMetrics"
        ]["video"]
        assert analytics["media"][0]["publicMetrics"]["viewCount"] >= organic["viewCount"]
    for _, analytics in samples["twitter"]:
        if "media" not in analytics:
            assert "video" not in analytics["organicMetrics"]


def test_youtube_watch_time_adds_up(samples):
    reported = [a for _, a in samples["youtube"] if "views" in a]
    assert reported
    for analytics in reported:
        views, average = analytics["views"], analytics["averageViewDuration"]  # seconds
        minutes = analytics["estimatedMinutesWatched"]
        assert average * views <= minutes * 60 + 60
        assert (average + 1) * views >= minutes * 60
        assert analytics["subscribersGained"] >= analytics["subscribersLost"] >= 0


def test_linkedin_video_views_and_watch_time(samples):
    videos = [a for _, a in samples["linkedin"] if "videoViews" in a]
    assert videos
    for analytics in videos:
        assert analytics["videoViewers"] <= analytics["videoViews"]
        assert analytics["videoWatchTimeMs"] >= 0
        assert "timeWatched" not in analytics and "viewers" not in analytics
    for _, analytics in samples["linkedin"]:
        assert sum(analytics["reactions"].values()) == analytics["likeCount"]


def test_pinterest_media_is_nested_and_video_quartiles_are_spelled_right(samples):
    videos = 0
    for item, analytics in samples["pinterest"]:
        assert analytics["media"]["mediaType"] in ("image", "video", "multiple_mixed")
        assert "quartile95sPercentView" not in analytics
        if analytics["media"]["mediaType"] == "video" and "impression" in analytics:
            videos += 1
            assert is_video(item)
            assert analytics["videoStart"] >= analytics["videoMrcView"]
            assert analytics["videoMrcView"] >= analytics["quartile95PercentView"]
            assert analytics["videoAvgWatchTime"] >= 0  # milliseconds
    assert videos


# --- GET /history/{platform} ---------------------------------------------------------------------


def test_facebook_history_items_carry_no_retired_impression_keys(busy):
    documented = set().union(*(set(item) for item in fixture("history_facebook.json")["posts"]))
    items = get(busy, "/history/facebook", limit=200).json()["posts"]
    for item in items:
        assert not {"impressionsUnique", "clicksUnique", "engagedUsers"} & set(item)
        assert "sharesCount" in item
    # Every key the researched answer has, the sandbox serves somewhere.
    assert documented <= set().union(*(set(item) for item in items))


def test_twitter_history_video_items_carry_video_metrics(busy):
    items = get(busy, "/history/twitter", limit=100).json()["posts"]
    videos = [i for i in items if any(m["type"] == "video" for m in i["media"])]
    assert videos
    for item in videos:
        assert "viewCount" in item["organicMetrics"]["video"]
        assert "playback100Count" in item["nonPublicMetrics"]["video"]


# --- POST /analytics/social ----------------------------------------------------------------------


def test_social_analytics_send_no_key_the_current_fixture_lacks(busy):
    busy.link(0, "threads")
    busy.link(0, "gmb")
    busy.link(0, "reddit")
    platforms = [
        "bluesky",
        "facebook",
        "gmb",
        "instagram",
        "linkedin",
        "pinterest",
        "reddit",
        "threads",
        "tiktok",
        "twitter",
        "youtube",
    ]
    try:
        body = post(busy, "/analytics/social", {"platforms": platforms}).json()
    finally:
        for platform in ("threads", "gmb", "reddit"):
            busy.unlink(0, platform)
    assert body["status"] == "success"
    for platform in platforms:
        documented = documented_social(platform)
        analytics = body[platform]["analytics"]
        assert set(analytics) <= set(documented), (platform, set(analytics) - set(documented))
        for name, value in analytics.items():
            if isinstance(value, dict):
                assert set(value) <= set(documented[name]), (platform, name)


def test_social_analytics_in_todays_names(busy):
    platforms = ["facebook", "instagram", "linkedin", "tiktok", "youtube", "twitter"]
    body = post(busy, "/analytics/social", {"platforms": platforms}).json()
    facebook = body["facebook"]["analytics"]
    assert not {"pageImpressions", "pageImpressionsUnique"} & set(facebook)
    for name in ("pagePostsImpressions", "pageMediaView", "pagePostEngagements", "pageVideoViews"):
        assert isinstance(facebook[name], int)
    instagram = body["instagram"]["analytics"]
    assert {"reachCount", "viewsCount", "likeCount", "commentsCount"} <= set(instagram)
    followers = body["linkedin"]["analytics"]["followers"]
    assert set(followers) == {"organicFollowerCount", "paidFollowerCount"}
    assert isinstance(body["tiktok"]["analytics"]["videoCountTotal"], int)
    youtube = body["youtube"]["analytics"]
    for name in ("subscriberCount", "videoCount", "viewCount"):
        assert isinstance(youtube[name], str) and youtube[name].isdigit()
    for name in ("subscribersGained", "subscribersLost", "estimatedMinutesWatched"):
        assert isinstance(youtube[name], int)
    assert "followingCount" in body["twitter"]["analytics"]


def test_bluesky_and_threads_account_analytics_are_served_today_but_not_in_2024():
    with start_sandbox(profiles=1, posts=50, seed=1, start=START, speed=0) as sb:
        sb.link(0, "threads")
        body = post(sb, "/analytics/social", {"platforms": ["bluesky", "threads"]}).json()
        assert body["status"] == "success"
        assert body["threads"]["analytics"]["followersCount"] > 0
        assert body["bluesky"]["analytics"]["postsCount"] > 0
        sb.configure(shapes="2024")
        old = post(sb, "/analytics/social", {"platforms": ["bluesky", "threads"]})
        assert old.status_code == 400
        assert {e["platform"] for e in old.json()["errors"]} == {"bluesky", "threads"}


# --- both eras from one world --------------------------------------------------------------------


def test_switching_eras_live_keeps_the_numbers_and_changes_the_names():
    with start_sandbox(profiles=1, posts=300, seed=1, start=START, speed=0) as sb:
        assert requests.get(f"{sb.base_url}/_sandbox/config", timeout=5).json()["shapes"] == (
            "current"
        )
        video = get(sb, "/history/tiktok", limit=1).json()["posts"][0]
        today = by_social_id(sb, "tiktok", video["id"]).json()["tiktok"]["analytics"]
        answer = requests.post(
            f"{sb.base_url}/_sandbox/config", json={"shapes": "2024"}, timeout=5
        ).json()
        assert answer["shapes"] == "2024"
        before = by_social_id(sb, "tiktok", video["id"]).json()["tiktok"]["analytics"]
        assert (before["likes"], before["comments"], before["shares"]) == (
            today["likeCount"],
            today["commentsCount"],
            today["shareCount"],
        )
        assert "likeCount" not in before
        social = post(sb, "/analytics/social", {"platforms": ["linkedin", "youtube"]}).json()
        assert "totalFollowerCount" in social["linkedin"]["analytics"]["followers"]
        assert isinstance(social["youtube"]["analytics"]["subscriberCount"], int)
        facebook = get(sb, "/history/facebook", limit=5).json()["posts"]
        assert any("impressionsUnique" in item for item in facebook)
        bad = requests.post(f"{sb.base_url}/_sandbox/config", json={"shapes": "1999"}, timeout=5)
        assert bad.status_code == 400


def test_2024_post_analytics_keep_the_older_keys():
    with start_sandbox(profiles=1, posts=3000, seed=1, start=START, speed=0, shapes="2024") as sb:
        reel = next(
            i for i in get(sb, "/history/instagram", limit=100).json()["posts"] if "REELS" in str(i)
        )
        instagram = by_social_id(sb, "instagram", reel["id"]).json()["instagram"]["analytics"]
        assert "playsCount" in instagram
        facebook_post = get(sb, "/history/facebook", limit=10).json()["posts"][0]
        facebook = by_social_id(sb, "facebook", facebook_post["id"]).json()
        assert "impressionsUnique" in facebook["facebook"]["analytics"]
        tweets = get(sb, "/history/twitter", limit=50).json()["posts"]
        video = next(t for t in tweets if any(m["type"] == "video" for m in t["media"]))
        tweet = by_social_id(sb, "twitter", video["id"]).json()["twitter"]["analytics"]
        assert "video" not in tweet["organicMetrics"] and "engagements" in tweet["nonPublicMetrics"]


def test_shapes_can_be_chosen_at_start():
    with pytest.raises(ValueError, match="shapes"):
        SandboxConfig(shapes="1999")
    parser = Command().create_parser("manage.py", "ayrshare_sandbox")
    assert parser.parse_args(["--shapes", "2024"]).shapes == "2024"
    assert parser.parse_args([]).shapes == "current"


# --- links ---------------------------------------------------------------------------------------


def test_link_analytics_agree_on_both_paths(busy):
    recent = get(busy, "/analytics/links", lastDays=30)
    assert recent.status_code == 200
    array = recent.json()
    assert isinstance(array, list) and array
    documented = set(fixture("analytics_links.json")[0])
    listed = get(busy, "/links").json()
    assert listed["status"] == "success"
    by_id = {link["id"]: link for link in listed["analytics"]}
    documented_item = set(fixture("links.json")["analytics"][0])
    for link in listed["analytics"]:
        assert set(link) <= documented_item
        assert link["totalClicks"] == sum(link["browserCounts"].values())
        assert sum(link["socialClicks"].values()) == sum(link["refererCounts"].values())
    for item in array:
        assert set(item) == documented
        assert set(item["created"]) == {"_seconds", "_nanoseconds"}
        clicks = 0
        for stat in item["linkEventStats"]:
            assert stat["event"] == "CLICK" and isinstance(stat["count"], str)
            clicks += int(stat["count"])
        same = by_id[item["shortLink"].rsplit("/", 1)[-1]]
        assert same["totalClicks"] == clicks
        assert same["originalUrl"] == item["link"] and same["shortUrl"] == item["shortLink"]
        assert int(when(same["created"])) == item["created"]["_seconds"]
    one = array[0]["shortLink"].rsplit("/", 1)[-1]
    detail = get(busy, f"/links/{one}").json()
    assert detail == {"status": "success", "analytics": by_id[one]}
    assert get(busy, "/links/zzzzzz").status_code == 404


def test_links_filter_by_creation_and_click_dates(busy):
    everything = get(busy, "/links").json()["analytics"]
    since = when(START) - 5 * DAY
    recent = get(busy, "/links", fromCreatedDate="2026-02-24T12:00:00Z").json()["analytics"]
    assert 0 < len(recent) < len(everything)
    assert all(when(link["created"]) >= since for link in recent)
    clicked_lately = get(busy, "/links", fromClickDate="2026-03-01T00:00:00Z").json()["analytics"]
    totals = {link["id"]: link["totalClicks"] for link in everything}
    assert all(link["totalClicks"] <= totals[link["id"]] for link in clicked_lately)
    assert sum(link["totalClicks"] for link in clicked_lately) < sum(totals.values())


def test_2024_link_analytics_answer_as_before_with_the_same_totals():
    with start_sandbox(profiles=1, posts=50, seed=1, start=START, speed=0) as sb:
        totals = {link["id"]: link["totalClicks"] for link in get(sb, "/links").json()["analytics"]}
        sb.configure(shapes="2024")
        body = get(sb, "/analytics/links", lastDays=30).json()
        assert body["status"] == "success" and body["links"]
        for link in body["links"]:
            assert link["clickCount"] == totals[link["id"]]


# --- profiles and user ---------------------------------------------------------------------------


def test_profiles_say_active_or_suspended():
    documented = set(fixture("profiles.json")["profiles"][0]) | {"suspended"}
    with start_sandbox(profiles=3, posts=10, seed=1, start=START, speed=0, suspended=(2,)) as sb:
        profiles = get(sb, "/profiles", profile=None).json()["profiles"]
        assert [p["status"] for p in profiles] == ["active", "active", "suspended"]
        assert profiles[2]["suspended"] is True
        assert "suspended" not in profiles[0] and "suspended" not in profiles[1]
        assert all(set(p) <= documented for p in profiles)
        assert "utc" not in profiles[0]["created"]
        sb.configure(shapes="2024")
        old = get(sb, "/profiles", profile=None).json()["profiles"]
        assert [p["status"] for p in old] == ["active"] * 3
        assert [p["suspended"] for p in old] == [False, False, True]


def test_user_display_names_and_linkedin_refresh_days(sandbox):
    keys = set().union(*(set(entry) for entry in fixture("user.json")["displayNames"]))
    soon = get(sandbox, "/user", profile=2).json()  # seed 1: the last profile with LinkedIn
    assert [d["platform"] for d in soon["displayNames"]] == soon["activeSocialAccounts"]
    for entry in soon["displayNames"]:
        assert set(entry) <= keys
        assert {"platform", "displayName", "username", "profileUrl", "userImage", "id"} <= set(
            entry
        )
    linkedin = next(d for d in soon["displayNames"] if d["platform"] == "linkedin")
    assert linkedin["refreshDaysRemaining"] == 4
    plenty = get(sandbox, "/user", profile=0).json()
    days = next(d for d in plenty["displayNames"] if d["platform"] == "linkedin")
    assert 20 <= days["refreshDaysRemaining"] < 60
    sandbox.clock.advance(2 * DAY)
    later = get(sandbox, "/user", profile=2).json()["displayNames"]
    assert next(d for d in later if d["platform"] == "linkedin")["refreshDaysRemaining"] == 2
    sandbox.configure(shapes="2024")
    old = get(sandbox, "/user", profile=2).json()["displayNames"]
    assert all("refreshDaysRemaining" not in d for d in old)
