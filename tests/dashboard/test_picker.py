import pytest

from accounts.models import Profile
from dashboard import picker
from tests.accounts.factories import ProfileFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(picker, "LIST_LIMIT", 3)
    monkeypatch.setattr(picker, "MATCHES", 2)


def profiles_of(workspace):
    return Profile.objects.filter(workspace=workspace).order_by("title")


def titled(*titles):
    workspace = WorkspaceFactory()
    made = {title: ProfileFactory(workspace=workspace, title=title) for title in titles}
    return profiles_of(workspace), made


def test_profiles_that_fit_a_list_are_all_listed_with_the_choice_marked(small_limits):
    profiles, made = titled("Cafe", "Acme", "Bakery")

    shown = picker.build(profiles, [str(made["Bakery"].pk)])

    assert not shown.search
    assert shown.options == [
        (made["Acme"].pk, "Acme", False),
        (made["Bakery"].pk, "Bakery", True),
        (made["Cafe"].pk, "Cafe", False),
    ]


def test_past_a_list_the_chosen_come_first_then_the_titles_that_match(small_limits):
    profiles, made = titled("Acme Paris", "Acme Lyon", "Bakery", "ACME Nice", "Dental")

    shown = picker.build(profiles, [str(made["Acme Lyon"].pk)], "acme")

    assert shown.search
    assert shown.chosen == [(made["Acme Lyon"].pk, "Acme Lyon")]
    # Case aside, by title, and not the chosen one a second time.
    assert shown.options == [
        (made["ACME Nice"].pk, "ACME Nice"),
        (made["Acme Paris"].pk, "Acme Paris"),
    ]
    assert shown.status == "2 profiles match “acme”."


def test_a_search_shows_a_few_and_says_how_many_more_match(small_limits):
    profiles, made = titled("Shop 1", "Shop 2", "Shop 3", "Shop 4", "Dental")

    shown = picker.build(profiles, [], "shop")
    assert [title for _, title in shown.options] == ["Shop 1", "Shop 2"]
    assert shown.status == (
        "Showing 2 of 4 profiles matching “shop”. Type more of the name to narrow them."
    )

    nothing_typed = picker.build(profiles, [], "")
    assert nothing_typed.status == "Showing 2 of 5 profiles. Type a name to find others."
    assert picker.build(profiles, [], "zzz").status == "No other profile matches “zzz”."


def test_what_the_query_string_says_cannot_show_another_workspaces_profile(small_limits):
    profiles, made = titled("A", "B", "C", "D")
    stranger = ProfileFactory(title="Stranger")

    shown = picker.build(profiles, [str(stranger.pk), "x", "-1", str(2**64), ""], "  ")

    assert shown.chosen == []
    assert "Stranger" not in [title for _, title in shown.options]
    assert shown.query == ""


def test_the_search_text_is_tidied_and_cut_not_refused(small_limits):
    profiles, made = titled("Acme Paris", "B", "C", "D")

    assert picker.build(profiles, [], "  acme \n  paris ").options == [
        (made["Acme Paris"].pk, "Acme Paris")
    ]
    assert len(picker.build(profiles, [], "x" * 500).query) == picker.QUERY_LENGTH
    # LIKE's wildcards are text like any other.
    assert picker.build(profiles, [], "%").options == []
