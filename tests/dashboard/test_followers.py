import datetime
import random

import pytest

from dashboard import upsert
from dashboard.ayrshare.normalize import AccountSnapshot
from dashboard.followers import follower_periods, follower_totals, followers_at
from dashboard.models import AccountMetrics, FollowerSeries
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


def snapshot(platform, followers):
    fields = ("following", "posts_count", "impressions", "reach", "views", "engagements")
    return AccountSnapshot(
        platform=platform,
        followers=followers,
        last_updated=None,
        next_update=None,
        raw={},
        **dict.fromkeys(fields),
    )


def expected_totals(profiles, first, last):
    """follower_totals() straight from the daily rows, one network at a time."""
    ids = [p.pk for p in profiles]
    rows = AccountMetrics.objects.filter(profile_id__in=ids, followers__isnull=False)
    followers, growth, as_of, since = None, None, None, None
    before = first - datetime.timedelta(days=1)
    for profile_id, platform in set(rows.values_list("profile_id", "platform")):
        days = sorted(
            rows.filter(profile_id=profile_id, platform=platform).values_list("date", "followers")
        )
        ends = [d for d in days if d[0] <= last]
        if not ends:
            continue
        followers = (followers or 0) + ends[-1][1]
        as_of = max(as_of or ends[-1][0], ends[-1][0])
        earlier = [d for d in days if d[0] <= before]
        start = earlier[-1] if earlier else ends[0]
        if start[0] < ends[-1][0]:
            growth = (growth or 0) + ends[-1][1] - start[1]
            if start[0] > before:
                since = max(since or start[0], start[0])
    return {"followers": followers, "growth": growth, "as_of": as_of, "since": since}


def test_totals_equal_the_daily_rows_for_any_period_after_bulk_and_single_writes():
    rng = random.Random(5)
    profiles = [ProfileFactory(), ProfileFactory()]
    for day in range(0, 40, 3):
        for profile in profiles:
            snapshots = [
                snapshot(platform, rng.randrange(1000))
                for platform in ("facebook", "instagram", "tiktok")
                if rng.random() < 0.7
            ]
            upsert.upsert_account_metrics(profile, snapshots, DAY + datetime.timedelta(days=day))
    # Single saves, as the admin or a shell would make: a new last day, a blanked count.
    report(profiles[0], "linkedin", 50, 77)
    blanked = AccountMetrics.objects.filter(profile=profiles[1]).order_by("date").first()
    blanked.followers = None
    blanked.save()

    for _ in range(40):
        first = DAY + datetime.timedelta(days=rng.randrange(-5, 55))
        last = first + datetime.timedelta(days=rng.randrange(0, 30))
        totals = follower_totals(profiles, first, last)
        got = {key: totals[key] for key in ("followers", "growth", "as_of", "since")}
        assert got == expected_totals(profiles, first, last), (first, last)


def test_periods_read_together_equal_periods_read_one_by_one():
    profile = ProfileFactory()
    for offset, followers in ((-20, 500), (-10, 520), (2, 530), (9, 560)):
        report(profile, "facebook", offset, followers)
    periods = [(DAY, DAY + datetime.timedelta(days=9)), (DAY - datetime.timedelta(days=10), DAY)]

    assert follower_periods([profile], periods) == [
        follower_totals([profile], *period) for period in periods
    ]


def test_a_network_whose_counts_are_all_blanked_has_no_series_left():
    profile = ProfileFactory()
    row = report(profile, "facebook", 0, 100)
    assert FollowerSeries.objects.filter(profile=profile).count() == 1

    row.followers = None
    row.save()

    assert not FollowerSeries.objects.filter(profile=profile).exists()
    assert follower_totals([profile], DAY, DAY)["followers"] is None
