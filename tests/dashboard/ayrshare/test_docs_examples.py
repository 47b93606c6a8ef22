"""Every JSON example in the Ayrshare documents parses and normalizes to sensible values."""

import math
from datetime import UTC, datetime

import pytest

from dashboard.ayrshare import normalize
from dashboard.metrics import MEDIA_TYPES, METRICS, PLATFORM_METRICS
from tests import ayrshare_docs
from tests.ayrshare_docs import FIXTURE_DOCS, SHARED_DOCS, extract

DOCUMENTED_PLATFORMS = {
    "bluesky",
    "facebook",
    "instagram",
    "linkedin",
    "pinterest",
    "tiktok",
    "twitter",
    "youtube",
}


def platform_items():
    return [
        pytest.param(platform, item, id=f"{platform}-{index}")
        for platform, items in ayrshare_docs.platform_examples().items()
        for index, item in enumerate(items)
    ]


def by_id(platform, social_id):
    for item in ayrshare_docs.platform_examples()[platform]:
        if item["id"] == social_id:
            return normalize.platform_post(platform, item)
    raise AssertionError(f"{platform} example {social_id} not found")


# --- the copies and the extractor ------------------------------------------------------------


@pytest.mark.skipif(not SHARED_DOCS.is_dir(), reason="shared originals not beside this checkout")
def test_fixture_copy_is_verbatim_copy_of_shared_documents():
    shared = {path.name: path.read_bytes() for path in SHARED_DOCS.glob("*.txt")}
    copied = {path.name: path.read_bytes() for path in FIXTURE_DOCS.glob("*.txt")}
    assert copied == shared


def test_every_document_example_is_found_and_classified():
    examples = ayrshare_docs.all_examples()
    history = ayrshare_docs.history_examples()
    by_id_answers = ayrshare_docs.history_by_id_examples()
    platform = ayrshare_docs.platform_responses()
    request_bodies = [e for e in examples if isinstance(e, dict) and "searchPlatformId" in e]

    # history-all-endpoints: 1 + 1 + 1 (truncated); history-platform: 3; history-query: 2;
    # analytics-endpoints: the by-social-id request body.
    assert len(examples) == 9
    assert (len(history), len(by_id_answers), len(platform), len(request_bodies)) == (3, 1, 4, 1)


def test_platform_examples_are_grouped_by_their_response_example_comment():
    examples = ayrshare_docs.platform_examples()

    assert set(examples) == DOCUMENTED_PLATFORMS
    assert [len(examples[p]) for p in sorted(examples)] == [1, 3, 3, 2, 3, 2, 2, 2]
    assert examples["bluesky"][0]["id"].startswith("at://")
    assert all(item["id"].startswith("urn:li:share:") for item in examples["linkedin"])


def test_truncated_page_keeps_only_its_complete_objects():
    truncated = [r for r in ayrshare_docs.platform_responses() if "lastUpdated" not in r]

    assert len(truncated) == 1
    posts = truncated[0]["posts"]
    # The page stops inside the YouTube example: that object is dropped, the 14 before it stay.
    assert len(posts) == 14
    assert posts[-1]["id"] == "17398682514485715"
    assert all("postUrl" in post for post in posts)


def test_missing_commas_in_the_linkedin_reactions_are_repaired():
    reactions = ayrshare_docs.platform_examples()["linkedin"][0]["reactions"]

    assert reactions == {
        "like": 1,
        "praise": 2,
        "maybe": 3,
        "empathy": 3,
        "interest": 2,
        "appreciation": 5,
    }


def test_extractor_reads_commented_sloppy_json_and_ignores_code():
    text = """
curl -X GET https://example.com
{
  "url": "https://a.example/x?y=1", // the // inside the string stays
  /* a block
     comment */
  "items": [
    // Facebook Response Example
    {"a": 1, "b": [1, 2,],}
    ...
    {"a": 2 "b": "two"}
  ],
}
namespace Example
{
class Program
{
}
}
"""
    [example] = extract(text)

    assert example.value == {
        "url": "https://a.example/x?y=1",
        "items": [{"a": 1, "b": [1, 2]}, {"a": 2, "b": "two"}],
    }
    assert example.labels[id(example.value["items"])] == ["facebook", "facebook"]
    assert not example.truncated


