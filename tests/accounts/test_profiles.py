"""Profiles: the list, add and edit with a write-only Profile-Key, archive, remove, import."""

import socket
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from accounts import connection
from accounts.models import Membership, Profile
from dashboard import sync
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.models import AccountMetrics, MetricSnapshot, PlatformPost, Post, SyncState
from tests.accounts.factories import MembershipFactory, ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import PlatformPostFactory, PostFactory

Role = Membership.Role
KEY = "PROFILE-KEY-SECRET-000-7777"


@pytest.fixture
def cast(db):
    """A workspace with one person per role, two profiles (the client sees only "Acme"), and an
    outsider who owns another workspace."""
    workspace = WorkspaceFactory()
    acme = ProfileFactory(workspace=workspace, title="Acme", profile_key=KEY, color="#112233")
    beta = ProfileFactory(workspace=workspace, title="Beta", platforms=["linkedin"])
    people = {role: MembershipFactory(workspace=workspace, role=role) for role in Role.values}
    people[Role.CLIENT].profiles.add(acme)
    outsider = MembershipFactory(role=Role.OWNER)
    return {
        "workspace": workspace,
        "acme": acme,
        "beta": beta,
        "people": people,
        "outsider": outsider,
    }


def url(workspace, rest=""):
    return f"/w/{workspace.slug}/profiles/{rest}"


def as_role(client, cast, role):
    client.force_login(cast["people"][role].user)
    return client


def page_text(response):
    return response.content.decode()


def profile_data(**changes):
    data = {"title": "Gamma", "platforms": ["facebook", "youtube"], "color": "#aabbcc"}
    data.update(changes)
    return data


# --- The list -----------------------------------------------------------------------------------


def test_everyone_sees_the_list_but_only_managers_see_edit_actions(client, cast):
    workspace, acme = cast["workspace"], cast["acme"]
    edit_link = url(workspace, f"{acme.pk}/")
    for role in Role.values:
        page = page_text(as_role(client, cast, role).get(url(workspace)))
        assert "Acme" in page, role
        assert (edit_link in page) == (role in (Role.OWNER, Role.MANAGER)), role
        assert ("Add a profile" in page) == (role in (Role.OWNER, Role.MANAGER)), role


def test_a_client_sees_only_assigned_profiles(client, cast):
    page = page_text(as_role(client, cast, Role.CLIENT).get(url(cast["workspace"])))
    assert "Acme" in page
    assert "Beta" not in page


def test_the_list_shows_colour_networks_badges_and_cached_counts(client, cast):
    acme = cast["acme"]
    acme.suspended = True
    acme.save()
    posts = [PostFactory(profile=acme) for _ in range(2)]
    for post in posts:
        PlatformPostFactory(profile=acme, post=post)
    PlatformPostFactory(profile=acme, platform="instagram")  # made outside Ayrshare

    page = page_text(as_role(client, cast, Role.ANALYST).get(url(cast["workspace"])))

    row = page.split("Acme")[0].rsplit("<tr>", 1)[1] + page.split("Acme")[1].split("</tr>")[0]
    assert 'fill="#112233"' in row
    assert "suspended" in row
    assert "platform-facebook" in row and "platform-twitter" in row
    assert '<td class="num" data-label="Posts">2</td>' in row
    assert '<td class="num" data-label="Network posts">3</td>' in row
    assert KEY not in page


def test_archived_profiles_are_hidden_until_asked_for(client, cast):
    beta = cast["beta"]
    beta.archived_at = timezone.now()
    beta.save()
    client = as_role(client, cast, Role.MANAGER)

    default = page_text(client.get(url(cast["workspace"])))
    shown = page_text(client.get(url(cast["workspace"]) + "?archived=1"))

    assert "Beta" not in default and "Show 1 archived profile" in default
    assert "Beta" in shown and "archived</span>" in shown and "Unarchive" in shown


# --- Who may change profiles ---------------------------------------------------------------------


def test_only_owners_and_managers_may_change_profiles(client, cast):
    workspace, acme = cast["workspace"], cast["acme"]
    pages = [
        ("get", url(workspace, "add/")),
        ("get", url(workspace, f"{acme.pk}/")),
        ("get", url(workspace, f"{acme.pk}/remove/")),
        ("get", url(workspace, "import/")),
        ("post", url(workspace, f"{acme.pk}/archive/")),
        ("post", url(workspace, f"{acme.pk}/remove/")),
    ]
    for role in (Role.ANALYST, Role.CLIENT):
        client = as_role(client, cast, role)
        for method, page in pages:
            assert getattr(client, method)(page).status_code == 403, (role, page)
    client.force_login(cast["outsider"].user)
    for method, page in pages:
        assert getattr(client, method)(page).status_code == 404, page
    assert Profile.objects.get(pk=acme.pk).archived_at is None


