"""The normalizer on the shapes Ayrshare serves today and on the older ones it still documents.

The fixtures are in tests/fixtures/ayrshare/current/ (sources in the README beside them). Every
expected value here was written by hand from reading the answer, not taken from the code.
"""

import copy
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from accounts.connection import _listed
from dashboard.ayrshare import normalize
from dashboard.metrics import PLATFORM_METRICS, PLATFORM_VIDEO_METRICS

CURRENT = Path(__file__).resolve().parents[2] / "fixtures" / "ayrshare" / "current"


def fixture(name):
    return json.loads((CURRENT / name).read_text())


def reported(values):
    return {k: v for k, v in values.items() if v is not None and k != "engagement_rate"}


# file -> (media type, metrics, video metrics), the rate checked separately
POSTS = {
    "analytics_post_instagram.json": (
        "reel",
        # No impressions since April 2025: viewsCount is views, not impressions.
        {"reach": 3580, "views": 4210, "likes": 318, "comments": 14, "shares": 29, "saves": 41}
        | {"engagements": 402},
        {"watch_time": 30943.5, "avg_watch_time": 7.35},
    ),
    "analytics_post_instagram_2024.json": (
        "image",
        {"impressions": 2890, "reach": 2104, "likes": 187, "comments": 11, "shares": 7}
        | {"saves": 23, "engagements": 228},
        {},
    ),
    "analytics_post_facebook.json": (
        "video",
        # mediaView is Meta's replacement for post impressions; no unique count any more.
        {"impressions": 5120, "views": 1830, "likes": 64, "comments": 9, "shares": 12}
        | {"engagements": 85},
        {"watch_time": 9150.0, "avg_watch_time": 5.0, "completion_rate": round(402 / 1830, 6)},
    ),
    "analytics_post_facebook_2024.json": (
        "image",
        {"impressions": 2460, "reach": 1795, "views": 0, "likes": 38, "comments": 4, "shares": 3}
        | {"engagements": 45},
        {"watch_time": 0.0},
    ),
    "analytics_post_twitter.json": (
        "video",
        {"impressions": 8650, "views": 2480, "likes": 97, "comments": 6, "shares": 14 + 3}
        | {"saves": 11, "clicks": 23, "engagements": 154},
        {"completion_rate": round(322 / 2310, 6)},
    ),
    "analytics_post_tiktok.json": (
        "video",
        {"reach": 9876, "views": 12170, "likes": 812, "comments": 31, "shares": 44}
        | {"engagements": 887},
        {"watch_time": 78131.0, "avg_watch_time": 6.42, "completion_rate": 0.2213},
    ),
    "analytics_post_tiktok_2024.json": (
        "video",
        # Before March 2025: likes/comments/shares, not likeCount/commentsCount/shareCount.
        {"reach": 1302, "views": 1460, "likes": 73, "comments": 5, "shares": 2, "engagements": 80},
        {"watch_time": 7154.0, "avg_watch_time": 4.9, "completion_rate": 0.1741},
    ),
    "analytics_post_linkedin.json": (
        "video",
        {"impressions": 2150, "reach": 1630, "views": 905, "likes": 58, "comments": 7}
        | {"shares": 6, "clicks": 41, "engagements": 112},
        {"watch_time": 13575.0, "avg_watch_time": 15.0},
    ),
    "analytics_post_youtube.json": (
        "video",
        {"views": 2084, "likes": 143, "comments": 12, "shares": 17, "engagements": 172},
        {"watch_time": 1320 * 60.0, "avg_watch_time": 38.0},
    ),
    "analytics_post_pinterest.json": (
        "video",
        {"impressions": 6240, "views": 1510, "likes": 19, "comments": 3, "saves": 88}
        | {"clicks": 214 + 37, "engagements": 361},
        {"avg_watch_time": 5.2, "completion_rate": round(230 / 2030, 6)},
    ),
    "analytics_post_threads.json": (
        "",
        {"views": 2315, "likes": 88, "comments": 12, "shares": 6 + 2 + 9, "engagements": 117},
        {},
    ),
    "analytics_post_bluesky.json": (
        "text",
        {"likes": 42, "comments": 7, "shares": 9 + 2, "engagements": 60},
        {},
    ),
    "analytics_post_reddit.json": (
        "",
        {"likes": 134, "comments": 22, "shares": 1, "engagements": 157},
        {},
    ),
    "analytics_post_snapchat.json": (
        "",
        # One object per snap of the story: the story is their sum.
        {"reach": 2740 + 2395, "views": 3120 + 2680, "comments": 4 + 1, "shares": 15 + 6}
        | {"engagements": 26},
        {"watch_time": 19808.0, "avg_watch_time": round(19808 / 5800, 3)},
    ),
}
RATES = {
    "analytics_post_instagram.json": 402 / 3580,  # per reach: no impressions
    "analytics_post_facebook.json": 85 / 5120,
    "analytics_post_twitter.json": 154 / 8650,
    "analytics_post_tiktok_2024.json": 80 / 1302,
    "analytics_post_youtube.json": 172 / 2084,  # per view
    "analytics_post_bluesky.json": None,  # Bluesky reports no denominator
}


