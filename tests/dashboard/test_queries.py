import datetime
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.utils import timezone

from accounts.access import visible_profiles
from dashboard.filters import DEFAULT_SORT, PostFilters
from dashboard.metrics import EXPIRED, NOT_REPORTED, NOT_YET
from dashboard.models import PlatformPost, Post
from dashboard.queries import (
    PAGE_SIZE,
    decode_cursor,
    encode_cursor,
    metric_reason,
    network_posts,
    paginate,
)
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory, PostFactory

pytestmark = pytest.mark.django_db


def rows(membership, **data):
    filters = PostFilters(
        QueryDict(urlencode(data, doseq=True)), profiles=visible_profiles(membership)
    )
    assert filters.is_valid(), filters.errors
    return list(network_posts(membership, filters))


@pytest.fixture
def member():
    return MembershipFactory()


@pytest.fixture
def profile(member):
    return ProfileFactory(workspace=member.workspace)


def test_newest_first_and_only_the_workspace(member, profile):
    now = timezone.now()
    old = PlatformPostFactory(profile=profile, published_at=now - datetime.timedelta(days=3))
    new = PlatformPostFactory(profile=profile, published_at=now)
    PlatformPostFactory()  # another workspace
    assert rows(member) == [new, old]


def test_a_client_sees_only_assigned_profiles(member):
    client = MembershipFactory(workspace=member.workspace, role="client")
    mine = ProfileFactory(workspace=member.workspace)
    client.profiles.add(mine)
    shown = PlatformPostFactory(profile=mine)
    PlatformPostFactory(profile=ProfileFactory(workspace=member.workspace))
    assert rows(client) == [shown]


def test_each_filter_narrows_the_rows(member, profile):
    now = timezone.now()
    via = PostFactory(profile=profile, post_type="scheduled")
    scheduled = PlatformPostFactory(
        profile=profile, post=via, platform="instagram", media_type="video", text="Big launch"
    )
    native = PlatformPostFactory(
        profile=profile,
        platform="facebook",
        status="deleted",
        published_at=now - datetime.timedelta(days=40),
    )
    assert rows(member, platforms=["instagram"]) == [scheduled]
    assert rows(member, status=["deleted"]) == [native]
    assert rows(member, type="scheduled") == [scheduled]
    assert rows(member, origin="network") == [native]
    assert rows(member, origin="ayrshare") == [scheduled]
    assert rows(member, media="video") == [scheduled]
    assert rows(member, q="LAUNCH") == [scheduled]
    assert rows(member, range="28") == [scheduled]


def test_a_scheduled_placeholder_is_dated_by_its_schedule(member, profile):
    later = timezone.now() + datetime.timedelta(days=2)
    post = PostFactory(profile=profile, schedule_date=later, status="pending")
    placeholder = PlatformPostFactory(
        profile=profile, post=post, social_id="ayrshare:x", status="pending", published_at=None
    )
    published = PlatformPostFactory(profile=profile)
    assert rows(member, show="all") == [placeholder, published]
    assert rows(member, show="all", start=str(later.date())) == [placeholder]


def test_sorting_by_a_metric_puts_missing_numbers_last_both_ways(member, profile):
    none = PlatformPostFactory(profile=profile, likes=None)
    zero = PlatformPostFactory(profile=profile, likes=0)
    many = PlatformPostFactory(profile=profile, likes=9)
    assert rows(member, sort="-likes") == [many, zero, none]
    assert rows(member, sort="likes") == [zero, many, none]


def filters_for(membership, **data):
    filters = PostFilters(
        QueryDict(urlencode(data, doseq=True)), profiles=visible_profiles(membership)
    )
    assert filters.is_valid(), filters.errors
    return filters


def test_pages_of_fifty_and_a_capped_count(member, profile):
    PlatformPostFactory.create_batch(PAGE_SIZE + 3, profile=profile)
    posts = network_posts(member, filters_for(member))
    first = paginate(posts, DEFAULT_SORT)
    assert len(first.rows) == PAGE_SIZE and first.has_next and first.pages == 2
    assert not first.has_previous and first.number == 1
    after = decode_cursor(first.next_cursor, "sort_time")
    second = paginate(posts, DEFAULT_SORT, after=after)
    assert len(second.rows) == 3 and not second.has_next and second.has_previous
    assert second.number == 2 and second.first_row == PAGE_SIZE + 1
    assert not first.capped and first.count == PAGE_SIZE + 3


def test_capped_count_says_more_than_the_cap(member, profile, monkeypatch):
    monkeypatch.setattr("dashboard.queries.COUNT_CAP", 5)
    PlatformPostFactory.create_batch(7, profile=profile)
    page = paginate(network_posts(member, filters_for(member)), DEFAULT_SORT)
    assert page.capped and page.pages is None and page.count == 6


