"""The links panel's numbers, as the overview and the reports show them."""

import datetime

import pytest
from django.utils import timezone

from dashboard import links
from dashboard.models import SyncState
from tests.accounts.factories import ProfileFactory
from tests.dashboard.factories import ShortLinkFactory

pytestmark = pytest.mark.django_db


def period():
    today = timezone.localdate()
    return today - datetime.timedelta(days=27), today


def test_clicks_are_as_of_the_last_sync_that_read_them_not_the_last_change():
    profile = ProfileFactory()
    written = timezone.now() - datetime.timedelta(days=2)
    ShortLinkFactory(profile=profile, clicks=4, synced_at=written)
    read = timezone.now() - datetime.timedelta(minutes=5)
    SyncState.objects.create(profile=profile, unit=links.UNIT, last_success=read)

    summary = links.summary([profile.pk], *period())

    assert (summary["links"], summary["clicks"], summary["as_of"]) == (1, 4, read)


def test_the_most_clicked_links_are_ranked_among_the_chosen_profiles_only():
    mine, other = ProfileFactory(), ProfileFactory()
    for clicks in (3, 50, None, 8, 20, 1, 9):
        ShortLinkFactory(profile=mine, clicks=clicks)
    ShortLinkFactory(profile=other, clicks=999)
    old = timezone.now() - datetime.timedelta(days=40)
    ShortLinkFactory(profile=mine, clicks=500, created_at=old)

    summary = links.summary([mine.pk], *period())

    assert [link.clicks for link in summary["top"]] == [50, 20, 9, 8, 3]
    assert (summary["links"], summary["reported"], summary["clicks"]) == (7, 6, 91)
