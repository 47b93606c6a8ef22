"""The normalizer: time parsing, unified metrics from every shape, and tolerance of bad data."""

import json
import logging
import math
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dashboard import models
from dashboard.ayrshare import normalize
from dashboard.metrics import METRICS, PLATFORM_METRICS, with_engagement

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ayrshare"


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


def by_platform(posts):
    return {post.platform: post for post in posts}


def test_every_unified_metric_has_a_column_in_the_cache():
    for model in (models.PlatformPost, models.MetricSnapshot):
        columns = {field.name for field in model._meta.get_fields()}
        assert set(METRICS) <= columns, model
    for platform, metrics in PLATFORM_METRICS.items():
        assert set(metrics) <= set(METRICS), platform


def test_every_fixture_is_valid_json_and_described_in_the_readme():
    readme = (FIXTURES / "README.md").read_text()
    for path in FIXTURES.glob("*.json"):
        json.loads(path.read_text())
        assert f"`{path.name}`" in readme


# --- parse_time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-06-14T23:43:38.359Z", datetime(2022, 6, 14, 23, 43, 38, 359000, tzinfo=UTC)),
        ("2022-05-20T17:25:06Z", datetime(2022, 5, 20, 17, 25, 6, tzinfo=UTC)),
        ("2026-03-01T16:02:14+0000", datetime(2026, 3, 1, 16, 2, 14, tzinfo=UTC)),
        ("2025-01-01T14:30:00+02:00", datetime(2025, 1, 1, 12, 30, tzinfo=UTC)),
        ("2025-03-01T12:30:00", datetime(2025, 3, 1, 12, 30, tzinfo=UTC)),  # naive = UTC
        ("2020-11-05T12:21:29.211000000Z", datetime(2020, 11, 5, 12, 21, 29, 211000, tzinfo=UTC)),
        ("2025-01-01", datetime(2025, 1, 1, tzinfo=UTC)),
        (
            {"_seconds": 1604578889, "_nanoseconds": 211000000, "utc": "2020-11-05T12:21:29Z"},
            datetime(2020, 11, 5, 12, 21, 29, tzinfo=UTC),
        ),
        (
            {"_seconds": 1604578889, "_nanoseconds": 500000000},
            datetime(2020, 11, 5, 12, 21, 29, 500000, tzinfo=UTC),
        ),
        (1604578889, datetime(2020, 11, 5, 12, 21, 29, tzinfo=UTC)),
        (1604578889211, datetime(2020, 11, 5, 12, 21, 29, 211000, tzinfo=UTC)),  # milliseconds
        ("1604578889", datetime(2020, 11, 5, 12, 21, 29, tzinfo=UTC)),
    ],
)
def test_parse_time_reads_every_form_as_aware_utc(value, expected):
    parsed = normalize.parse_time(value)

    assert parsed == expected
    assert parsed.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "soon",
        "2022-13-45T99:00:00Z",
        True,
        [],
        {},
        {"_seconds": "never"},
        {"utc": None},
        float("nan"),
        float("inf"),
        -5,
        10**30,
        object(),
    ],
)
def test_parse_time_turns_garbage_into_none(value):
    assert normalize.parse_time(value) is None


# --- GET /history ----------------------------------------------------------------------------


HISTORY_ITEM = {
    "id": "wWIY0OEirdNeYSJYm1Xa",
    "post": "Lunch",
    "status": "success",
    "type": "scheduled",
    "platforms": ["twitter", "tiktok"],
    "postIds": [
        {"platform": "twitter", "id": "1288890036000983105", "status": "success"},
        {"platform": "tiktok", "id": "pending", "status": "success", "isVideo": True},
    ],
    "errors": [],
}


@pytest.mark.parametrize(
    "schedule_date",
    [
        "2020-11-05T12:21:29Z",
        {"_seconds": 1604578889, "_nanoseconds": 0, "utc": "2020-11-05T12:21:29Z"},
        {"_seconds": 1604578889, "_nanoseconds": 0},
    ],
    ids=["string", "object", "object-without-utc"],
)
def test_schedule_date_as_string_or_object(schedule_date):
    post = normalize.history_post({**HISTORY_ITEM, "scheduleDate": schedule_date})

    assert post.schedule_date == datetime(2020, 11, 5, 12, 21, 29, tzinfo=UTC)


