import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.models import SyncState
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import (
    AccountMetricsFactory,
    ShortLinkFactory,
    YouTubePlaylistFactory,
)

pytestmark = pytest.mark.django_db

# session, user, membership, profiles, rows, baseline (the follower series and one probe of the
# days inside them), latest, units, links, link count, playlists (+ savepoints in tests)
MAX_QUERIES = 12
FRAGMENT = {"HX-Request": "true", "HX-Target": "results"}
TODAY = timezone.localdate


def url(membership, query=""):
    return f"/w/{membership.workspace.slug}/audience/{query}"


def days_ago(n):
    return TODAY() - datetime.timedelta(days=n)


def chart(page):
    match = re.search(r'<script id="followers-chart" type="application/json">(.*?)</script>', page)
    assert match, "no chart data on the page"
    return json.loads(match.group(1))


@pytest.fixture
def member(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    return membership


@pytest.fixture
def profile(member):
    return ProfileFactory(
        workspace=member.workspace, title="Acme Coffee", platforms=["facebook", "youtube"]
    )


def test_the_chart_draws_each_networks_rows_and_leaves_missing_days_as_gaps(
    client, member, profile
):
    AccountMetricsFactory(profile=profile, platform="facebook", date=days_ago(3), followers=100)
    AccountMetricsFactory(profile=profile, platform="facebook", date=days_ago(1), followers=None)
    AccountMetricsFactory(profile=profile, platform="facebook", date=days_ago(0), followers=120)
    AccountMetricsFactory(profile=profile, platform="instagram", date=days_ago(3), followers=40)
    AccountMetricsFactory(profile=profile, platform="instagram", date=days_ago(0), followers=45)
    # Outside the default 28 days.
    AccountMetricsFactory(profile=profile, platform="facebook", date=days_ago(120), followers=1)

    response = client.get(url(member))
    page = response.content.decode()
    config = chart(page)

    assert response.status_code == 200
    assert config["type"] == "line"
    assert config["data"]["labels"] == [days_ago(n).isoformat() for n in (3, 2, 1, 0)]
    datasets = {d["label"]: d["data"] for d in config["data"]["datasets"]}
    assert datasets == {"Facebook": [100, None, None, 120], "Instagram": [40, None, None, 45]}
    assert 'data-chart="followers-chart"' in page and 'role="img"' in page
    assert "<details" in page and "Followers as a table" in page


def test_latest_numbers_show_the_change_and_say_what_is_not_reported(client, member, profile):
    AccountMetricsFactory(profile=profile, date=days_ago(100), followers=1000)
    AccountMetricsFactory(profile=profile, date=days_ago(10), followers=1500)
    AccountMetricsFactory(
        profile=profile, date=days_ago(0), followers=2234, following=None, reach=5000
    )

    page = client.get(url(member, "?range=28")).content.decode()

    # Compared with the last report before the period (1,000), as the overview's growth is.
    assert "+1,234" in page
    assert "5,000" in page
    assert "not reported by this network" in page
    assert "As of" in page


def test_all_time_compares_with_the_first_report(client, member, profile):
    AccountMetricsFactory(profile=profile, date=days_ago(400), followers=900)
    AccountMetricsFactory(profile=profile, date=days_ago(0), followers=1000)

    page = client.get(url(member, "?range=all")).content.decode()

    assert "+100" in page
    assert len(chart(page)["data"]["labels"]) == 401


def test_a_single_report_shows_no_change_rather_than_zero(client, member, profile):
    AccountMetricsFactory(profile=profile, date=days_ago(0), followers=1000)
    page = client.get(url(member)).content.decode()
    assert "Only one report so far" in page
    assert "<strong>0</strong>" not in page
    assert "Follower history starts on" in page


def test_links_are_ordered_by_clicks_with_unreported_last(client, member, profile):
    ShortLinkFactory(profile=profile, short_url="https://ayr.app/l/none", clicks=None)
    ShortLinkFactory(profile=profile, short_url="https://ayr.app/l/few", clicks=3)
    ShortLinkFactory(profile=profile, short_url="https://ayr.app/l/many", clicks=1500)
    ShortLinkFactory(profile=profile, short_url="https://ayr.app/l/zero", clicks=0)

    page = client.get(url(member)).content.decode()

    order = [page.index(f"https://ayr.app/l/{name}<") for name in ("many", "few", "zero", "none")]
    assert order == sorted(order)
    assert "1,500" in page
    assert 'rel="noopener noreferrer"' in page


def test_more_than_a_hundred_links_are_capped_with_the_count(client, member, profile):
    ShortLinkFactory.create_batch(101, profile=profile)
    page = client.get(url(member)).content.decode()
    assert "The 100 most clicked of 101 links" in page
    assert page.count("https://ayr.app/l/") == 2 * 100


def test_link_and_playlist_text_is_escaped_and_odd_schemes_are_not_linked(client, member, profile):
    ShortLinkFactory(profile=profile, original_url='javascript:alert("<script>x</script>")')
    YouTubePlaylistFactory(profile=profile, title="<script>alert(1)</script> Best of")

    page = client.get(url(member)).content.decode()

    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert 'href="javascript:' not in page
    assert "&lt;script&gt;x" in page
    assert "Best of" in page


def test_a_client_cannot_open_an_unassigned_profile_nor_see_its_links(client, member):
    mine = ProfileFactory(workspace=member.workspace, title="A mine")
    theirs = ProfileFactory(workspace=member.workspace, title="B theirs")
    client_member = MembershipFactory(workspace=member.workspace, role="client")
    client_member.profiles.add(mine)
    ShortLinkFactory(profile=mine, short_url="https://ayr.app/l/assigned")
    ShortLinkFactory(profile=theirs, short_url="https://ayr.app/l/secret")
    YouTubePlaylistFactory(profile=theirs, title="Secret playlist")
    client.force_login(client_member.user)

    assert client.get(url(member, f"?profile={theirs.pk}")).status_code == 404
    assert client.get(url(member, f"?profile={theirs.pk}"), headers=FRAGMENT).status_code == 404
    page = client.get(url(member)).content.decode()
    assert "https://ayr.app/l/assigned" in page
    assert "secret" not in page.lower() and "B theirs" not in page


def test_another_workspaces_profile_is_a_404(client, member, profile):
    other = ProfileFactory()
    assert client.get(url(member, f"?profile={other.pk}")).status_code == 404


def test_the_default_is_the_first_profile_by_title_and_others_can_be_chosen(client, member):
    zebra = ProfileFactory(workspace=member.workspace, title="Zebra")
    ProfileFactory(workspace=member.workspace, title="Aardvark")
    ShortLinkFactory(profile=zebra, short_url="https://ayr.app/l/zebra")

    assert "https://ayr.app/l/zebra" not in client.get(url(member)).content.decode()
    page = client.get(url(member, f"?profile={zebra.pk}")).content.decode()
    assert "https://ayr.app/l/zebra" in page
    assert f'<option value="{zebra.pk}" selected>Zebra</option>' in page


@pytest.mark.parametrize("query", ["?range=7", "?range=evil", "?profile=abc", "?profile=-1"])
def test_bad_input_is_a_400_with_a_message(client, member, profile, query):
    response = client.get(url(member, query))
    page = response.content.decode()
    assert response.status_code == 400
    assert "cannot be shown" in page and 'id="audience-filters"' in page


def test_bad_input_in_a_fragment_is_shown_in_place(client, member, profile):
    response = client.get(url(member, "?range=evil"), headers=FRAGMENT)
    assert response.status_code == 200
    assert b"cannot be shown" in response.content and b"<html" not in response.content


def test_htmx_gets_only_the_results(client, member, profile):
    ShortLinkFactory(profile=profile, short_url="https://ayr.app/l/frag")
    response = client.get(url(member, "?range=28"), headers=FRAGMENT)
    page = response.content.decode()
    assert response.status_code == 200
    assert "https://ayr.app/l/frag" in page
    assert "<html" not in page and 'id="audience-filters"' not in page
    assert "HX-Request" in response["Vary"]


def test_the_page_form_pushes_the_url_and_a_history_restore_gets_the_whole_page(
    client, member, profile
):
    page = client.get(url(member)).content.decode()
    assert 'hx-push-url="true"' in page and 'hx-target="#results"' in page
    assert '<option value="28" selected>' in page
    headers = {**FRAGMENT, "HX-History-Restore-Request": "true"}
    assert b"<html" in client.get(url(member), headers=headers).content


def test_empty_states_say_why(client, member):
    bare = ProfileFactory(workspace=member.workspace, title="Bare", platforms=["twitter"])
    page = client.get(url(member, f"?profile={bare.pk}")).content.decode()
    assert "No follower data yet" in page and "within a minute" in page
    assert "No link data yet" in page
    assert "No YouTube channel is linked to Bare" in page


def test_empty_states_after_a_sync_found_nothing(client, member, profile):
    for unit in ("social", "links", "playlists"):
        SyncState.objects.create(profile=profile, unit=unit, last_success=timezone.now())
    page = client.get(url(member)).content.decode()
    assert "No follower numbers in this period" in page
    assert "No shortened links" in page
    assert "This channel has no playlists" in page


def test_a_member_without_profiles_gets_an_explanation(client):
    lonely = MembershipFactory(role="client")
    client.force_login(lonely.user)
    response = client.get(url(lonely))
    assert response.status_code == 200
    assert b"No profile has been shared with you" in response.content


def fill(profile, n):
    for i in range(n):
        AccountMetricsFactory(profile=profile, platform="facebook", date=days_ago(i))
        AccountMetricsFactory(profile=profile, platform="instagram", date=days_ago(i))
    ShortLinkFactory.create_batch(n, profile=profile)
    YouTubePlaylistFactory.create_batch(n, profile=profile)


def test_query_count_does_not_grow_with_rows(client, member, profile):
    other = ProfileFactory(workspace=member.workspace, title="Other")
    # Both histories start before the default 28 days, so both pages look up a day inside them.
    fill(profile, 35)
    fill(other, 400)

    with CaptureQueriesContext(connection) as few:
        assert client.get(url(member, f"?profile={profile.pk}")).status_code == 200
    with CaptureQueriesContext(connection) as many:
        assert client.get(url(member, f"?profile={other.pk}")).status_code == 200

    assert len(few) == len(many) <= MAX_QUERIES


def test_the_page_stays_within_its_query_budget(
    client, member, profile, django_assert_max_num_queries
):
    fill(profile, 30)
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(url(member), headers=FRAGMENT)


def test_audience_numbers_show_where_the_network_reports_them(client, member, profile):
    profile.platforms = ["facebook", "linkedin", "threads", "bluesky", "youtube"]
    profile.save()
    AccountMetricsFactory(
        profile=profile,
        platform="linkedin",
        date=days_ago(0),
        followers=1240,
        organic_followers=1204,
        paid_followers=36,
    )
    AccountMetricsFactory(profile=profile, platform="threads", date=days_ago(0), followers=1980)
    AccountMetricsFactory(profile=profile, platform="bluesky", date=days_ago(0), followers=842)
    AccountMetricsFactory(
        profile=profile,
        platform="youtube",
        date=days_ago(0),
        followers=3022,
        followers_gained=41,
        followers_lost=6,
        watch_time=30122 * 60.0,
    )
    AccountMetricsFactory(profile=profile, platform="facebook", date=days_ago(0), reach=None)
    page = client.get(url(member)).content.decode()
    cards = dict(re.findall(r'platform-(\w+)">.*?</h3>(.*?)</article>', page, re.S))
    assert set(cards) >= {"linkedin", "threads", "bluesky", "youtube", "facebook"}

    def number(platform, label):
        match = re.search(rf"<dt>{label}</dt>\s*<dd[^>]*>(.*?)</dd>", cards[platform], re.S)
        return match and re.sub(r"<[^>]+>", "", match.group(1)).strip()

    assert (number("linkedin", "Organic followers"), number("linkedin", "Paid followers")) == (
        "1,204",
        "36",
    )
    assert number("youtube", "Followers gained") == "41"
    assert number("youtube", "Watch time") == "502 h 2 min"
    assert number("threads", "Organic followers") is None  # not reported there: not shown
    assert "not reported by Facebook since Nov 2025" in number("facebook", "Reach")
    assert "1,980" in cards["threads"] and "842" in cards["bluesky"]


def test_links_show_clicks_and_where_they_came_from(client, member, profile):
    ShortLinkFactory(profile=profile, clicks=15, clicks_by_platform={"twitter": 4, "facebook": 6})
    page = client.get(url(member)).content.decode()
    assert "Facebook 6 · X (Twitter) 4" in page
    assert re.search(r'<td class="num">15</td>', page)
