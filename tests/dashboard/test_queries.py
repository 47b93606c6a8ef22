import datetime
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.utils import timezone

from accounts.access import visible_profiles
from dashboard.filters import PostFilters
from dashboard.queries import (
    NOT_REPORTED,
    NOT_YET,
    PAGE_SIZE,
    STALE,
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
    assert rows(member) == [placeholder, published]
    assert rows(member, start=str(later.date())) == [placeholder]


def test_sorting_by_a_metric_puts_missing_numbers_last_both_ways(member, profile):
    none = PlatformPostFactory(profile=profile, likes=None)
    zero = PlatformPostFactory(profile=profile, likes=0)
    many = PlatformPostFactory(profile=profile, likes=9)
    assert rows(member, sort="-likes") == [many, zero, none]
    assert rows(member, sort="likes") == [zero, many, none]


def test_pages_of_fifty_and_a_capped_count(member, profile, settings):
    PlatformPostFactory.create_batch(PAGE_SIZE + 3, profile=profile)
    filters = PostFilters(QueryDict(""), profiles=visible_profiles(member))
    assert filters.is_valid()
    posts = network_posts(member, filters)
    first, second = paginate(posts, 1), paginate(posts, 2)
    assert len(first.rows) == PAGE_SIZE and first.has_next and first.pages == 2
    assert len(second.rows) == 3 and not second.has_next
    assert not first.capped and first.count == PAGE_SIZE + 3


def test_capped_count_says_more_than_the_cap(member, profile, monkeypatch):
    monkeypatch.setattr("dashboard.queries.COUNT_CAP", 5)
    PlatformPostFactory.create_batch(7, profile=profile)
    filters = PostFilters(QueryDict(""), profiles=visible_profiles(member))
    assert filters.is_valid()
    page = paginate(network_posts(member, filters), 1)
    assert page.capped and page.pages is None


def test_why_a_metric_is_missing(profile):
    youtube = PlatformPostFactory(
        profile=profile, platform="youtube", views=None, likes=3, metric_notes={"likes": "stale"}
    )
    assert metric_reason(youtube, "impressions") == NOT_REPORTED
    assert metric_reason(youtube, "views") == NOT_YET
    assert metric_reason(youtube, "likes") == STALE
    youtube.comments = 0
    assert metric_reason(youtube, "comments") == ""