def test_tiktok_pending_id_is_not_a_social_id():
    post = normalize.history_post(HISTORY_ITEM)

    assert [(r.platform, r.social_id, r.is_video) for r in post.network_refs] == [
        ("twitter", "1288890036000983105", False),
        ("tiktok", "", True),
    ]


@pytest.mark.parametrize(("word", "expected"), [("now", "immediate"), ("Immediate", "immediate")])
def test_post_type_uses_the_query_vocabulary(word, expected):
    assert normalize.history_post({**HISTORY_ITEM, "type": word}).post_type == expected


def test_malformed_history_item_does_not_crash():
    post = normalize.history_post(
        {
            "id": 12,
            "post": None,
            "scheduleDate": "tomorrow",
            "created": {"_seconds": "x"},
            "platforms": "facebook",
            "postIds": "nope",
            "errors": {"code": 1},
            "mediaUrls": [None, {"url": "https://x.example/a.jpg"}, 5],
        }
    )

    assert post.ayrshare_id == "12"
    assert (post.text, post.schedule_date, post.created_at) == ("", None, None)
    assert (post.platforms, post.network_refs, post.errors) == ([], (), [])
    assert post.media_urls == ["https://x.example/a.jpg"]
    assert normalize.history_posts("garbage") == []
    assert normalize.history_posts({"history": [None, 3]}) == []


# --- POST /analytics/post --------------------------------------------------------------------

# platform -> expected unified metrics for tests/fixtures/ayrshare/analytics_post.json
EXPECTED_POST_ANALYTICS = {
    "bluesky": {"likes": 14, "comments": 3, "shares": 5, "engagements": 22},
    "facebook": {
        "impressions": 1894,
        "reach": 1380,
        "views": 0,
        "likes": 52,
        "comments": 6,
        "shares": 4,
        "clicks": 37,
        "engagements": 99,
    },
    "instagram": {
        "reach": 3022,
        "views": 4210,
        "likes": 151,
        "comments": 9,
        "shares": 11,
        "saves": 17,
        "engagements": 188,
    },
    "linkedin": {
        "impressions": 843,
        "reach": 611,
        "views": 0,
        "likes": 29,
        "comments": 5,
        "shares": 3,
        "clicks": 23,
        "engagements": 60,
    },
    "pinterest": {
        "impressions": 2540,
        "views": 0,
        "likes": 7,
        "comments": 2,
        "saves": 42,
        "clicks": 118 + 31,
        "engagements": 200,
    },
    "reddit": {"likes": 57, "comments": 8, "engagements": 65},
    "threads": {"views": 1204, "likes": 33, "comments": 4, "shares": 2 + 1 + 5, "engagements": 45},
    "tiktok": {
        "reach": 4987,
        "views": 5717,
        "likes": 240,
        "comments": 12,
        "shares": 15,
        "engagements": 267,
    },
    "twitter": {
        "impressions": 2210,
        "likes": 48,
        "comments": 3,
        "shares": 7 + 2,
        "saves": 5,
        "clicks": 19 + 6,
        "engagements": 90,
    },
    "youtube": {"views": 1055, "likes": 64, "comments": 7, "shares": 9, "engagements": 80},
}


@pytest.mark.parametrize("platform", sorted(EXPECTED_POST_ANALYTICS))
def test_post_analytics_unifies_each_platform(platform):
    post = by_platform(normalize.post_analytics(fixture("analytics_post.json")))[platform]
    expected = EXPECTED_POST_ANALYTICS[platform]

    reported = {k: v for k, v in post.metrics.items() if v is not None and k != "engagement_rate"}
    assert reported == expected
    assert set(reported) <= set(PLATFORM_METRICS[platform])
    assert post.social_id and post.url.startswith("https://")
    assert post.next_update > post.last_updated
    assert post.error == ""