def test_extractor_returns_fresh_copies():
    ayrshare_docs.platform_examples()["tiktok"][0]["videoViews"] = -1

    assert ayrshare_docs.platform_examples()["tiktok"][0]["videoViews"] == 697


# --- every documented item normalizes --------------------------------------------------------


@pytest.mark.parametrize(("platform", "item"), platform_items())
def test_platform_item_normalizes_with_sensible_values(platform, item):
    post = normalize.platform_post(platform, item)

    assert post.platform == platform
    assert post.social_id == str(item["id"])
    assert post.published_at is not None and post.published_at.tzinfo is not None
    assert post.url.startswith("https://")
    assert post.media_type in MEDIA_TYPES and post.media_type
    assert tuple(post.metrics) == METRICS
    reported = {name for name, value in post.metrics.items() if value is not None}
    assert reported <= set(PLATFORM_METRICS[platform])
    for name, value in post.metrics.items():
        if name != "engagement_rate" and value is not None:
            assert isinstance(value, int) and value >= 0
    assert post.raw is item


@pytest.mark.parametrize(("platform", "item"), platform_items())
def test_documented_fields_are_all_known_so_none_is_logged(platform, item):
    assert set(item) - normalize.KNOWN_FIELDS[platform] == set()


def test_history_answers_normalize():
    posts = [
        post
        for answer in ayrshare_docs.history_examples()
        for post in normalize.history_posts(answer)
    ]

    assert len(posts) == 6
    first = posts[0]
    assert first.ayrshare_id == "rhn6u7wwz2WxGv6MZGK9"
    assert first.status == "deleted"
    assert first.post_type == "immediate"  # the answer says "now"
    assert first.notes == "Approved by John Smith"
    assert first.schedule_date == datetime(2020, 11, 5, 12, 21, 29, tzinfo=UTC)
    assert first.created_at == datetime(2022, 5, 20, 17, 25, 6, tzinfo=UTC)
    assert first.platforms == ["twitter", "facebook"]
    assert [(r.platform, r.social_id) for r in first.network_refs] == [
        ("twitter", "1288968500063775749"),
        ("facebook", "104923907983682_108683297607743"),
    ]
    second_refs = posts[1].network_refs
    assert [r.is_video for r in second_refs] == [False, True]


def test_history_by_id_answer_normalizes():
    [answer] = ayrshare_docs.history_by_id_examples()
    [post] = normalize.history_posts(answer)

    assert post.ayrshare_id == "TBEEAqAMMJoweA8wKHUp"
    assert post.post_type == "scheduled"
    assert post.media_urls == ["https://images.ayrshare.com/imgs/GhostBusters.jpg"]
    assert post.network_refs[0].url == "https://www.facebook.com/1105775157895689_361710168628052"
    assert post.created_at == datetime(2022, 5, 20, 17, 25, 6, tzinfo=UTC)


def test_deprecated_create_date_is_used_when_created_is_missing():
    [answer] = ayrshare_docs.history_by_id_examples()
    item = answer[0]
    del item["created"]
    item["createDate"]["utc"] = "2022-05-21T08:00:00Z"

    assert normalize.history_post(item).created_at == datetime(2022, 5, 21, 8, tzinfo=UTC)


def test_platform_responses_lend_their_freshness_to_items_without_their_own():
    answer = next(r for r in ayrshare_docs.platform_responses() if "lastUpdated" in r)
    posts = normalize.platform_posts("bluesky", {**answer, "posts": answer["posts"][:2]})

    assert posts[0].last_updated == datetime(2022, 11, 14, 16, 4, 51, 994000, tzinfo=UTC)
    assert posts[0].next_update == datetime(2022, 11, 14, 16, 37, 21, 994000, tzinfo=UTC)


# --- concrete numbers from the documented examples -------------------------------------------


def test_facebook_video_post():
    post = by_id("facebook", "104619420979033_758005082307127")

    assert post.media_type == "video"
    assert post.text == "What a nice one"
    assert post.last_updated == datetime(2022, 6, 14, 23, 43, 38, 359000, tzinfo=UTC)
    m = post.metrics
    assert (m["likes"], m["comments"], m["clicks"], m["reach"]) == (38, 13, 31, 0)
    # Not in the example at all, so not reported (not zero).
    assert m["shares"] is None and m["saves"] is None and m["impressions"] is None
    assert m["engagements"] == 38 + 13 + 31
    # Reach 0 and views 0 give no denominator.
    assert m["engagement_rate"] is None


