import datetime

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Profile
from dashboard import kpis
from dashboard.models import PlatformPost
from tests.accounts.factories import ProfileFactory
from tests.dashboard.factories import PlatformPostFactory

pytestmark = pytest.mark.django_db


def _at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def test_totals_equal_a_direct_aggregate_and_ignore_unreported_metrics():
    profile = ProfileFactory()
    today = timezone.localdate()
    PlatformPostFactory(profile=profile, published_at=_at(today), impressions=100, engagements=7)
    PlatformPostFactory(profile=profile, published_at=_at(today), impressions=None, engagements=3)
    PlatformPostFactory(
        profile=profile, published_at=_at(today), social_id="ayrshare:x", impressions=999
    )
    PlatformPostFactory(
        profile=profile, published_at=_at(today - datetime.timedelta(days=40)), impressions=5
    )
    profiles = Profile.objects.filter(pk=profile.pk)

    result = kpis.totals(profiles, today - datetime.timedelta(days=27), today)

    direct = (
        PlatformPost.objects.filter(
            profile=profile, published_at__date__gte=today - datetime.timedelta(days=27)
        )
        .exclude(social_id__startswith="ayrshare:")
        .aggregate(i=Sum("impressions"), e=Sum("engagements"))
    )
    assert result["posts"] == 2
    assert result["impressions"] == direct["i"] == 100
    assert result["engagements"] == direct["e"] == 10
    assert result["impressions_reported"] == 1
    assert result["reach"] is None and result["reach_reported"] == 0
    assert result["engagement_rate"] == pytest.approx(7 / 100)


def test_previous_period_has_equal_length_and_ends_the_day_before():
    first, last = datetime.date(2026, 3, 1), datetime.date(2026, 3, 28)
    assert kpis.previous_period(first, last) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )


def test_change_is_hidden_when_the_baseline_is_too_small():
    assert kpis.change_percent(150, 100, 5) == pytest.approx(50)
    assert kpis.change_percent(150, 9, 5) is None
    assert kpis.change_percent(150, 100, 2) is None
    assert kpis.change_percent(None, 100, 5) is None