def test_another_workspaces_profile_is_a_404_even_for_an_owner(client, cast):
    stranger = ProfileFactory(title="Their brand")
    client = as_role(client, cast, Role.OWNER)
    workspace = cast["workspace"]
    for page in (f"{stranger.pk}/", f"{stranger.pk}/remove/"):
        response = client.get(url(workspace, page))
        assert response.status_code == 404 and b"Their brand" not in response.content
    assert client.post(url(workspace, f"{stranger.pk}/archive/")).status_code == 404
    assert client.post(url(workspace, f"{stranger.pk}/remove/")).status_code == 404
    assert Profile.objects.filter(pk=stranger.pk, archived_at__isnull=True).exists()


# --- Add and edit -------------------------------------------------------------------------------


def test_adding_a_profile_stores_its_key_encrypted_and_schedules_its_sync(client, cast):
    client = as_role(client, cast, Role.MANAGER)
    response = client.post(url(cast["workspace"], "add/"), profile_data(profile_key="NEW-KEY-9999"))

    gamma = Profile.objects.get(workspace=cast["workspace"], title="Gamma")
    assert response["Location"] == url(cast["workspace"])
    assert (gamma.profile_key, gamma.platforms, gamma.color) == (
        "NEW-KEY-9999",
        ["facebook", "youtube"],
        "#aabbcc",
    )
    units = set(SyncState.objects.filter(profile=gamma).values_list("unit", flat=True))
    assert units == set(sync.units_for(gamma))
    assert "NEW-KEY-9999" not in page_text(client.get(url(cast["workspace"])))


def test_the_edit_page_shows_only_a_mask_of_the_key(client, cast):
    acme = cast["acme"]
    page = page_text(as_role(client, cast, Role.OWNER).get(url(cast["workspace"], f"{acme.pk}/")))
    assert KEY not in page
    assert "••••7777" in page
    assert 'value="facebook" id="id_platforms_1" checked' in page


def test_a_blank_key_keeps_the_stored_one_and_a_new_one_replaces_it(client, cast):
    acme, workspace = cast["acme"], cast["workspace"]
    client = as_role(client, cast, Role.OWNER)

    client.post(url(workspace, f"{acme.pk}/"), profile_data(title="Acme Coffee"))
    acme.refresh_from_db()
    assert (acme.title, acme.profile_key) == ("Acme Coffee", KEY)

    response = client.post(
        url(workspace, f"{acme.pk}/"), profile_data(title="Acme Coffee", profile_key="K-2-4321")
    )
    acme.refresh_from_db()
    assert acme.profile_key == "K-2-4321"
    assert "K-2-4321" not in page_text(client.get(response["Location"]))


def test_remove_makes_it_the_primary_profile_unless_there_is_one(client, cast):
    acme, beta, workspace = cast["acme"], cast["beta"], cast["workspace"]
    client = as_role(client, cast, Role.OWNER)

    client.post(url(workspace, f"{acme.pk}/"), profile_data(title="Acme", remove_profile_key="on"))
    acme.refresh_from_db()
    assert acme.profile_key == ""

    response = client.post(
        url(workspace, f"{beta.pk}/"), profile_data(title="Beta", remove_profile_key="on")
    )
    beta.refresh_from_db()
    assert beta.profile_key != ""
    assert escape("“Acme” is already the primary profile") in page_text(response)


@pytest.mark.parametrize(
    ("color", "message"),
    [
        ("red", "Use a colour like #4f46e5"),
        ("#12345", "Use a colour like #4f46e5"),
        ("#GGGGGG", "Use a colour like #4f46e5"),
        ("112233", "Use a colour like #4f46e5"),
        ("#1234567", "Ensure this value has at most 7 characters"),
        ("", "This field is required."),
    ],
)
def test_a_colour_must_be_hash_and_six_hex_digits(client, cast, color, message):
    client = as_role(client, cast, Role.MANAGER)
    response = client.post(url(cast["workspace"], "add/"), profile_data(color=color))
    assert response.status_code == 200
    assert message in page_text(response)
    assert not Profile.objects.filter(title="Gamma").exists()


def test_a_colour_is_stored_in_lower_case(client, cast):
    client = as_role(client, cast, Role.MANAGER)
    client.post(url(cast["workspace"], "add/"), profile_data(color="#ABCDEF", profile_key="K-1"))
    assert Profile.objects.get(title="Gamma").color == "#abcdef"


def test_titles_are_unique_within_the_workspace(client, cast):
    client = as_role(client, cast, Role.MANAGER)
    response = client.post(url(cast["workspace"], "add/"), profile_data(title="acme"))
    assert "Another profile of this workspace has this title." in page_text(response)
    assert Profile.objects.filter(workspace=cast["workspace"]).count() == 2


