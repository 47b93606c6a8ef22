import datetime
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string

from accounts.access import visible_profiles
from dashboard.filters import PostFilters
from dashboard.queries import encode_cursor
from tests.accounts.factories import MembershipFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def form(membership, **data):
    # As a browser sends it: a query string, where repeated keys become lists.
    query = QueryDict(urlencode(data, doseq=True))
    return PostFilters(query, profiles=visible_profiles(membership))


def test_no_filters_means_all_time_newest_first():
    f = form(MembershipFactory())
    assert f.is_valid()
    assert f.period() == (None, None)
    assert f.sort_order() == "-published_at" and f.page_number() == 1


def test_presets_cover_whole_days_ending_today():
    f = form(MembershipFactory(), range="7")
    assert f.is_valid()
    today = datetime.date(2026, 3, 15)
    assert f.period(today) == (datetime.date(2026, 3, 9), today)
    month = form(MembershipFactory(), range="month")
    assert month.is_valid() and month.period(today) == (datetime.date(2026, 3, 1), today)


def test_custom_dates_are_the_period_and_a_preset_with_dates_is_refused():
    custom = form(MembershipFactory(), range="custom", start="2026-02-01", end="2026-02-10")
    assert custom.is_valid()
    assert custom.period() == (datetime.date(2026, 2, 1), datetime.date(2026, 2, 10))
    mixed = form(MembershipFactory(), range="7", start="2026-02-01")
    assert not mixed.is_valid()
    assert "either a period or from/to dates" in " ".join(mixed.error_text())


@pytest.mark.parametrize(
    "data, message",
    [
        ({"start": "2026-02-30"}, "valid date"),
        ({"start": "2026-03-02", "end": "2026-03-01"}, "after"),
        ({"range": "7", "start": "2026-03-01"}, "either a period"),
        ({"range": "365"}, "valid choice"),
        ({"sort": "text"}, "valid choice"),
        ({"status": "exploded"}, "valid choice"),
        ({"page": "0"}, "greater than or equal"),
        ({"page": "abc"}, "whole number"),
        ({"platforms": "myspace"}, "valid choice"),
        ({"page": "22"}, "use the page links"),
        ({"after": "not-a-token"}, "page link is damaged"),
        ({"before": encode_cursor("soon", 3, 2)}, "page link is damaged"),
        ({"after": encode_cursor(4, 3, 2), "sort": "-published_at"}, "page link is damaged"),
        ({"after": encode_cursor(4, 3, 2), "page": "2", "sort": "likes"}, "not two"),
        ({"profiles": "abc"}, "“abc” is not a valid value"),
        ({"profiles": "1.5"}, "“1.5” is not a valid value"),
        ({"profiles": "99999999999999999999"}, "You cannot see profile 99999999999999999999."),
    ],
)
def test_bad_values_are_rejected_with_a_message(data, message):
    f = form(MembershipFactory(), **data)
    assert not f.is_valid()
    assert any(message in text for text in f.error_text())


def test_a_client_cannot_name_a_profile_they_may_not_see():
    client = MembershipFactory(role="client")
    mine = ProfileFactory(workspace=client.workspace)
    theirs = ProfileFactory(workspace=client.workspace)
    client.profiles.add(mine)

    assert form(client, profiles=[str(mine.pk)]).is_valid()
    refused = form(client, profiles=[str(theirs.pk)])
    assert not refused.is_valid()
    assert f"You cannot see profile {theirs.pk}." in " ".join(refused.error_text())


def test_many_profiles_are_checked_in_one_query(django_assert_num_queries):
    member = MembershipFactory()
    chosen = ProfileFactory.create_batch(40, workspace=member.workspace)
    stranger = ProfileFactory()

    with django_assert_num_queries(1):
        f = form(member, profiles=[str(p.pk) for p in chosen])
        assert f.is_valid(), f.errors
    assert sorted(p.pk for p in f.cleaned_data["profiles"]) == sorted(p.pk for p in chosen)
    refused = form(member, profiles=[str(chosen[0].pk), str(stranger.pk)])
    assert not refused.is_valid()
    assert f"You cannot see profile {stranger.pk}." in " ".join(refused.error_text())


def test_a_cursor_is_decoded_for_the_chosen_sort():
    when = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    f = form(MembershipFactory(), after=encode_cursor(when, 7, 3))
    assert f.is_valid(), f.errors
    assert f.cursors() == {"after": (when, 7, 3), "before": None, "number": 1}
    f = form(MembershipFactory(), before=encode_cursor(None, 7, 2), sort="likes")
    assert f.is_valid(), f.errors
    assert f.cursors()["before"] == (None, 7, 2)


def test_the_profile_picker_lists_visible_profiles_by_title_and_keeps_the_choice():
    client = MembershipFactory(role="client")
    zed = ProfileFactory(workspace=client.workspace, title="Zed <b>bold</b>")
    abe = ProfileFactory(workspace=client.workspace, title="Abe")
    hidden = ProfileFactory(workspace=client.workspace, title="Hidden")
    client.profiles.add(zed, abe)

    picker = form(client, profiles=[str(zed.pk)])
    assert picker.is_valid()
    assert picker.profile_picker().options == [(abe.pk, "Abe", False), (zed.pk, zed.title, True)]

    html = render_to_string("dashboard/_profile_select.html", {"field": picker["profiles"]})
    assert f'<option value="{zed.pk}" selected>Zed &lt;b&gt;bold&lt;/b&gt;</option>' in html
    assert f'<option value="{abe.pk}">Abe</option>' in html
    assert f'value="{hidden.pk}"' not in html


def test_a_refused_profile_choice_marks_the_picker_invalid():
    member = MembershipFactory()
    stranger = ProfileFactory()

    refused = form(member, profiles=[str(stranger.pk)])
    assert not refused.is_valid()

    html = render_to_string("dashboard/_profile_select.html", {"field": refused["profiles"]})
    assert 'aria-invalid="true"' in html