@pytest.mark.parametrize("name", sorted(POSTS))
def test_post_analytics_of_today_and_the_older_era(name):
    [post] = normalize.post_analytics(fixture(name))
    media, metrics, video = POSTS[name]
    assert post.media_type == media
    assert reported(post.metrics) == metrics
    assert reported(post.video) == video
    assert set(reported(post.metrics)) <= set(PLATFORM_METRICS[post.platform])
    assert set(reported(post.video)) <= set(PLATFORM_VIDEO_METRICS.get(post.platform, ()))
    if name in RATES:
        assert post.metrics["engagement_rate"] == pytest.approx(RATES[name], abs=1e-6)


def test_an_x_video_without_media_takes_its_views_from_the_video_counters():
    answer = fixture("analytics_post_twitter.json")
    del answer["twitter"]["analytics"]["media"]
    [post] = normalize.post_analytics(answer)
    assert (post.media_type, post.metrics["views"]) == ("video", 2480)
    assert post.video["completion_rate"] == round(322 / 2310, 6)


def test_facebook_history_items_of_today():
    first, second = normalize.platform_posts("facebook", fixture("history_facebook.json"))
    assert (first.media_type, reported(first.metrics)) == (
        "video",
        {"likes": 64, "comments": 9, "shares": 12, "engagements": 85},
    )
    assert (second.media_type, reported(second.metrics)) == (
        "link",
        {"likes": 17, "comments": 2, "shares": 0, "engagements": 19},
    )
    assert first.last_updated == datetime(2026, 7, 20, 9, 12, 40, 118000, tzinfo=UTC)


def test_todays_fields_are_known_not_reported_as_new(caplog):
    caplog.set_level(logging.INFO, logger="dashboard.ayrshare.normalize")
    normalize._reported.clear()
    for name in POSTS:
        normalize.post_analytics(fixture(name))
    assert "unknown field" not in caplog.text


# --- POST /analytics/social ------------------------------------------------------------------