def test_unknown_platforms_are_refused_and_a_title_is_required(client, cast):
    client = as_role(client, cast, Role.MANAGER)
    response = client.post(
        url(cast["workspace"], "add/"), profile_data(title="", platforms="myspace")
    )
    page = page_text(response)
    assert "Select a valid choice. myspace is not one of the available choices." in page
    assert "This field is required." in page


# --- Archive ------------------------------------------------------------------------------------


def test_archive_stops_the_sync_and_unarchive_resumes_it(client, cast):
    acme, workspace = cast["acme"], cast["workspace"]
    sync.ensure_units([acme])
    client = as_role(client, cast, Role.MANAGER)

    response = client.post(url(workspace, f"{acme.pk}/archive/"), follow=True)
    acme.refresh_from_db()
    assert acme.archived_at is not None
    assert not sync.due_states().filter(profile=acme).exists()
    assert "archived: it is no longer synced" in page_text(response)

    client.post(url(workspace, f"{acme.pk}/archive/"))
    acme.refresh_from_db()
    assert acme.archived_at is None
    assert sync.due_states().filter(profile=acme).exists()


def test_archive_is_post_only(client, cast):
    client = as_role(client, cast, Role.OWNER)
    response = client.get(url(cast["workspace"], f"{cast['acme'].pk}/archive/"))
    assert response.status_code == 405


# --- Remove -------------------------------------------------------------------------------------


@pytest.fixture
def cached_acme(cast):
    """Acme with 2 posts, 3 network posts, 4 snapshots and account metrics on 2 days."""
    acme = cast["acme"]
    post_a, post_b = PostFactory(profile=acme), PostFactory(profile=acme)
    network = [
        PlatformPostFactory(profile=acme, post=post_a),
        PlatformPostFactory(profile=acme, post=post_b),
        PlatformPostFactory(profile=acme, platform="instagram"),
    ]
    now = timezone.now()
    for i in range(4):
        MetricSnapshot.objects.create(
            platform_post=network[i % 2], captured_at=now - timedelta(hours=i), likes=i
        )
    for platform in ("facebook", "instagram"):
        for day in (date(2026, 1, 1), date(2026, 1, 2)):
            AccountMetrics.objects.create(profile=acme, platform=platform, date=day, followers=9)
    PlatformPostFactory(profile=cast["beta"])  # someone else's data stays
    return acme


def test_removing_asks_first_and_says_how_much_cached_data_goes(client, cast, cached_acme):
    client = as_role(client, cast, Role.OWNER)
    page = page_text(client.get(url(cast["workspace"], f"{cached_acme.pk}/remove/")))

    assert "<strong>2</strong> posts" in page
    assert "<strong>3</strong> network posts" in page
    assert "<strong>4</strong> metric snapshots" in page
    assert "<strong>2</strong> days of account metrics" in page
    assert Profile.objects.filter(pk=cached_acme.pk).exists()


def test_confirming_removes_the_profile_and_its_cached_data(client, cast, cached_acme):
    client = as_role(client, cast, Role.MANAGER)
    response = client.post(url(cast["workspace"], f"{cached_acme.pk}/remove/"), follow=True)

    assert not Profile.objects.filter(pk=cached_acme.pk).exists()
    assert not Post.objects.filter(profile_id=cached_acme.pk).exists()
    assert not MetricSnapshot.objects.exists()
    assert not AccountMetrics.objects.exists()
    assert PlatformPost.objects.filter(profile=cast["beta"]).count() == 1
    assert escape("Profile “Acme” and its cached data were removed.") in page_text(response)


# --- Import from GET /profiles ------------------------------------------------------------------


@pytest.fixture(scope="module")
def sandbox():
    # Profile 2 is suspended: GET /profiles says so and its key answers 403.
    with start_sandbox(profiles=3, posts=20, seed=1, suspended=(2,)) as running:
        yield running


@pytest.fixture
def importing(sandbox, settings, cast, monkeypatch):
    """The cast's workspace on the sandbox's account, already holding profile 0."""
    settings.AYRSHARE_API_URL = sandbox.url
    sandbox.configure(burst_429=0)
    # Two profiles a page, so three profiles take two pages and one cursor.
    monkeypatch.setattr(connection, "IMPORT_PAGE_SIZE", 2)
    keys = sandbox.keys()
    workspace = cast["workspace"]
    workspace.api_key = keys["apiKey"]
    workspace.save()
    first = keys["profiles"][0]
    ProfileFactory(workspace=workspace, title="Already here", ref_id=first["refId"])
    return {"sandbox": sandbox, "keys": keys, "profiles": keys["profiles"], **cast}


def import_url(importing):
    return url(importing["workspace"], "import/")


# What the "Load the list from Ayrshare" button posts.
LOAD = {"load": "1"}