@pytest.fixture
def history(member, profile):
    """Rows with ties on time and on every metric, missing numbers, and a placeholder with no
    date at all; a second profile's rows are interleaved."""
    other = ProfileFactory(workspace=member.workspace)
    now = timezone.now().replace(microsecond=0)
    for n in range(37):
        PlatformPostFactory(
            profile=profile if n % 4 else other,
            platform="instagram" if n % 3 else "facebook",
            likes=None if n % 5 == 0 else n % 4,
            engagement_rate=None if n % 6 == 0 else (n % 3) / 100,
            published_at=None if n == 7 else now - datetime.timedelta(hours=n % 9),
        )
    return other


def walk(posts, sort, page_size):
    """Every page's rows, following next cursors; then back again by before cursors."""
    pages = [paginate(posts, sort)]
    while pages[-1].has_next:
        column = pages[-1].column
        after = decode_cursor(pages[-1].next_cursor, column)
        pages.append(paginate(posts, sort, after=after))
    back = [pages[-1]]
    while back[-1].has_previous:
        cursor = back[-1].previous_cursor
        if cursor is None:
            back.append(paginate(posts, sort))
        else:
            back.append(paginate(posts, sort, before=decode_cursor(cursor, back[-1].column)))
    return pages, back


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"sort": "published_at"},
        {"sort": "-likes"},
        {"sort": "likes"},
        {"sort": "-engagement_rate"},
        {"sort": "engagement_rate", "platforms": ["instagram"]},
    ],
)
def test_walking_the_cursors_yields_the_unpaginated_rows(member, history, monkeypatch, data):
    monkeypatch.setattr("dashboard.queries.PAGE_SIZE", 4)
    filters = filters_for(member, **data)
    posts = network_posts(member, filters)
    expected = [row.pk for row in posts]
    pages, back = walk(posts, filters.sort_order(), 4)
    forward = [row.pk for page in pages for row in page.rows]
    assert forward == expected  # same order, no duplicate, none missing
    assert [page.number for page in pages] == list(range(1, len(pages) + 1))
    assert all(len(page.rows) == 4 for page in pages[:-1])
    # Newer-page links walk back through the very same pages.
    assert [[r.pk for r in p.rows] for p in back] == [[r.pk for r in p.rows] for p in pages][::-1]
    assert back[-1].number == 1


def test_missing_values_come_after_every_number_in_both_directions(member, history):
    for sort in ("-likes", "likes"):
        filters = filters_for(member, sort=sort)
        likes = [row.likes for row in network_posts(member, filters)]
        first_missing = likes.index(None)
        assert all(value is None for value in likes[first_missing:])
        assert None not in likes[:first_missing]


def test_a_cursor_round_trips_each_kind_of_value():
    when = timezone.now()
    assert decode_cursor(encode_cursor(when, 5, 3), "sort_time") == (when, 5, 3)
    assert decode_cursor(encode_cursor(0.125, 6, 2), "engagement_rate") == (0.125, 6, 2)
    assert decode_cursor(encode_cursor(None, 7, 9), "likes") == (None, 7, 9)
    assert decode_cursor(encode_cursor(12, 8, 2), "likes") == (12, 8, 2)


@pytest.mark.parametrize(
    "token",
    [
        "garbage!!",
        "",
        encode_cursor("2026-01-01T00:00:00", 5, 2),  # naive date
        encode_cursor("yesterday", 5, 2),
        encode_cursor(3, -1, 2),
        encode_cursor(3, 2**64, 2),
        encode_cursor(3, 5, 0),
        encode_cursor("3", 5, 2),
        encode_cursor(True, 5, 2),
    ],
)
def test_a_garbled_cursor_is_refused(token):
    for column in ("sort_time", "likes", "engagement_rate"):
        with pytest.raises(ValueError):
            decode_cursor(token, column)


def test_the_stored_sort_time_follows_a_moved_schedule(member, profile):
    later = timezone.now() + datetime.timedelta(days=2)
    post = PostFactory(profile=profile, schedule_date=later)
    row = PlatformPostFactory(profile=profile, post=post, published_at=None)
    assert row.sort_time == later
    Post.objects.filter(pk=post.pk).update(schedule_date=later + datetime.timedelta(days=1))
    PlatformPost.fill_sort_time(PlatformPost.objects.filter(pk=row.pk))
    row.refresh_from_db()
    assert row.sort_time == later + datetime.timedelta(days=1)


def test_why_a_metric_is_missing(profile):
    youtube = PlatformPostFactory(
        profile=profile, platform="youtube", views=None, likes=3, metric_notes={"likes": "stale"}
    )
    assert metric_reason(youtube, "impressions") == NOT_REPORTED
    assert metric_reason(youtube, "views") == NOT_YET
    assert metric_reason(youtube, "likes") == EXPIRED
    youtube.comments = 0
    assert metric_reason(youtube, "comments") == ""


def test_a_retired_metric_says_since_when_not_not_yet(profile):
    facebook = PlatformPostFactory(profile=profile, platform="facebook", reach=None, likes=None)
    assert metric_reason(facebook, "reach") == "not reported by Facebook since Nov 2025"
    assert metric_reason(facebook, "likes") == NOT_YET