# file -> the account numbers the answer holds
ACCOUNTS = {
    "analytics_social_facebook.json": {
        # Page impressions are gone since Nov 2025; the impressions of the page's posts remain.
        "followers": 2611,
        "impressions": 40200,
        "views": 51980,  # pageMediaView
        "engagements": 3120,
    },
    "analytics_social_facebook_2024.json": {
        "followers": 2544,
        "impressions": 48210,
        "views": 4290,
        "engagements": 2980,
        "followers_lost": 9,
    },
    "analytics_social_instagram.json": {
        "followers": 10234,
        "following": 311,
        "posts_count": 402,
        "reach": 61234,
        "views": 150221,
        "engagements": 4870 + 250,
    },
    "analytics_social_instagram_2024.json": {
        "followers": 9876,
        "following": 305,
        "posts_count": 388,
        "impressions": 98110,
        "reach": 58012,
        "engagements": 4501 + 231,
    },
    "analytics_social_linkedin.json": {
        "followers": 1204 + 36,
        "organic_followers": 1204,
        "paid_followers": 36,
        "impressions": 12044,
        "reach": 6120,
        "engagements": 401 + 377 + 41 + 22,
    },
    "analytics_social_linkedin_2024.json": {
        "followers": 1150 + 30,
        "organic_followers": 1150,
        "paid_followers": 30,
        "impressions": 11500,
        "reach": 5900,
        "engagements": 388 + 361 + 39 + 18,
    },
    "analytics_social_tiktok.json": {
        "followers": 15230,
        "following": 40,
        "posts_count": 118,  # videoCountTotal
        "views": 1022300,
        "engagements": 98012 + 2210 + 1402,
    },
    "analytics_social_tiktok_2024.json": {
        "followers": 14100,
        "following": 38,
        "posts_count": 109,
        "views": 950100,
        "engagements": 90020 + 1990 + 1288,
    },
    "analytics_social_youtube.json": {
        # Counts as strings: "3022" subscribers, "77" videos.
        "followers": 3022,
        "posts_count": 77,
        "views": 12011,
        "engagements": 811 + 93 + 61,
        "followers_gained": 41,
        "followers_lost": 6,
        "watch_time": 30122 * 60.0,
    },
    "analytics_social_twitter.json": {"followers": 4410, "following": 212, "posts_count": 3301},
    "analytics_social_bluesky.json": {"followers": 842, "following": 97, "posts_count": 214},
    "analytics_social_threads.json": {
        "followers": 1980,
        "views": 45210,
        "engagements": 1320 + 188 + 64 + 21,
    },
    "analytics_social_gmb.json": {
        "impressions": 310 + 522 + 1204 + 1840,
        "engagements": 22 + 71 + 48 + 0 + 3,
    },
    "analytics_social_pinterest.json": {
        "followers": 880,
        "following": 54,
        "posts_count": 230,
        "impressions": 15200,
        "engagements": 611,
    },
    "analytics_social_reddit.json": {},
    "analytics_social_snapchat.json": {},
}
SNAPSHOT_META = {"platform", "raw", "last_updated", "next_update"}


@pytest.mark.parametrize("name", sorted(ACCOUNTS))
def test_account_analytics_of_every_network(name):
    [snapshot] = normalize.social_analytics(fixture(name))
    values = {
        key: value
        for key, value in vars(snapshot).items()
        if key not in SNAPSHOT_META and value is not None
    }
    assert values == ACCOUNTS[name]
    assert snapshot.last_updated is not None


# --- links -----------------------------------------------------------------------------------


def test_the_older_link_analytics_add_up_string_counts():
    links = normalize.link_analytics(fixture("analytics_links.json"))
    assert [(link.link_id, link.original_url, link.clicks) for link in links] == [
        ("Nz3L", "https://www.acme.example/spring?utm_source=ayrshare", 6 + 1),
        ("TSdN", "https://www.acme.example/about", 11 + 2),
        ("Qp7m", "https://www.acme.example/new", 0),  # no click events: zero, not unknown
    ]
    assert links[0].clicks_by_platform == {"other": 6, "ios": 1}
    assert links[0].created_at == datetime(2026, 2, 28, 9, 54, 2, 413000, tzinfo=UTC)


def test_todays_links_list_and_one_link():
    first, second = normalize.link_analytics(fixture("links.json"))
    assert (first.link_id, first.short_url, first.clicks) == (
        "yC0fTl",
        "https://ayrs.io/yC0fTl",
        15,
    )
    assert first.original_url.startswith("https://www.acme.example/spring?utm_source=newsletter")
    assert first.clicks_by_platform == {"facebook": 6, "twitter": 4}
    assert (second.link_id, second.clicks) == ("Qp7mZx", 0)
    [one] = normalize.link_analytics(fixture("link_detail.json"))
    assert (one.link_id, one.clicks) == ("yC0fTl", 15)


# --- GET /profiles ---------------------------------------------------------------------------