def test_facebook_link_post_counts_reactions_as_likes():
    post = by_id("facebook", "104619420979033_757752962332339")

    assert post.media_type == "link"
    assert post.metrics["likes"] == 6  # reactions.total; this example has no likeCount
    assert post.metrics["comments"] is None


def test_facebook_story():
    post = by_id("facebook", "1593984754722429")

    assert post.media_type == "story"
    assert post.metrics["shares"] == 0


def test_instagram_media_types_and_unreported_saves():
    types = [
        normalize.platform_post("instagram", item).media_type
        for item in ayrshare_docs.platform_examples()["instagram"]
    ]
    carousel = by_id("instagram", "17998949393616")

    assert types == ["image", "reel", "carousel"]
    assert (carousel.metrics["likes"], carousel.metrics["comments"]) == (14, 3)
    assert carousel.metrics["saves"] is None
    assert carousel.metrics["engagements"] == 17


def test_linkedin_rate_agrees_with_linkedins_own_engagement_figure():
    for item in ayrshare_docs.platform_examples()["linkedin"]:
        post = normalize.platform_post("linkedin", item)
        assert math.isclose(post.metrics["engagement_rate"], item["engagement"], abs_tol=0.01)

    first = by_id("linkedin", "urn:li:share:701389826709")
    second = by_id("linkedin", "urn:li:share:70139127498")
    assert (first.metrics["impressions"], first.metrics["reach"]) == (3, 3)
    assert (second.metrics["impressions"], second.metrics["reach"]) == (12, 9)
    assert second.media_type == "video"


def test_tiktok_views_and_reach():
    post = by_id("tiktok", "7339980158058679594")
    m = post.metrics

    assert (m["views"], m["reach"]) == (697, 653)
    assert (m["likes"], m["comments"], m["shares"]) == (2, 1, 2)
    assert m["impressions"] is None
    assert m["engagements"] == 5
    assert m["engagement_rate"] == pytest.approx(5 / 653, abs=1e-6)  # no impressions: reach


def test_twitter_takes_the_most_complete_metrics_group():
    video = by_id("twitter", "17398682514485715")
    quoted = by_id("twitter", "1187026023991603")

    assert video.metrics["impressions"] == 54
    assert video.metrics["views"] == 27  # the attached video's viewCount
    assert video.metrics["saves"] == 0  # bookmarkCount is reported as 0 here
    # organicMetrics says 4 impressions and 234 likes where the others say less.
    assert (quoted.metrics["impressions"], quoted.metrics["likes"]) == (4, 234)
    assert quoted.metrics["shares"] == 2 + 1  # retweets + quotes
    assert quoted.metrics["clicks"] == 2  # userProfileClicks
    assert quoted.metrics["saves"] is None
    assert quoted.thumbnail_url.startswith("https://pbs.twimg.com/")


def test_pinterest_history_carries_no_metrics():
    posts = [
        normalize.platform_post("pinterest", item)
        for item in ayrshare_docs.platform_examples()["pinterest"]
    ]

    assert [p.media_type for p in posts] == ["video", "image", "carousel"]
    assert all(value is None for p in posts for value in p.metrics.values())


def test_bluesky_counts():
    [item] = ayrshare_docs.platform_examples()["bluesky"]
    m = normalize.platform_post("bluesky", item).metrics

    assert (m["likes"], m["comments"], m["shares"], m["engagements"]) == (2, 2, 4, 8)
    assert m["impressions"] is None and m["engagement_rate"] is None


def test_youtube_history_items_are_videos_without_metrics():
    posts = [
        normalize.platform_post("youtube", item)
        for item in ayrshare_docs.platform_examples()["youtube"]
    ]

    assert {p.media_type for p in posts} == {"video"}
    assert posts[0].thumbnail_url == "https://i.ytimg.com/vi/Q-4OuHCALVa/default.jpg"
    assert all(value is None for p in posts for value in p.metrics.values())
