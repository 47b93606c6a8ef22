"""Workspaces: creating one, its settings with write-only keys, and "Test connection"."""

import logging
import socket

import pytest
from django.utils.html import escape

from accounts.models import Membership, Workspace
from dashboard.ayrshare.sandbox import start_sandbox
from tests.accounts.factories import MembershipFactory, ProfileFactory, WorkspaceFactory

Role = Membership.Role
API_KEY = "WS-API-KEY-0123456789-abcd"
X_KEY = "X-APP-KEY-0123456789-wxyz"
X_SECRET = "X-APP-SECRET-0123456789-qrst"


@pytest.fixture(scope="module")
def sandbox():
    # Profile 2 is suspended: its Profile-Key answers 403 with Ayrshare's "suspended" code.
    with start_sandbox(profiles=3, posts=20, seed=1, suspended=(2,)) as running:
        yield running


@pytest.fixture
def api(sandbox, settings):
    settings.AYRSHARE_API_URL = sandbox.url
    sandbox.configure(burst_429=0)
    return sandbox


@pytest.fixture
def cast(db):
    """One person per role in a workspace with keys, and an outsider from another workspace."""
    workspace = WorkspaceFactory(
        name="Acme Agency", api_key=API_KEY, x_api_key=X_KEY, x_api_secret=X_SECRET
    )
    people = {role: MembershipFactory(workspace=workspace, role=role) for role in Role.values}
    outsider = MembershipFactory(role=Role.OWNER)
    return {"workspace": workspace, "people": people, "outsider": outsider}


def settings_url(workspace):
    return f"/w/{workspace.slug}/settings/"


def connection_url(workspace, profile=None):
    url = f"/w/{workspace.slug}/settings/test/"
    return f"{url}?profile={profile.pk}" if profile else url


def as_user(client, membership):
    client.force_login(membership.user)
    return client


def page_text(response):
    return response.content.decode()


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Creating a workspace -----------------------------------------------------------------------


def test_creating_a_workspace_makes_the_creator_its_owner(client, django_user_model):
    user = django_user_model.objects.create_user("founder", password="x")
    client.force_login(user)

    response = client.post("/workspaces/new/", {"name": "Acme Agency"})
    again = client.post("/workspaces/new/", {"name": "Acme Agency"})

    first, second = Workspace.objects.order_by("pk")
    assert (first.slug, second.slug) == ("acme-agency", "acme-agency-2")
    assert response["Location"] == "/w/acme-agency/settings/"
    assert again["Location"] == "/w/acme-agency-2/settings/"
    roles = Membership.objects.filter(user=user).values_list("workspace__slug", "role")
    assert sorted(roles) == [("acme-agency", "owner"), ("acme-agency-2", "owner")]
    assert client.get("/w/acme-agency/settings/").status_code == 200


def test_a_workspace_needs_a_name_and_a_login(client, django_user_model, db):
    assert client.get("/workspaces/new/")["Location"].startswith("/accounts/login/")
    client.force_login(django_user_model.objects.create_user("founder", password="x"))
    response = client.post("/workspaces/new/", {"name": ""})
    assert response.status_code == 200
    assert "This field is required." in page_text(response)
    assert not Workspace.objects.exists()


# --- Who may open the settings ------------------------------------------------------------------


def test_only_owners_and_managers_reach_the_settings(client, cast):
    workspace = cast["workspace"]
    expected = {Role.OWNER: 200, Role.MANAGER: 200, Role.ANALYST: 403, Role.CLIENT: 403}
    for role, status in expected.items():
        client = as_user(client, cast["people"][role])
        assert client.get(settings_url(workspace)).status_code == status, role
        if status == 403:
            assert client.post(settings_url(workspace), {"name": "Taken"}).status_code == 403
            assert client.post(connection_url(workspace)).status_code == 403
    outsider = as_user(client, cast["outsider"])
    assert outsider.get(settings_url(workspace)).status_code == 404
    assert outsider.post(connection_url(workspace)).status_code == 404
    assert Workspace.objects.get(pk=workspace.pk).name == "Acme Agency"