def test_opening_the_import_page_does_not_call_the_api(client, importing):
    sandbox = importing["sandbox"]
    before = sandbox.calls.next_index
    client = as_role(client, importing, Role.MANAGER)
    page = page_text(client.get(import_url(importing)))
    assert "Load the list from Ayrshare" in page
    assert 'method="post"' in page and 'name="load"' in page
    # Not even the old "load" link: only a POST spends the API's budget.
    assert "Load the list from Ayrshare" in page_text(client.get(import_url(importing) + "?load=1"))
    assert sandbox.calls.next_index == before


def test_the_list_follows_the_cursor_and_marks_profiles_already_here(client, importing):
    sandbox = importing["sandbox"]
    before = sandbox.calls.next_index
    client = as_role(client, importing, Role.MANAGER)

    page = page_text(client.post(import_url(importing), LOAD))

    calls = [c for c in sandbox.calls.since(before) if c["path"].endswith("/profiles")]
    assert len(calls) == 2
    assert "cursor" not in calls[0]["query"] and calls[1]["query"]["cursor"]
    first, second, third = importing["profiles"]
    for entry in importing["profiles"]:
        assert escape(entry["title"]) in page
        assert entry["refId"] in page
    assert page.count("already here") == 1
    assert f'name="pick_{first["refId"]}"' not in page
    assert f'name="pick_{second["refId"]}"' in page and f'name="key_{third["refId"]}"' in page
    assert "suspended</span>" in page


def test_importing_creates_the_chosen_profiles_with_their_keys(client, importing):
    _, second, third = importing["profiles"]
    client = as_role(client, importing, Role.OWNER)

    response = client.post(
        import_url(importing),
        {
            f"pick_{second['refId']}": "on",
            f"key_{second['refId']}": second["profileKey"],
            f"pick_{third['refId']}": "on",
            f"key_{third['refId']}": third["profileKey"],
        },
        follow=True,
    )

    created = Profile.objects.get(ref_id=second["refId"])
    suspended = Profile.objects.get(ref_id=third["refId"])
    assert (created.title, created.profile_key, created.platforms, created.suspended) == (
        second["title"],
        second["profileKey"],
        second["platforms"],
        False,
    )
    assert suspended.suspended is True and suspended.profile_key == third["profileKey"]
    assert SyncState.objects.filter(profile=created).exists()
    assert "Imported 2 profile(s)" in page_text(response)
    assert second["profileKey"] not in page_text(response)


def test_a_missing_or_wrong_key_imports_nothing_and_says_which(client, importing):
    first, second, third = importing["profiles"]
    client = as_role(client, importing, Role.MANAGER)

    missing = client.post(import_url(importing), {f"pick_{second['refId']}": "on"})
    wrong = client.post(
        import_url(importing),
        {f"pick_{second['refId']}": "on", f"key_{second['refId']}": first["profileKey"]},
    )
    unknown = client.post(
        import_url(importing),
        {f"pick_{second['refId']}": "on", f"key_{second['refId']}": "NO-SUCH-KEY-1"},
    )
    nothing = client.post(import_url(importing), {})

    assert "Type this profile&#x27;s Profile-Key to import it." in page_text(missing)
    assert "This Profile-Key belongs to another profile." in page_text(wrong)
    assert first["profileKey"] not in page_text(wrong)
    assert "Ayrshare does not accept this Profile-Key." in page_text(unknown)
    assert "Tick at least one profile to import." in page_text(nothing)
    assert Profile.objects.filter(workspace=importing["workspace"]).count() == 3


def test_import_says_plainly_when_the_api_key_is_bad(client, importing):
    importing["workspace"].api_key = "WRONG-API-KEY-123"
    importing["workspace"].save()
    page = page_text(as_role(client, importing, Role.MANAGER).post(import_url(importing), LOAD))
    assert "Ayrshare rejected the workspace&#x27;s API key" in page
    assert "WRONG-API-KEY-123" not in page


def test_import_says_plainly_when_rate_limited_or_unreachable(client, importing, settings):
    client = as_role(client, importing, Role.MANAGER)
    importing["sandbox"].configure(burst_429=1, burst_retry_after=45)
    limited = page_text(client.post(import_url(importing), LOAD))
    assert "Rate limited" in limited and "Try again in 45 seconds" in limited

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.AYRSHARE_API_URL = f"http://127.0.0.1:{port}/api"
    unreachable = page_text(client.post(import_url(importing), LOAD))
    assert "Ayrshare is unreachable" in unreachable


def test_import_without_an_api_key_sends_you_to_the_settings(client, importing):
    importing["workspace"].api_key = ""
    importing["workspace"].save()
    response = as_role(client, importing, Role.OWNER).post(import_url(importing), LOAD)
    assert response["Location"] == f"/w/{importing['workspace'].slug}/settings/"
