import datetime

import pytest

from dashboard.followers import follower_totals, followers_at
from dashboard.models import AccountMetrics
from tests.accounts.factories import ProfileFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 11, 1)


def report(profile, platform, day_offset, followers):
    return AccountMetrics.objects.create(
        profile=profile,
        platform=platform,
        date=DAY + datetime.timedelta(days=day_offset),
        followers=followers,
    )


def test_followers_at_takes_each_networks_latest_report_on_or_before_the_day():
    profile = ProfileFactory()
    report(profile, "facebook", 0, 100)
    report(profile, "facebook", 5, 120)
    report(profile, "instagram", 2, 40)
    AccountMetrics.objects.create(profile=profile, platform="instagram", date=DAY, followers=None)

    assert followers_at([profile], DAY + datetime.timedelta(days=3)) == {
        profile.pk: {"facebook": 100, "instagram": 40}
    }
    assert followers_at([profile], DAY + datetime.timedelta(days=9))[profile.pk]["facebook"] == 120


def test_growth_compares_with_the_day_before_the_period():
    a, b = ProfileFactory(), ProfileFactory()
    report(a, "facebook", -1, 1000)
    report(a, "facebook", 6, 1100)
    report(b, "twitter", -3, 50)
    report(b, "twitter", 4, 45)

    totals = follower_totals([a, b], DAY, DAY + datetime.timedelta(days=6))

    assert totals["followers"] == 1145
    assert totals["growth"] == 95
    assert totals["since"] is None
    assert totals["as_of"] == DAY + datetime.timedelta(days=6)
    assert totals["by_profile"] == {
        a.pk: {"followers": 1100, "growth": 100, "since": None},
        b.pk: {"followers": 45, "growth": -5, "since": None},
    }


def test_history_starting_inside_the_period_says_since_when():
    profile = ProfileFactory()
    report(profile, "linkedin", 3, 200)
    report(profile, "linkedin", 5, 230)

    totals = follower_totals([profile], DAY, DAY + datetime.timedelta(days=6))

    assert totals["growth"] == 30
    assert totals["since"] == DAY + datetime.timedelta(days=3)
    assert totals["by_profile"][profile.pk]["since"] == DAY + datetime.timedelta(days=3)


def test_a_single_report_in_the_period_is_no_growth_rather_than_zero():
    profile = ProfileFactory()
    report(profile, "linkedin", 6, 200)

    totals = follower_totals([profile], DAY, DAY + datetime.timedelta(days=6))

    assert totals["followers"] == 200
    assert totals["growth"] is None
    assert totals["by_profile"][profile.pk]["growth"] is None


def test_no_reports_means_unknown_not_zero():
    profile = ProfileFactory()
    totals = follower_totals([profile], DAY, DAY + datetime.timedelta(days=6))
    assert totals["followers"] is None
    assert totals["growth"] is None
    assert totals["by_profile"] == {}
