"""The bulk write path: idempotent, never zeroing, snapshots only when numbers move."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard import upsert
from dashboard.ayrshare import normalize
from dashboard.ayrshare.normalize import HistoryPost, NetworkPost, NetworkRef
from dashboard.bench.pipeline import raw_items
from dashboard.metrics import METRICS
from dashboard.models import MetricSnapshot, PlatformPost, Post, ShortLink
from tests.accounts.factories import ProfileFactory

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def network_post(social_id="111_222", *, at=NOW, **metrics):
    values = dict.fromkeys(METRICS)
    values.update(metrics)
    return NetworkPost(
        platform="facebook",
        social_id=social_id,
        published_at=NOW - timedelta(days=1),
        text="Spring launch <b>now</b>",
        url=f"https://www.facebook.com/{social_id}",
        media_type="image",
        thumbnail_url="",
        metrics=values,
        last_updated=at,
        next_update=at + timedelta(minutes=30),
        raw={"id": social_id},
    )


def history_post(ayrshare_id="AyrA", *, status="success", refs=(), platforms=("facebook",)):
    return HistoryPost(
        ayrshare_id=ayrshare_id,
        text="Spring launch",
        status=status,
        post_type="scheduled",
        schedule_date=NOW - timedelta(hours=2),
        created_at=NOW - timedelta(days=1),
        notes="",
        platforms=list(platforms),
        errors=[],
        media_urls=[],
        network_refs=tuple(refs),
        raw={"id": ayrshare_id},
    )


def ref(social_id, platform="facebook"):
    return NetworkRef(platform, social_id, "success", "", False, {})


@pytest.fixture
def profile(db):
    return ProfileFactory()


def test_upserting_the_same_posts_twice_adds_nothing(profile):
    posts = [network_post("1", likes=3), network_post("2", likes=5)]
    upsert.upsert_network_posts(profile, posts, NOW)
    upsert.upsert_network_posts(profile, posts, NOW)
    assert PlatformPost.objects.filter(profile=profile).count() == 2
    assert MetricSnapshot.objects.count() == 2


def test_a_missing_metric_keeps_the_last_known_value_and_says_so(profile):
    upsert.upsert_network_posts(profile, [network_post(likes=10, reach=500)], NOW)
    later = NOW + timedelta(hours=1)
    upsert.upsert_network_posts(profile, [network_post(at=later, likes=12)], later)
    row = PlatformPost.objects.get(profile=profile)
    assert (row.likes, row.reach) == (12, 500)
    assert row.metric_notes == {"reach": "stale"}


def test_a_number_only_the_other_answer_sends_is_neither_stale_nor_rewritten(profile):
    # Facebook: the analytics answer has impressions, the history item does not.
    upsert.upsert_network_posts(
        profile, [network_post(likes=10, impressions=500)], NOW, source="analytics"
    )
    upsert.upsert_network_posts(profile, [network_post(likes=10)], NOW)
    row = PlatformPost.objects.get(profile=profile)
    assert (row.likes, row.impressions, row.metric_notes) == (10, 500, {})

    # Each answer again, repeating itself: nothing to write, so no day to recompute either.
    for source in ("analytics", "history", "analytics"):
        metrics = {"likes": 10, "impressions": 500} if source == "analytics" else {"likes": 10}
        with CaptureQueriesContext(connection) as queries:
            upsert.upsert_network_posts(profile, [network_post(**metrics)], NOW, source=source)
        assert _writes(queries) == [], source
    assert PlatformPost.objects.get(profile=profile).metric_notes == {}


def test_a_number_goes_stale_when_no_answer_sends_it_any_more(profile):
    upsert.upsert_network_posts(
        profile, [network_post(likes=10, reach=50)], NOW, source="analytics"
    )
    upsert.upsert_network_posts(profile, [network_post(likes=10, reach=50)], NOW)
    upsert.upsert_network_posts(profile, [network_post(likes=10)], NOW)  # history stops
    assert PlatformPost.objects.get(profile=profile).metric_notes == {}  # analytics still sends it

    upsert.upsert_network_posts(profile, [network_post(likes=10)], NOW, source="analytics")
    row = PlatformPost.objects.get(profile=profile)
    assert (row.reach, row.metric_notes) == (50, {"reach": "stale"})

    upsert.upsert_network_posts(profile, [network_post(likes=10, reach=60)], NOW)
    row = PlatformPost.objects.get(profile=profile)
    assert (row.reach, row.metric_notes) == (60, {})


def test_a_snapshot_is_appended_only_when_numbers_change(profile):
    upsert.upsert_network_posts(profile, [network_post(likes=10)], NOW)
    upsert.upsert_network_posts(profile, [network_post(at=NOW + timedelta(hours=1), likes=10)], NOW)
    upsert.upsert_network_posts(profile, [network_post(at=NOW + timedelta(hours=2), likes=15)], NOW)
    assert list(MetricSnapshot.objects.values_list("likes", flat=True)) == [10, 15]


def test_snapshots_belong_to_their_posts_profile(profile):
    other = ProfileFactory(workspace=profile.workspace)
    upsert.upsert_network_posts(profile, [network_post("1", likes=10)], NOW)
    upsert.upsert_network_posts(other, [network_post("1", likes=20)], NOW)

    rows = MetricSnapshot.objects.values_list("profile_id", "platform_post__profile_id", "likes")
    assert sorted(rows) == sorted([(profile.pk, profile.pk, 10), (other.pk, other.pk, 20)])


def test_analytics_do_not_erase_what_history_told_us(profile):
    upsert.upsert_network_posts(profile, [network_post(likes=10)], NOW)
    bare = NetworkPost(**{**network_post(likes=11).__dict__, "text": "", "url": ""})
    upsert.upsert_network_posts(profile, [bare], NOW, source="analytics")
    row = PlatformPost.objects.get(profile=profile)
    assert row.text == "Spring launch <b>now</b>"
    assert row.url.endswith("111_222")
    assert row.raw == {"id": "111_222"} and row.analytics_raw == {"id": "111_222"}


def test_error_entries_without_a_social_id_are_not_stored(profile):
    assert upsert.upsert_network_posts(profile, [network_post("")], NOW) == 0
    assert not PlatformPost.objects.exists()


def test_posts_from_history_get_one_network_row_per_platform(profile):
    posts = [
        history_post(
            "AyrA", refs=[ref("fb_1"), ref("tw_1", "twitter")], platforms=["facebook", "twitter"]
        )
    ]
    upsert.upsert_posts(profile, posts, NOW)
    upsert.upsert_posts(profile, posts, NOW)
    assert Post.objects.filter(profile=profile).count() == 1
    rows = PlatformPost.objects.filter(profile=profile).order_by("platform")
    assert [(r.platform, r.social_id, r.post.ayrshare_id) for r in rows] == [
        ("facebook", "fb_1", "AyrA"),
        ("twitter", "tw_1", "AyrA"),
    ]


def test_a_scheduled_post_keeps_its_row_when_it_goes_live(profile):
    upsert.upsert_posts(profile, [history_post("AyrS", status="pending")], NOW)
    placeholder = PlatformPost.objects.get(profile=profile)
    assert placeholder.social_id == "ayrshare:AyrS" and placeholder.status == "pending"

    upsert.upsert_posts(profile, [history_post("AyrS", refs=[ref("fb_live")])], NOW)
    row = PlatformPost.objects.get(profile=profile)
    assert row.pk == placeholder.pk
    assert (row.social_id, row.status) == ("fb_live", "success")


def test_a_failed_network_shows_its_error(profile):
    failed = HistoryPost(
        **{
            **history_post("AyrE", status="error").__dict__,
            "errors": [{"platform": "facebook", "code": 161, "message": "Authorization lost"}],
        }
    )
    upsert.upsert_posts(profile, [failed], NOW)
    row = PlatformPost.objects.get(profile=profile)
    assert (row.status, row.error_message) == ("error", "Authorization lost")


def test_network_posts_match_the_rows_history_created(profile):
    upsert.upsert_posts(profile, [history_post("AyrA", refs=[ref("111_222")])], NOW)
    upsert.upsert_network_posts(profile, [network_post("111_222", likes=7)], NOW)
    row = PlatformPost.objects.get(profile=profile)
    assert row.post.ayrshare_id == "AyrA"
    assert row.likes == 7


def test_a_lower_figure_from_the_other_endpoint_does_not_move_totals_back(profile):
    upsert.upsert_network_posts(profile, [network_post(likes=10, shares=4, impressions=100)], NOW)
    lagging = network_post(likes=9, impressions=120)  # no shares, fewer likes
    upsert.upsert_network_posts(profile, [lagging], NOW, source="analytics")
    row = PlatformPost.objects.get(profile=profile)
    assert (row.likes, row.shares, row.impressions) == (10, 4, 120)
    assert row.engagements == 14
    assert row.engagement_rate == pytest.approx(14 / 120, abs=1e-6)


def test_video_numbers_are_stored_and_a_missing_one_keeps_the_last(profile):
    first = replace(network_post(views=100), video={"watch_time": 600.0, "avg_watch_time": 6.0})
    upsert.upsert_network_posts(profile, [first], NOW)
    later = NOW + timedelta(hours=1)
    # The average went down; watch time is not in this answer.
    second = replace(network_post(at=later, views=200), video={"avg_watch_time": 4.5})
    upsert.upsert_network_posts(profile, [second], later)
    row = PlatformPost.objects.get(profile=profile)
    assert (row.watch_time, row.avg_watch_time, row.completion_rate) == (600.0, 4.5, None)


def _writes(queries):
    """The statements that wrote anything (INSERT, UPDATE, DELETE)."""
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(verbs)]


def test_a_page_that_repeats_what_we_hold_writes_nothing(profile):
    page = [network_post(str(n), likes=n, impressions=10 * n) for n in range(20)]
    upsert.upsert_network_posts(profile, page, NOW)

    with CaptureQueriesContext(connection) as queries:
        assert upsert.upsert_network_posts(profile, page, NOW + timedelta(hours=1)) == 20
    assert _writes(queries) == []
    assert len(queries) == 1  # the read of the stored rows


def test_numbers_repeated_with_a_later_last_updated_keep_the_time_they_came_with(profile):
    upsert.upsert_network_posts(profile, [network_post(likes=10)], NOW)
    later = NOW + timedelta(hours=1)
    with CaptureQueriesContext(connection) as queries:
        upsert.upsert_network_posts(profile, [network_post(at=later, likes=10)], later)
    assert _writes(queries) == []
    row = PlatformPost.objects.get(profile=profile)
    assert (row.last_updated, row.synced_at) == (NOW, NOW)


def test_only_the_post_whose_numbers_moved_is_written(profile):
    page = [network_post(str(n), likes=n) for n in range(5)]
    upsert.upsert_network_posts(profile, page, NOW)
    later = NOW + timedelta(hours=1)
    page[2] = network_post("2", at=later, likes=40)
    upsert.upsert_network_posts(profile, page, later)

    synced = dict(PlatformPost.objects.values_list("social_id", "synced_at"))
    assert [s for s, at in sorted(synced.items()) if at == later] == ["2"]
    assert PlatformPost.objects.get(social_id="2").likes == 40
    assert MetricSnapshot.objects.filter(platform_post__social_id="2").count() == 2


def test_a_first_analytics_answer_is_kept_even_when_it_repeats_the_numbers(profile):
    upsert.upsert_network_posts(profile, [network_post(likes=10)], NOW)
    upsert.upsert_network_posts(profile, [network_post(likes=10)], NOW, source="analytics")
    assert PlatformPost.objects.get(profile=profile).analytics_raw == {"id": "111_222"}


def test_history_that_repeats_what_we_hold_only_marks_the_open_posts_seen(profile):
    posts = [history_post("AyrA", refs=[ref("fb_1")]), history_post("AyrP", status="pending")]
    upsert.upsert_posts(profile, posts, NOW)
    later = NOW + timedelta(minutes=5)

    with CaptureQueriesContext(connection) as queries:
        upsert.upsert_posts(profile, posts, later)

    # One UPDATE of Post.synced_at: the re-check of open posts reads it as "seen in this run".
    assert [sql.split(" SET ")[0] for sql in _writes(queries)] == ['UPDATE "dashboard_post"']
    seen = dict(Post.objects.values_list("ayrshare_id", "synced_at"))
    assert seen == {"AyrA": NOW, "AyrP": later}
    assert set(PlatformPost.objects.values_list("synced_at", flat=True)) == {NOW}


def test_history_of_sent_posts_that_repeats_what_we_hold_writes_nothing(profile):
    posts = [history_post("AyrA", refs=[ref("fb_1")]), history_post("AyrB", refs=[ref("fb_2")])]
    upsert.upsert_posts(profile, posts, NOW)

    with CaptureQueriesContext(connection) as queries:
        upsert.upsert_posts(profile, posts, NOW + timedelta(minutes=5))

    assert _writes(queries) == []


def test_a_post_whose_schedule_moved_is_written(profile):
    upsert.upsert_posts(profile, [history_post("AyrS", status="pending")], NOW)
    moved = replace(history_post("AyrS", status="pending"), schedule_date=NOW + timedelta(days=2))
    upsert.upsert_posts(profile, [moved], NOW)
    assert Post.objects.get().schedule_date == NOW + timedelta(days=2)


def link(link_id, clicks):
    return normalize.Link(
        link_id=link_id,
        short_url=f"https://ayr.app/l/{link_id}",
        original_url="https://example.com/spring",
        clicks=clicks,
        created_at=NOW - timedelta(days=3),
        raw={"id": link_id, "clicks": clicks},
        clicks_by_platform={"facebook": clicks},
    )


def test_links_that_repeat_what_we_hold_are_not_rewritten(profile):
    upsert.upsert_links(profile, [link("a", 5), link("b", 7)], NOW)
    later = NOW + timedelta(hours=1)

    with CaptureQueriesContext(connection) as queries:
        written = upsert.upsert_links(profile, [link("a", 5), link("b", 9), link("c", 0)], later)

    assert written == 2
    assert len(_writes(queries)) == 1
    stored = {row.link_id: (row.clicks, row.synced_at) for row in ShortLink.objects.all()}
    assert stored == {"a": (5, NOW), "b": (9, later), "c": (0, later)}


@pytest.mark.django_db
def test_the_json_batch_stores_what_bulk_create_stores():
    """On PostgreSQL the rows go as one JSON document; SQLite takes bulk_create. Every column
    of every network's items must come out the same either way, new rows and updated ones."""
    ours, reference = ProfileFactory(), ProfileFactory()
    items = [normalize.platform_post(platform, raw) for platform, raw in raw_items(120)]
    assert len({np.platform for np in items}) >= 6
    fields = ["published_at", "text", "raw", "metric_notes", "synced_at", *METRICS]
    for round_, now in enumerate((NOW, NOW + timedelta(hours=1))):
        for np in items:
            np.metrics["likes"] = (np.metrics.get("likes") or 0) + round_
        rows = {
            profile: [upsert._merged_row(profile, np, None, now, "history") for np in items]
            for profile in (ours, reference)
        }
        rows[ours][0].text = 'Quotes " \\ and ünïcödé 🎉, {braces}, [brackets]'
        rows[reference][0].text = rows[ours][0].text
        upsert._write_network_posts(rows[ours], fields)
        PlatformPost.objects.bulk_create(
            rows[reference],
            update_conflicts=True,
            unique_fields=["profile", "platform", "social_id"],
            update_fields=fields,
        )
        stored = {
            profile: list(
                PlatformPost.objects.filter(profile=profile)
                .order_by("platform", "social_id")
                .values(*(f.attname for f in upsert._WRITTEN if f.name != "profile"))
            )
            for profile in (ours, reference)
        }
        assert stored[ours] == stored[reference]
        assert len(stored[ours]) == len(items)
        by_key = dict(PlatformPost.objects.filter(profile=ours).values_list("social_id", "pk"))
        assert {row.social_id: row.pk for row in rows[ours]} == by_key