def test_profiles_say_their_state_in_a_status_field():
    listed = [_listed(item) for item in fixture("profiles.json")["profiles"]]
    assert [(p["title"], p["platforms"], p["suspended"]) for p in listed] == [
        (
            "Acme Brand",
            ["facebook", "instagram", "linkedin", "tiktok", "twitter", "youtube"],
            False,
        ),
        ("New Client (not linked yet)", [], False),
        ("Porto Bakery", ["instagram", "pinterest"], True),
    ]
    only_status = {"refId": "x1", "title": "Only status", "status": "suspended"}
    assert _listed(only_status)["suspended"] is True


# --- bad input -------------------------------------------------------------------------------

ODD_VALUES = [{"n": 5}, [5], "n/a", True, -3, float("nan")]


@pytest.mark.parametrize("odd", ODD_VALUES, ids=repr)
def test_an_unexpected_type_is_kept_raw_and_never_a_crash_or_a_zero(odd):
    answer = fixture("analytics_post_instagram.json")
    answer["instagram"]["analytics"]["likeCount"] = odd
    answer["instagram"]["analytics"]["igReelsAvgWatchTimeCount"] = odd
    [post] = normalize.post_analytics(copy.deepcopy(answer))
    assert post.metrics["likes"] is None
    assert post.video["avg_watch_time"] is None
    assert post.metrics["engagements"] == 14 + 29 + 41  # the others still add up
    assert post.raw["analytics"]["likeCount"] == odd or odd != odd  # nan is not equal to itself

    account = fixture("analytics_social_linkedin.json")
    account["linkedin"]["analytics"]["followers"] = odd
    [snapshot] = normalize.social_analytics(account)
    assert snapshot.followers is None and snapshot.organic_followers is None
    assert snapshot.impressions == 12044


def test_an_object_where_a_list_was_is_no_crash():
    assert normalize.link_analytics({"analytics": "nothing"}) == []
    assert normalize.link_analytics({"status": "success", "links": {"id": "x", "clicks": "2"}})
    answer = fixture("analytics_post_snapchat.json")
    answer["snapchat"]["analytics"] = [1, None, {"views": "7"}]
    [post] = normalize.post_analytics(answer)
    assert post.metrics["views"] == 7


def test_a_changed_type_is_said_once(caplog):
    caplog.set_level(logging.WARNING, logger="dashboard.ayrshare.normalize")
    normalize._reported.clear()
    answer = fixture("analytics_post_instagram.json")
    answer["instagram"]["analytics"]["reachCount"] = {"value": 3580}
    for _ in range(3):
        normalize.post_analytics(copy.deepcopy(answer))
    assert caplog.text.count("'reachCount' held dict, not a count") == 1


def test_every_current_fixture_is_described_in_its_readme():
    readme = (CURRENT / "README.md").read_text()
    for path in CURRENT.glob("*.json"):
        json.loads(path.read_text())
        named = f"`{path.name}`" in readme or path.name.startswith("analytics_social_")
        assert named, path.name


# --- GET /user -------------------------------------------------------------------------------


def test_user_details_name_each_linked_account_and_linkedins_days_left():
    user = normalize.user_details(fixture("user.json"))
    assert (user.title, user.ref_id) == ("Acme Brand", "160c8700bd6ade")
    assert len(user.networks) == 13 and "threads" in user.networks
    accounts = {account.platform: account for account in user.accounts}
    linkedin = accounts["linkedin"]
    assert (linkedin.display_name, linkedin.refresh_days_remaining) == ("Acme Brand", 12)
    assert linkedin.profile_url == "https://www.linkedin.com/company/90000001"
    assert linkedin.linked_at == datetime(2025, 5, 20, 8, 0, tzinfo=UTC)
    instagram = accounts["instagram"]
    assert (instagram.username, instagram.refresh_days_remaining) == ("acmebrand.example", None)
    assert accounts["gmb"].display_name == "Acme Store Lisbon" and accounts["gmb"].profile_url == ""
    assert normalize.user_details({"displayNames": "broken"}).accounts == ()