def test_post_analytics_rates_use_impressions_then_reach_then_views():
    posts = by_platform(normalize.post_analytics(fixture("analytics_post.json")))

    assert posts["facebook"].metrics["engagement_rate"] == pytest.approx(99 / 1894, abs=1e-6)
    assert posts["instagram"].metrics["engagement_rate"] == pytest.approx(188 / 3022, abs=1e-6)
    assert posts["youtube"].metrics["engagement_rate"] == pytest.approx(80 / 1055, abs=1e-6)
    assert posts["reddit"].metrics["engagement_rate"] is None  # viewCount is null
    assert posts["bluesky"].metrics["engagement_rate"] is None


def test_post_analytics_media_types():
    posts = by_platform(normalize.post_analytics(fixture("analytics_post.json")))

    assert posts["instagram"].media_type == "reel"
    assert posts["facebook"].media_type == "image"
    assert posts["tiktok"].media_type == "video"
    assert posts["youtube"].media_type == "video"


def test_post_analytics_by_social_id():
    [post] = normalize.post_analytics(fixture("analytics_post_social_id.json"))

    assert post.platform == "facebook"
    assert post.social_id == "104619420979033_102646726003811"
    assert post.media_type == "video"
    assert (post.metrics["views"], post.metrics["likes"]) == (388, 17)


def test_twitter_thread_becomes_one_post_with_summed_metrics():
    answer = fixture("analytics_post_twitter_thread.json")
    [post] = normalize.post_analytics(answer)

    assert post.platform == "twitter"
    assert post.social_id == "1897345510022334455"  # the first tweet
    assert post.text.startswith("1/3")
    assert post.raw == answer["twitter"] and len(post.raw) == 3
    m = post.metrics
    assert m["impressions"] == 1500 + 600 + 450
    assert m["likes"] == 40 + 12 + 9
    assert m["shares"] == (6 + 2) + (2 + 0) + (1 + 1)
    assert m["clicks"] == (12 + 5) + (3 + 1) + (21 + 0)
    assert m["views"] is None  # no tweet has a video
    assert m["engagements"] == 61 + 6 + 12 + 5 + 42
    assert m["engagement_rate"] == pytest.approx(126 / 2550, abs=1e-6)


def test_thread_sums_only_what_tweets_report():
    answer = fixture("analytics_post_twitter_thread.json")
    second = answer["twitter"][1]["analytics"]
    del second["nonPublicMetrics"], second["organicMetrics"]
    second["publicMetrics"] = {"likeCount": "12"}
    [post] = normalize.post_analytics(answer)

    assert post.metrics["impressions"] == 1500 + 450
    assert post.metrics["likes"] == 40 + 12 + 9
    assert post.metrics["clicks"] == 17 + 21


def test_partial_answer_keeps_the_platforms_that_answered():
    answer = fixture("error_partial.json")

    assert [p.platform for p in normalize.post_analytics(answer)] == ["linkedin"]
    assert normalize.response_errors(answer) == [
        {
            "platform": "tiktok",
            "code": 156,
            "message": "TikTok is not linked. Please link TikTok in the Social Accounts page.",
        }
    ]


def test_error_answers_yield_no_posts():
    assert normalize.post_analytics(fixture("error_platforms.json")) == []
    assert normalize.post_analytics(fixture("error_single.json")) == []
    assert [e["code"] for e in normalize.response_errors(fixture("error_platforms.json"))] == [
        161,
        485,
    ]


def test_platform_entry_that_is_an_error_carries_the_message_and_no_metrics():
    answer = {
        "status": "success",
        "instagram": {"status": "error", "code": 485, "message": "Story expired"},
    }
    [post] = normalize.post_analytics(answer)

    assert post.error == "Story expired"
    assert all(value is None for value in post.metrics.values())


# --- None is "not reported", never 0 ---------------------------------------------------------


def test_missing_metric_is_none_and_a_reported_zero_stays_zero():
    without = normalize.platform_post("instagram", {"id": "1", "likeCount": 4})
    with_zero = normalize.platform_post("instagram", {"id": "1", "likeCount": 4, "savedCount": 0})

    assert without.metrics["saves"] is None
    assert with_zero.metrics["saves"] == 0
    assert without.metrics["engagement_rate"] is None  # nothing to divide by


