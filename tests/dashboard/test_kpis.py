import datetime

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Profile
from dashboard import kpis
from dashboard.models import MetricSnapshot, PlatformPost, SyncState
from tests.accounts.factories import ProfileFactory
from tests.dashboard.factories import PlatformPostFactory, at

pytestmark = pytest.mark.django_db


def test_totals_equal_a_direct_aggregate_and_ignore_unreported_metrics():
    profile = ProfileFactory()
    today = timezone.localdate()
    PlatformPostFactory(profile=profile, published_at=at(today), impressions=100, engagements=7)
    PlatformPostFactory(profile=profile, published_at=at(today), impressions=None, engagements=3)
    PlatformPostFactory(
        profile=profile, published_at=at(today), social_id="ayrshare:x", impressions=999
    )
    PlatformPostFactory(
        profile=profile, published_at=at(today - datetime.timedelta(days=40)), impressions=5
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


def _snap(post, when, **metrics):
    return MetricSnapshot.objects.create(platform_post=post, captured_at=when, **metrics)


def test_activity_totals_are_the_gain_between_snapshots_at_period_start_and_end():
    profile = ProfileFactory()
    first, last = datetime.date(2026, 11, 1), datetime.date(2026, 11, 7)
    older = PlatformPostFactory(profile=profile, published_at=at(first) - datetime.timedelta(30))
    _snap(older, at(first) - datetime.timedelta(days=2), impressions=100, engagements=10)
    _snap(older, at(last), impressions=150, engagements=None)
    _snap(older, at(last) + datetime.timedelta(days=2), impressions=900, engagements=90)
    fresh = PlatformPostFactory(profile=profile, published_at=at(first + datetime.timedelta(2)))
    _snap(fresh, at(first + datetime.timedelta(3)), impressions=30, engagements=3)
    # Published before the period but first seen inside it: no baseline, left out.
    unknown = PlatformPostFactory(profile=profile, published_at=at(first) - datetime.timedelta(9))
    _snap(unknown, at(first + datetime.timedelta(1)), impressions=5000, engagements=500)
    PlatformPostFactory(profile=profile, published_at=at(last) + datetime.timedelta(1))

    result = kpis.activity_totals(Profile.objects.filter(pk=profile.pk), first, last)

    assert result["impressions"] == (150 - 100) + (30 - 0)
    # The older post's engagements were last reported (10) before the period: gain 0.
    assert result["engagements"] == (10 - 10) + 3
    assert result["posts"] == 3
    assert result["impressions_reported"] == 2
    assert result["reach"] is None and result["reach_reported"] == 0
    assert result["engagement_rate"] == pytest.approx(3 / 80)


def test_snapshots_cover_a_period_only_from_their_first_capture():
    profile = ProfileFactory()
    profiles = Profile.objects.filter(pk=profile.pk)
    day = datetime.date(2026, 11, 10)
    assert kpis.snapshots_cover(profiles, day) == (False, None)
    _snap(PlatformPostFactory(profile=profile), at(day), impressions=1)
    assert kpis.snapshots_cover(profiles, day)[0] is False
    assert kpis.snapshots_cover(profiles, day + datetime.timedelta(days=1))[0] is True


def test_totals_say_when_the_counted_posts_were_updated():
    profile = ProfileFactory()
    today = timezone.localdate()
    PlatformPostFactory(profile=profile, last_updated=at(today) - datetime.timedelta(hours=5))
    PlatformPostFactory(profile=profile, last_updated=at(today))
    PlatformPostFactory(profile=profile, next_update=timezone.now() + datetime.timedelta(hours=2))
    SyncState.objects.create(
        profile=profile, unit="history", next_update=timezone.now() + datetime.timedelta(hours=1)
    )
    profiles = Profile.objects.filter(pk=profile.pk)

    result = kpis.totals(profiles, today, today)

    assert result["oldest_update"] == at(today) - datetime.timedelta(hours=5)
    assert result["newest_update"] == at(today)
    assert result["next_post_update"] > timezone.now()
    assert kpis.next_sync(profiles) < result["next_post_update"]


def test_change_and_coverage_read_as_a_person_expects():
    assert kpis.signed_percent(12.54) == "+12.5%"
    assert kpis.signed_percent(-3) == "-3.0%"
    assert kpis.signed_percent(0.01) == "0.0%"
    assert kpis.signed_percent(None) is None
    assert kpis.coverage_text(47, 52) == "47 of 52 posts; 5 not yet reported"
    assert kpis.coverage_text(3, 3) == "3 of 3 posts"
    assert (
        kpis.coverage_text(47, 52, 3)
        == "47 of 52 posts; 3 on networks that do not report it; 2 not yet reported"
    )


def test_posts_on_networks_without_the_metric_are_not_waiting_for_it(db):
    profile = ProfileFactory()
    day = timezone.localdate()
    PlatformPostFactory(profile=profile, platform="facebook", impressions=10)
    PlatformPostFactory(profile=profile, platform="facebook", impressions=None)
    PlatformPostFactory(profile=profile, platform="youtube", impressions=None)  # never reports it

    result = kpis.totals(Profile.objects.filter(pk=profile.pk), day, day)

    assert (result["impressions_reported"], result["impressions_unsupported"]) == (1, 1)


def test_coverage_tells_a_retired_number_from_one_not_yet_reported():
    profile = ProfileFactory()
    day = datetime.date(2026, 11, 3)
    PlatformPostFactory(profile=profile, platform="facebook", published_at=at(day), reach=None)
    PlatformPostFactory(profile=profile, platform="facebook", published_at=at(day), reach=40)
    PlatformPostFactory(profile=profile, platform="tiktok", published_at=at(day), reach=None)
    PlatformPostFactory(profile=profile, platform="youtube", published_at=at(day), reach=None)
    profiles = Profile.objects.filter(pk=profile.pk)

    totals = kpis.totals(profiles, day, day)

    assert totals == kpis.posts_totals(profiles, day, day)  # rollups and raw rows agree
    assert (totals["reach_reported"], totals["reach_unsupported"], totals["reach_retired"]) == (
        1,
        1,
        1,
    )
    assert kpis.coverage_text(1, 4, 1, 1, "reach") == (
        "1 of 4 posts; 1 on networks that do not report it; "
        "1 on networks that stopped reporting it (Facebook since Nov 2025); 1 not yet reported"
    )
