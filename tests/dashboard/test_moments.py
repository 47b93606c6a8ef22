"""Times as the pages say them: each states its zone in the text, and a next update already due
says so."""

from datetime import UTC, datetime, timedelta

from django.utils import timezone

from dashboard import moments

NOW = datetime(2026, 12, 6, 9, 14, 30, tzinfo=UTC)


def test_a_next_update_in_the_past_or_within_seconds_is_due_now(settings):
    settings.TIME_ZONE = "UTC"
    for moment in (
        NOW - timedelta(seconds=2),
        NOW - timedelta(hours=3),
        NOW + timedelta(seconds=4),
    ):
        assert moments.upcoming(moment, NOW) == moments.Moment("due now", moment.isoformat())
    assert moments.upcoming(None, NOW).text == "due now"  # never synced: due at once


def test_a_next_update_ahead_says_in_how_long_and_at_what_local_time(settings):
    settings.TIME_ZONE = "UTC"
    soon = moments.upcoming(NOW + timedelta(minutes=25), NOW)
    tomorrow = moments.upcoming(NOW + timedelta(days=1), NOW)
    seconds = moments.upcoming(NOW + timedelta(seconds=40), NOW)

    assert soon.text.replace("\xa0", " ") == "in 25 minutes · 09:39 UTC"
    assert soon.iso == "2026-12-06T09:39:30+00:00"
    assert tomorrow.text.replace("\xa0", " ") == "in 1 day · Dec 7, 09:14 UTC"
    assert seconds.text.replace("\xa0", " ") == "in less than a minute · 09:15 UTC"


def test_a_past_success_says_how_long_ago_and_at_what_local_time(settings):
    settings.TIME_ZONE = "UTC"
    assert moments.past(NOW - timedelta(minutes=12), NOW).text.replace("\xa0", " ") == (
        "12 minutes ago · 09:02 UTC"
    )
    assert moments.past(NOW - timedelta(seconds=20), NOW).text.replace("\xa0", " ") == (
        "just now · 09:14 UTC"
    )
    last_year = moments.past(NOW - timedelta(days=400), NOW)
    assert last_year.text.replace("\xa0", " ") == "1 year ago · Nov 1, 2025, 09:14 UTC"
    assert moments.past(None, NOW) == moments.Moment("never")


def test_every_time_shows_the_active_zone_in_its_text(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    winter = moments.past(NOW - timedelta(minutes=12), NOW)
    assert winter.text.replace("\xa0", " ") == "12 minutes ago · 10:02 CET"
    assert winter.iso == (NOW - timedelta(minutes=12)).isoformat()  # the instant, unchanged

    with timezone.override("America/Sao_Paulo"):  # a zone without an abbreviation
        assert moments.clock(NOW, NOW).replace("\xa0", " ") == "06:14 UTC-03"
    with timezone.override("Asia/Kolkata"):
        assert moments.clock(NOW, NOW).replace("\xa0", " ") == "14:44 IST"