def test_metrics_a_platform_cannot_report_stay_none():
    post = normalize.platform_post("youtube", {"id": "v", "views": 10, "clickCount": 5})

    assert post.metrics["clicks"] is None
    assert post.metrics["views"] == 10


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 1,204 ", 1204),
        (2.0, 2),
        (None, None),
        ("", None),
        ("n/a", None),
        (True, None),
        ({"nested": 1}, None),
        ([3], None),
        (-4, None),
        (float("nan"), None),
    ],
)
def test_counts_are_coerced_or_none(value, expected):
    post = normalize.platform_post("tiktok", {"id": "7", "videoViews": value})

    assert post.metrics["views"] == expected


def test_garbage_never_raises():
    assert normalize.post_analytics("garbage") == []
    assert normalize.post_analytics({"twitter": [1, "x", None]}) == []
    assert normalize.social_analytics(None) == []
    assert normalize.link_analytics(7) == []
    assert normalize.youtube_playlists({"playlists": "none"}) == []
    post = normalize.platform_post("facebook", None)
    assert post.social_id == "" and post.media_type == ""
    odd = normalize.platform_post(
        "twitter",
        {"id": ["x"], "publicMetrics": "lots", "media": [None, {"type": 5}], "created": 1e40},
    )
    assert odd.social_id == "" and odd.published_at is None
    assert all(value is None for value in odd.metrics.values())


# --- unknown platforms and fields: kept raw, logged once -------------------------------------


def test_unknown_platform_is_kept_raw_and_logged_once(caplog):
    platform = f"myspace{uuid.uuid4().hex[:8]}"
    entry = {"id": "m-1", "postUrl": "https://myspace.example/1", "analytics": {"hugs": 3}}
    answer = {"status": "success", platform: entry}

    with caplog.at_level(logging.INFO, logger=normalize.__name__):
        first = normalize.post_analytics(answer)
        normalize.post_analytics(answer)
        normalize.platform_post(platform, {"id": "m-2"})

    [post] = first
    assert (post.platform, post.social_id, post.raw) == (platform, "m-1", entry)
    assert all(value is None for value in post.metrics.values())
    assert len([r for r in caplog.records if platform in r.getMessage()]) == 1


def test_unknown_field_is_kept_raw_and_logged_once(caplog):
    field = f"brandNew{uuid.uuid4().hex[:8]}"
    item = {"id": "7339980158058679594", "videoViews": 10, field: 5}

    with caplog.at_level(logging.INFO, logger=normalize.__name__):
        post = normalize.platform_post("tiktok", item)
        normalize.platform_post("tiktok", item)
        normalize.post_analytics({"tiktok": {"id": "1", "analytics": item}})

    assert post.raw[field] == 5
    assert post.metrics["views"] == 10
    assert len([r for r in caplog.records if field in r.getMessage()]) == 1


def test_unknown_scalar_in_an_analytics_answer_is_ignored_and_logged(caplog):
    field = f"quota{uuid.uuid4().hex[:8]}"

    with caplog.at_level(logging.INFO, logger=normalize.__name__):
        posts = normalize.post_analytics({"status": "success", field: 12})

    assert posts == []
    assert len([r for r in caplog.records if field in r.getMessage()]) == 1


def test_fixtures_use_only_known_fields():
    # Checked on the sets: a field logged by another test in this process would not log again.
    for name in ("analytics_post.json", "analytics_post_social_id.json"):
        for platform, entry in fixture(name).items():
            if isinstance(entry, dict):
                assert set(entry["analytics"]) <= normalize.KNOWN_FIELDS[platform], platform
                assert set(entry) <= normalize.ANALYTICS_ENTRY, platform
    for tweet in fixture("analytics_post_twitter_thread.json")["twitter"]:
        assert set(tweet["analytics"]) <= normalize.KNOWN_FIELDS["twitter"]


