import datetime

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import Profile
from dashboard import trends
from dashboard.models import PlatformPost
from tests.accounts.factories import ProfileFactory
from tests.dashboard.factories import PlatformPostFactory, at

pytestmark = pytest.mark.django_db

FIRST = datetime.date(2026, 11, 2)  # a Monday
LAST = datetime.date(2026, 11, 15)  # a Sunday


def _day(n):
    return FIRST + datetime.timedelta(days=n)


def _direct(profile, **where):
    return (
        PlatformPost.objects.filter(profile=profile, **where)
        .exclude(social_id__startswith="ayrshare:")
        .aggregate(n=Count("pk"), e=Sum("engagements"), i=Sum("impressions"))
    )


@pytest.fixture
def profile():
    profile = ProfileFactory()
    PlatformPostFactory(profile=profile, published_at=at(_day(0), 9), engagements=5, impressions=50)
    PlatformPostFactory(
        profile=profile,
        platform="instagram",
        published_at=at(_day(0), 9),
        engagements=7,
        impressions=None,
    )
    PlatformPostFactory(profile=profile, published_at=at(_day(1), 18), engagements=None)
    PlatformPostFactory(profile=profile, published_at=at(_day(8), 9), engagements=11)
    PlatformPostFactory(profile=profile, published_at=at(_day(30)), engagements=1000)
    PlatformPostFactory(
        profile=profile, social_id="ayrshare:x", published_at=at(_day(0)), engagements=999
    )
    return profile


def _profiles(profile):
    return Profile.objects.filter(pk=profile.pk)


def test_daily_series_equal_direct_per_day_aggregates_gaps_only_where_unreported(profile):
    result = trends.over_time(_profiles(profile), FIRST, LAST, "day")

    assert result["labels"] == [_day(n) for n in range(14)]
    for n, day in enumerate(result["labels"]):
        direct = _direct(profile, published_at__date=day)
        assert result["engagements"][n] == (direct["e"] if direct["n"] else 0)
        assert result["impressions"][n] == (direct["i"] if direct["n"] else 0)
    assert result["engagements"][0] == 12
    # A day whose only post did not report engagements is a gap; a day without posts gained 0.
    assert result["engagements"][1] is None
    assert result["engagements"][2] == 0


def test_weekly_series_start_on_monday_and_sum_the_week(profile):
    result = trends.over_time(_profiles(profile), FIRST, LAST, "week")

    assert result["labels"] == [FIRST, _day(7)]
    week = _direct(profile, published_at__date__gte=FIRST, published_at__date__lte=_day(6))
    assert result["engagements"] == [week["e"], 11]


def test_engagements_by_platform_per_day(profile):
    result = trends.by_platform(_profiles(profile), FIRST, LAST, "day")

    assert set(result["platforms"]) == {"facebook", "instagram"}
    assert result["platforms"]["facebook"][0] == 5
    assert result["platforms"]["instagram"][0] == 7
    assert result["platforms"]["instagram"][8] == 0
    assert result["platforms"]["facebook"][1] is None
    assert result["platforms"]["facebook"][8] == 11


def test_heatmap_cell_equals_engagements_of_posts_in_that_weekday_and_hour(profile):
    result = trends.heatmap(_profiles(profile), FIRST, LAST)

    monday_9 = result["rows"][0]["cells"][9]
    direct = _direct(
        profile,
        published_at__date__gte=FIRST,
        published_at__date__lte=LAST,
        published_at__iso_week_day=1,
        published_at__hour=9,
    )
    assert monday_9["engagements"] == direct["e"] == 12
    assert monday_9["posts"] == 2
    assert monday_9["level"] == trends.HEAT_LEVELS
    tuesday_18 = result["rows"][1]["cells"][18]
    assert tuesday_18 == {
        "hour": 18,
        "posts": 1,
        "engagements": None,
        "level": 0,
        "title": "Tue 18:00: 1 post, engagements not reported",
    }
    assert result["rows"][1]["cells"][9]["engagements"] == 11
    assert result["rows"][2]["cells"][0]["posts"] == 0
    assert monday_9["title"] == "Mon 09:00: 12 engagements from 2 posts"
    assert result["rows"][2]["cells"][0]["title"] == "Wed 00:00: no posts"


def test_heatmap_lists_the_slots_with_posts_for_a_plain_table(profile):
    result = trends.heatmap(_profiles(profile), FIRST, LAST)

    assert result["busy"] == [
        {"slot": "Mon 09:00–09:59", "posts": 2, "engagements": 12},
        {"slot": "Tue 09:00–09:59", "posts": 1, "engagements": 11},
        {"slot": "Tue 18:00–18:59", "posts": 1, "engagements": None},
    ]


def test_series_follow_the_configured_time_zone():
    profile = ProfileFactory()
    # 02:00 UTC on Nov 3 is still Nov 2 (21:00) in New York.
    published = datetime.datetime(2026, 11, 3, 2, tzinfo=datetime.UTC)
    PlatformPostFactory(profile=profile, published_at=published, engagements=4)

    with timezone.override("America/New_York"):
        series = trends.over_time(_profiles(profile), FIRST, LAST, "day")
        heat = trends.heatmap(_profiles(profile), FIRST, LAST)

    assert series["engagements"][0] == 4
    assert heat["rows"][0]["cells"][21]["engagements"] == 4


def test_top_posts_are_the_most_engaged_of_the_period(profile):
    PlatformPostFactory.create_batch(12, profile=profile, published_at=at(_day(3)), engagements=2)

    top = list(trends.top_posts(_profiles(profile), FIRST, LAST))

    assert len(top) == 10
    assert [p.engagements for p in top[:3]] == [11, 7, 5]
    assert all(p.engagements is not None for p in top)