# --- Write-only keys ----------------------------------------------------------------------------


def test_stored_keys_show_only_as_masks(client, cast):
    response = as_user(client, cast["people"][Role.MANAGER]).get(settings_url(cast["workspace"]))

    page = page_text(response)
    for key in (API_KEY, X_KEY, X_SECRET):
        assert key not in page
        assert "••••" + key[-4:] in page
    assert 'type="password"' in page and "value=" not in page.split('name="api_key"')[1][:80]


def test_an_unset_key_says_not_set(client, cast):
    workspace = cast["workspace"]
    workspace.x_api_key = workspace.x_api_secret = ""
    workspace.save()
    page = page_text(as_user(client, cast["people"][Role.OWNER]).get(settings_url(workspace)))
    assert page.count("not set") == 2
    assert "••••" + API_KEY[-4:] in page


def test_blank_fields_keep_the_stored_keys(client, cast):
    workspace = cast["workspace"]
    client = as_user(client, cast["people"][Role.OWNER])

    response = client.post(settings_url(workspace), {"name": "Acme & Co"}, follow=True)

    workspace.refresh_from_db()
    assert workspace.name == "Acme & Co"
    assert (workspace.api_key, workspace.x_api_key, workspace.x_api_secret) == (
        API_KEY,
        X_KEY,
        X_SECRET,
    )
    assert "Workspace settings saved." in page_text(response)
    assert API_KEY not in page_text(response)


def test_a_typed_key_replaces_the_stored_one_and_is_not_shown(client, cast):
    workspace = cast["workspace"]
    client = as_user(client, cast["people"][Role.MANAGER])
    new_key = "BRAND-NEW-API-KEY-555-9876"

    response = client.post(
        settings_url(workspace), {"name": workspace.name, "api_key": new_key}, follow=True
    )

    workspace.refresh_from_db()
    assert workspace.api_key == new_key
    assert new_key not in page_text(response)
    assert "••••9876" in page_text(response)


def test_remove_clears_a_stored_key(client, cast):
    workspace = cast["workspace"]
    client = as_user(client, cast["people"][Role.OWNER])

    client.post(
        settings_url(workspace),
        {"name": workspace.name, "remove_x_api_key": "on", "remove_x_api_secret": "on"},
    )

    workspace.refresh_from_db()
    assert (workspace.api_key, workspace.x_api_key, workspace.x_api_secret) == (API_KEY, "", "")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"api_key": "NEW-KEY-1234567", "remove_api_key": "on"}, "not both"),
        ({"remove_x_api_secret": "on"}, "set both, or remove both"),
        ({"api_key": "has a space in it"}, "no spaces"),
    ],
)
def test_contradictory_key_changes_are_refused_with_a_reason(client, cast, data, message):
    workspace = cast["workspace"]
    client = as_user(client, cast["people"][Role.OWNER])

    response = client.post(settings_url(workspace), {"name": "Renamed", **data})

    page = page_text(response)
    assert response.status_code == 400  # bad input: a 400 with the reason
    assert message in page
    # Neither the stored keys nor what was just typed come back in the page.
    for key in (API_KEY, X_KEY, X_SECRET, data.get("api_key", API_KEY)):
        assert key not in page
    workspace.refresh_from_db()
    assert (workspace.name, workspace.api_key, workspace.x_api_secret) == (
        "Acme Agency",
        API_KEY,
        X_SECRET,
    )


# --- Test connection ----------------------------------------------------------------------------


@pytest.fixture
def connected(api, cast):
    """The cast's workspace holding the sandbox's API key, and profile 0 with its real key."""
    keys = api.keys()
    workspace = cast["workspace"]
    workspace.api_key = keys["apiKey"]
    workspace.x_api_key = workspace.x_api_secret = ""
    workspace.save()
    entry = keys["profiles"][0]
    profile = ProfileFactory(
        workspace=workspace,
        title=entry["title"],
        ref_id=entry["refId"],
        profile_key=entry["profileKey"],
    )
    return {**cast, "keys": keys, "profile": profile}


