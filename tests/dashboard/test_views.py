import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import picker, queries
from dashboard.models import SyncState
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory


def home(membership):
    return f"/w/{membership.workspace.slug}/"


def test_pages_ask_for_a_login(client, db):
    membership = MembershipFactory()
    for url in ("/", home(membership)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_the_start_page_opens_the_first_workspace(client, db):
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == home(membership)


def test_home_shows_the_workspace_posts_with_text_escaped(client, db):
    membership = MembershipFactory()
    mine = ProfileFactory(workspace=membership.workspace, title="Acme Coffee")
    PlatformPostFactory(profile=mine, text="<script>alert(1)</script> launch", likes=0)
    PlatformPostFactory(text="Someone else's secret post")  # another workspace
    client.force_login(membership.user)

    response = client.get(home(membership))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Acme Coffee" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; launch" in page
    assert "<script>alert(1)" not in page
    assert "Someone else" not in page


def test_another_workspace_is_a_404(client, db):
    membership = MembershipFactory()
    other = MembershipFactory()
    PlatformPostFactory(profile=ProfileFactory(workspace=other.workspace), text="Their post")
    client.force_login(membership.user)
    response = client.get(home(other))
    assert response.status_code == 404
    assert b"Their post" not in response.content


def test_a_missing_metric_is_a_dash_and_a_real_zero_is_zero(client, db):
    membership = MembershipFactory()
    profile = ProfileFactory(workspace=membership.workspace)
    PlatformPostFactory(profile=profile, likes=0, impressions=None)
    client.force_login(membership.user)
    page = client.get(home(membership)).content.decode()
    recent = page.split('aria-labelledby="recent-heading"')[1]
    row = recent.split("<tbody>")[1].split("</tr>")[0]
    cells = [c.split("</td>")[0].strip() for c in re.split(r'<td class="num"[^>]*>', row)[1:]]
    assert cells == ["—", "0", "—", "—"]  # impressions, likes, comments, engagements


def test_a_person_without_a_workspace_gets_a_404_not_a_crash(client, django_user_model, db):
    user = django_user_model.objects.create_user("lonely", password="x")
    client.force_login(user)
    assert client.get("/").status_code == 404


def test_home_runs_the_same_few_queries_however_many_profiles_and_posts(
    client, db, django_assert_num_queries
):
    membership = MembershipFactory()
    client.force_login(membership.user)

    def fill(profiles, posts_each):
        for _ in range(profiles):
            profile = ProfileFactory(workspace=membership.workspace)
            for _ in range(posts_each):
                PlatformPostFactory(profile=profile)

    fill(1, 2)
    client.get(home(membership))  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(home(membership))
    fill(5, 6)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(home(membership))
    assert response.content.decode().count("profile-card") == 6


def test_profile_cards_say_posts_networks_and_last_sync(client, db):
    membership = MembershipFactory()
    synced = ProfileFactory(
        workspace=membership.workspace, title="Synced", platforms=["facebook", "linkedin"]
    )
    ProfileFactory(workspace=membership.workspace, title="New", platforms=[])
    PlatformPostFactory.create_batch(3, profile=synced)
    two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
    SyncState.objects.create(profile=synced, unit="history", last_success=two_hours_ago)
    client.force_login(membership.user)

    page = client.get(home(membership)).content.decode()

    assert '3 <span class="muted">posts published, all time</span>' in page
    assert "Facebook, LinkedIn" in page
    assert "Synced 2\xa0hours ago" in page
    assert "No networks linked" in page
    assert "Waiting for the first sync…" in page


def test_an_agency_home_shows_failing_profiles_first_and_links_to_all_of_them(client, db):
    membership = MembershipFactory()
    profiles = [
        ProfileFactory(workspace=membership.workspace, title=f"Client {n:02d}") for n in range(26)
    ]
    SyncState.objects.create(profile=profiles[25], unit="history", consecutive_failures=3)
    for unit in ("history", "social"):
        SyncState.objects.create(profile=profiles[24], unit=unit, consecutive_failures=1)
    SyncState.objects.create(profile=profiles[3], unit="links", last_success=timezone.now())
    PlatformPostFactory(profile=profiles[23], text="Newest post of a client without a card")
    client.force_login(membership.user)

    page = client.get(home(membership)).content.decode()

    cards = re.findall(r'<article class="card profile-card">\s*<h3>.*?</svg> ([^<]+)</h3>', page)
    # The most failing units first, then by title.
    assert cards == ["Client 24", "Client 25"] + [f"Client {n:02d}" for n in range(22)]
    assert "Showing 24 of 26 profiles, those with failing syncs first." in page
    assert f'href="/w/{membership.workspace.slug}/agency/">Compare all 26' in page
    assert "Newest post of a client without a card" in page


def test_past_a_lists_size_the_profiles_filter_is_a_search_keeping_the_choice(
    client, db, monkeypatch
):
    monkeypatch.setattr(picker, "LIST_LIMIT", 2)
    membership = MembershipFactory()
    chosen, *_ = [
        ProfileFactory(workspace=membership.workspace, title=title)
        for title in ("Acme Paris", "Bakery", "Cafe")
    ]
    client.force_login(membership.user)

    for page in (home(membership), f"{home(membership)}posts/"):
        html = client.get(f"{page}?profiles={chosen.pk}&profile_search=acm").content.decode()

        assert '<select name="profiles"' not in html
        assert 'name="profile_search" value="acm"' in html
        assert (
            f'<input type="checkbox" name="profiles" value="{chosen.pk}" checked> Acme Paris'
            in html
        )
        assert "Bakery" not in html.split('id="profile-matches"')[1].split("</fieldset>")[0]


def test_the_profile_search_finds_only_what_the_member_may_see_with_titles_escaped(client, db):
    member = MembershipFactory(role="client")
    mine = ProfileFactory(workspace=member.workspace, title="<b>Acme</b> Paris")
    ProfileFactory(workspace=member.workspace, title="Acme Lyon")  # not assigned to them
    ProfileFactory(title="Acme Elsewhere")  # another workspace
    member.profiles.add(mine)
    client.force_login(member.user)

    response = client.get(f"{home(member)}profile-matches/", {"profile_search": "ACME"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{mine.pk}"> &lt;b&gt;Acme&lt;/b&gt; Paris' in html
    assert "Lyon" not in html and "Elsewhere" not in html
    assert 'hx-swap-oob="innerHTML">1 profile match “ACME”.' in html


def test_the_profile_search_takes_any_query_string_without_failing(client, db):
    member = MembershipFactory()
    ProfileFactory(workspace=member.workspace, title="Acme")
    client.force_login(member.user)
    url = f"{home(member)}profile-matches/"

    for query in (
        {"profiles": ["abc", str(2**70), "-3"], "profile_search": "x" * 5000},
        {"profile_search": "\x00%_"},
        {"profiles": str(ProfileFactory().pk)},
    ):
        response = client.get(url, query)
        assert response.status_code == 200, query
        assert 'role="status"' in response.content.decode()


def test_past_the_listed_profiles_each_member_still_sees_only_their_posts(client, db, monkeypatch):
    # Beyond LISTED_PROFILES the pages filter posts by a subquery of profiles, not their ids;
    # past COUNT_CAP matching posts the posts page reads them the way it does at scale.
    monkeypatch.setattr(queries, "LISTED_PROFILES", 2)
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    owner = MembershipFactory()
    workspace = owner.workspace
    assigned = [ProfileFactory(workspace=workspace, title=f"Assigned {n}") for n in range(3)]
    unassigned = ProfileFactory(workspace=workspace, title="Unassigned")
    for n, profile in enumerate([*assigned, unassigned]):
        PlatformPostFactory(profile=profile, text=f"Post of {profile.title}", engagements=10 + n)
    PlatformPostFactory(profile=ProfileFactory(), text="Post of another workspace", engagements=99)
    client_member = MembershipFactory(workspace=workspace, role="client")
    client_member.profiles.add(*assigned)

    client.force_login(owner.user)
    page = client.get(home(owner)).content.decode()
    top = page.split('id="top-heading"')[1].split("</table>")[0]
    assert re.findall(r"Post of ([\w ]+)", top) == [
        "Unassigned",
        "Assigned 2",
        "Assigned 1",
        "Assigned 0",
    ]
    assert "another workspace" not in page

    client.force_login(client_member.user)
    for path in ("", "posts/", "posts/export.csv"):
        response = client.get(f"{home(owner)}{path}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        page = body.decode()
        assert "Post of Assigned 0" in page and "Post of Assigned 2" in page
        assert "Post of Unassigned" not in page and "another workspace" not in page