# --- media type ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "item", "expected"),
    [
        ("instagram", {"mediaProductType": "STORY", "mediaType": "VIDEO"}, "story"),
        ("instagram", {"mediaProductType": "FEED", "mediaType": "CAROUSEL_ALBUM"}, "carousel"),
        ("instagram", {"mediaProductType": "AD", "mediaType": "IMAGE"}, "image"),
        ("pinterest", {"mediaType": "multiple_images"}, "carousel"),
        ("facebook", {"statusType": "added_photos", "mediaUrls": [{}, {}]}, "carousel"),
        ("facebook", {"postUrl": "https://www.facebook.com/reel/123"}, "reel"),
        ("facebook", {"post": "Just words", "statusType": "mobile_status_update"}, "text"),
        ("twitter", {"media": [{"type": "photo"}, {"type": "photo"}]}, "carousel"),
        ("twitter", {"media": [{"type": "animated_gif"}]}, "video"),
        ("twitter", {"post": "hello"}, "text"),
        (
            "linkedin",
            {"mediaUrls": [{"id": "urn:li:image:a"}, {"id": "urn:li:image:b"}]},
            "carousel",
        ),
        ("tiktok", {"mediaType": "photo"}, "image"),
        ("bluesky", {"post": "hi"}, "text"),
    ],
)
def test_media_type_is_unified(platform, item, expected):
    assert normalize.media_type(platform, item) == expected


# --- engagement ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        ({"likes": 5, "impressions": 100, "reach": 50}, 0.05),
        ({"likes": 5, "impressions": 0, "reach": 50}, 0.1),
        ({"likes": 5, "views": 20}, 0.25),
        ({"likes": 5}, None),
        ({"impressions": 100}, None),
    ],
)
def test_engagement_rate_denominator(metrics, expected):
    filled = with_engagement({name: metrics.get(name) for name in METRICS})

    if expected is None:
        assert filled["engagement_rate"] is None
    else:
        assert math.isclose(filled["engagement_rate"], expected)


# --- POST /analytics/social, links, playlists ------------------------------------------------


def test_social_analytics_snapshots():
    snapshots = by_platform(normalize.social_analytics(fixture("analytics_social.json")))

    fb, ig, li = snapshots["facebook"], snapshots["instagram"], snapshots["linkedin"]
    assert (fb.followers, fb.impressions, fb.reach, fb.engagements) == (2611, 48210, 20117, 3120)
    assert (ig.followers, ig.following, ig.posts_count, ig.reach) == (10234, 311, 402, 61234)
    assert (li.followers, li.engagements) == (1840, 377 + 41 + 22 + 401)
    assert snapshots["tiktok"].views == 1022300
    assert snapshots["tiktok"].engagements == 98012 + 2210 + 1402
    assert (snapshots["twitter"].followers, snapshots["twitter"].posts_count) == (4410, 3301)
    assert snapshots["twitter"].engagements is None
    assert snapshots["youtube"].followers == 3022
    assert snapshots["gmb"].impressions == 310 + 522 + 1204 + 1840
    assert snapshots["reddit"].followers is None
    assert fb.next_update == datetime(2026, 3, 3, 14, 5, 11, 482000, tzinfo=UTC)


def test_link_analytics():
    links = normalize.link_analytics(fixture("analytics_links.json"))

    assert [(link.link_id, link.clicks) for link in links] == [("yC0fTl", 143), ("Qp7mZx", 0)]
    assert links[0].short_url == "https://ayr.app/l/yC0fTl"
    assert links[0].created_at == datetime(2026, 2, 28, 9, 14, 2, 113000, tzinfo=UTC)


def test_link_analytics_accepts_a_bare_list_and_other_spellings():
    [link] = normalize.link_analytics([{"id": "a", "url": "https://x.example", "clicks": "7"}])

    assert (link.original_url, link.clicks) == ("https://x.example", 7)


def test_youtube_playlists():
    playlists = normalize.youtube_playlists(fixture("youtube_playlists.json"))

    assert [(p.title, p.item_count) for p in playlists] == [
        ("Product launches", 12),
        ("Behind the scenes", 3),
    ]
    assert playlists[0].playlist_id == "PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG"