def press_test(client, connected, profile=None, htmx=False):
    client = as_user(client, connected["people"][Role.MANAGER])
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(connection_url(connected["workspace"], profile), follow=not htmx, **headers)


def test_a_good_api_key_reports_the_primary_profile(client, connected, caplog):
    with caplog.at_level(logging.DEBUG):
        response = press_test(client, connected)

    page = page_text(response)
    primary = connected["keys"]["primary"]
    assert response.redirect_chain[-1][0] == settings_url(connected["workspace"])
    assert f"Connected to the primary profile: Ayrshare calls it “{primary['title']}”" in page
    assert f"Ayrshare reference {primary['refId']}" in page
    assert connected["keys"]["apiKey"] not in page
    assert connected["keys"]["apiKey"] not in caplog.text


def test_a_good_profile_key_reports_its_networks_as_an_htmx_fragment(client, connected):
    profile = connected["profile"]
    response = press_test(client, connected, profile, htmx=True)

    page = page_text(response)
    networks = ", ".join(connected["keys"]["profiles"][0]["platforms"])
    assert response.status_code == 200
    assert "<html" not in page  # only the result fragment
    assert escape(f"Connected to profile “{profile.title}”") in page
    assert f"linked networks: {networks}" in page
    assert profile.profile_key not in page


def test_a_profile_test_without_htmx_returns_to_the_profile(client, connected):
    profile = connected["profile"]
    response = press_test(client, connected, profile)
    assert response.redirect_chain[-1][0] == f"/w/{profile.workspace.slug}/profiles/{profile.pk}/"
    assert escape(f"Connected to profile “{profile.title}”") in page_text(response)


def test_a_bad_api_key_is_named_as_such(client, connected):
    connected["workspace"].api_key = "NOT-THE-SANDBOX-KEY-0000"
    connected["workspace"].save()
    page = page_text(press_test(client, connected, htmx=True))
    assert "Ayrshare rejected the API key" in page
    assert "NOT-THE-SANDBOX-KEY-0000" not in page


def test_a_bad_profile_key_says_there_is_no_such_profile(client, connected):
    profile = connected["profile"]
    profile.profile_key = "UNKNOWN-PROFILE-KEY-42"
    profile.save()
    page = page_text(press_test(client, connected, profile, htmx=True))
    expected = f"No such profile: Ayrshare does not accept the Profile-Key of “{profile.title}”"
    assert escape(expected) in page
    assert "UNKNOWN-PROFILE-KEY-42" not in page


def test_a_suspended_profile_is_named_as_such(client, connected):
    profile = connected["profile"]
    profile.profile_key = connected["keys"]["profiles"][2]["profileKey"]
    profile.save()
    page = page_text(press_test(client, connected, profile, htmx=True))
    assert escape(f"Ayrshare has suspended the profile “{profile.title}”") in page


def test_rate_limiting_says_when_to_try_again(client, connected, api):
    api.configure(burst_429=1, burst_retry_after=30)
    page = page_text(press_test(client, connected, htmx=True))
    assert "Rate limited" in page
    assert "Try again in 30 seconds" in page


def test_an_unreachable_api_is_named_as_such(client, connected, settings):
    settings.AYRSHARE_API_URL = f"http://127.0.0.1:{closed_port()}/api"
    page = page_text(press_test(client, connected, htmx=True))
    assert "Ayrshare is unreachable" in page
    assert "Could not reach Ayrshare" in page


def test_without_an_api_key_the_test_says_so(client, connected):
    connected["workspace"].api_key = ""
    connected["workspace"].save()
    page = page_text(press_test(client, connected))
    assert "No Ayrshare API key is set for this workspace yet." in page


def test_the_test_only_runs_on_post_and_only_for_this_workspaces_profiles(client, connected):
    client = as_user(client, connected["people"][Role.OWNER])
    assert client.get(connection_url(connected["workspace"])).status_code == 405
    stranger = ProfileFactory()  # another workspace's profile
    assert client.post(connection_url(connected["workspace"], stranger)).status_code == 404
    bad_id = connection_url(connected["workspace"]) + "?profile=abc"
    assert client.post(bad_id).status_code == 400
