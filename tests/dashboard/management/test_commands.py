"""The operator commands `sync` and `connect`, against the sandbox over real HTTP."""

import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Profile, Workspace
from dashboard import sync
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.management.commands import connect as connect_command
from dashboard.models import Post, SyncState
from tests.accounts.factories import WorkspaceFactory
from tests.dashboard.factories import sandbox_profiles

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick_sync(settings, tmp_path):
    # The request budget lives in a file of this test's own (no Redis shared between tests).
    settings.REDIS_URL = ""
    settings.DATA_DIR = tmp_path
    settings.SYNC_POST_ANALYTICS_BATCH = 5


@pytest.fixture
def sandbox(settings):
    # Frozen a little ahead of our clock: no nextUpdate it promises passes during a test.
    start = time.time() + 5
    with start_sandbox(profiles=2, posts=40, seed=3, speed=0, start=start) as running:
        settings.AYRSHARE_API_URL = running.url
        yield running


@pytest.fixture
def profiles(sandbox):
    keys = sandbox.keys()
    return sandbox_profiles(WorkspaceFactory(api_key=keys["apiKey"]), keys)


@pytest.fixture
def ayrshare_env(monkeypatch, sandbox):
    monkeypatch.setenv("AYRSHARE_API_KEY", sandbox.api_key)
    monkeypatch.setenv("AYRSHARE_PROFILE_KEY", sandbox.profile_keys[1])


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- sync ----------------------------------------------------------------------------------------


def test_sync_once_runs_each_unit_of_one_profile_and_prints_a_line_per_unit(sandbox, profiles):
    chosen, other = profiles

    output = run("sync", "--once", "--profile", str(chosen.pk))

    lines = output.splitlines()
    units = sync.units_for(chosen)
    assert len(lines) == len(units)
    assert lines[0].split() == [*chosen.title.split(), "history", "ok"]
    assert sorted(line.split()[-2] for line in lines) == sorted(units)
    assert all(line.startswith(chosen.title) and line.endswith(" ok") for line in lines)
    assert Post.objects.filter(profile=chosen).count() == 40
    # The other profile was left alone: no rows, no calls.
    assert not Post.objects.filter(profile=other).exists()
    assert {call["profile"] for call in sandbox.calls.since(0)} == {0}


def test_sync_once_says_so_when_nothing_is_due(sandbox, profiles):
    chosen = profiles[0]
    run("sync", "--once", "--profile", str(chosen.pk))
    mark = sandbox.calls.next_index

    assert run("sync", "--once", "--profile", str(chosen.pk)) == "Nothing is due.\n"
    assert sandbox.calls.since(mark) == []


def test_sync_force_runs_units_that_are_not_due(sandbox, profiles):
    chosen = profiles[0]
    run("sync", "--once", "--profile", str(chosen.pk))
    # Ayrshare's clock passes every nextUpdate it gave (the playlists' can be more than a day
    # away, depending on the hour), while ours says nothing is due yet.
    latest = max(SyncState.objects.filter(profile=chosen).values_list("next_update", flat=True))
    sandbox.clock.advance((latest - timezone.now()).total_seconds() + 60)

    output = run("sync", "--once", "--force", "--profile", str(chosen.pk))

    assert len(output.splitlines()) == len(sync.units_for(chosen))
    assert not any(call["early"] for call in sandbox.calls.since(0))


@pytest.mark.usefixtures("sandbox")
def test_sync_names_a_profile_it_does_not_know(profiles):
    profiles[1].archived_at = timezone.now()
    profiles[1].save()

    with pytest.raises(CommandError, match="No active profile with id 999999"):
        run("sync", "--once", "--profile", "999999")
    with pytest.raises(CommandError, match=f"No active profile with id {profiles[1].pk}"):
        run("sync", "--once", "--profile", str(profiles[1].pk))
    assert not SyncState.objects.exists()


# --- connect -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("ayrshare_env")
def test_connect_creates_the_workspace_and_the_profile_ayrshare_reports(sandbox):
    output = run("connect", "--workspace", "Acme Agency")

    workspace = Workspace.objects.get()
    assert (workspace.name, workspace.slug) == ("Acme Agency", "acme-agency")
    reported = sandbox.keys()["profiles"][1]
    profile = Profile.objects.get(workspace=workspace)
    assert profile.title == reported["title"]
    assert profile.ref_id == reported["refId"]
    assert profile.platforms == reported["platforms"]
    assert profile.profile_key == sandbox.profile_keys[1]
    assert set(SyncState.objects.filter(profile=profile).values_list("unit", flat=True)) == set(
        sync.units_for(profile)
    )
    assert "Created workspace 'Acme Agency'" in output
    assert f"id {profile.pk}" in output and ", ".join(reported["platforms"]) in output
    assert sandbox.api_key not in output and sandbox.profile_keys[1] not in output


@pytest.mark.usefixtures("ayrshare_env")
def test_connect_stores_the_keys_encrypted(sandbox):
    run("connect", "--workspace", "Acme Agency")

    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM accounts_workspace")
        (stored_api_key,) = cursor.fetchone()
        cursor.execute("SELECT profile_key FROM accounts_profile")
        (stored_profile_key,) = cursor.fetchone()
    assert stored_api_key and sandbox.api_key not in stored_api_key
    assert stored_profile_key and sandbox.profile_keys[1] not in stored_profile_key
    assert Workspace.objects.get().api_key == sandbox.api_key


@pytest.mark.usefixtures("ayrshare_env")
def test_connect_uses_the_platforms_given_and_updates_on_a_second_run(sandbox):
    run("connect", "--workspace", "Acme Agency")

    output = run("connect", "--workspace", "Acme Agency", "--platforms", "facebook", "instagram")

    assert "Updated workspace 'Acme Agency'" in output
    profile = Profile.objects.get()
    assert profile.platforms == ["facebook", "instagram"]
    assert profile.title == sandbox.keys()["profiles"][1]["title"]
    assert {"platform:facebook", "platform:instagram"} <= set(
        SyncState.objects.filter(profile=profile).values_list("unit", flat=True)
    )


@pytest.mark.usefixtures("ayrshare_env")
def test_connect_takes_networks_separated_by_commas_or_spaces(sandbox):
    run("connect", "--workspace", "Acme Agency", "--platforms", "facebook,Instagram", "tiktok")

    assert Profile.objects.get().platforms == ["facebook", "instagram", "tiktok"]


@pytest.mark.usefixtures("ayrshare_env")
def test_connect_refuses_an_unknown_network_and_lists_the_known_ones(sandbox):
    with pytest.raises(CommandError, match=r"Unknown network facebok; known networks: .*facebook"):
        run("connect", "--workspace", "Acme Agency", "--platforms", "facebok,instagram")
    assert not Workspace.objects.exists()


@pytest.mark.usefixtures("sandbox")
def test_connect_without_a_key_or_a_terminal_says_what_to_do(monkeypatch):
    monkeypatch.delenv("AYRSHARE_API_KEY", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("not read\n"))

    with pytest.raises(CommandError, match="set AYRSHARE_API_KEY"):
        run("connect", "--workspace", "Acme Agency")
    assert not Workspace.objects.exists()


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_connect_asks_for_the_key_in_a_terminal(monkeypatch, sandbox):
    monkeypatch.delenv("AYRSHARE_API_KEY", raising=False)
    monkeypatch.delenv("AYRSHARE_PROFILE_KEY", raising=False)
    monkeypatch.setattr("sys.stdin", Terminal())
    prompts = []
    monkeypatch.setattr(
        connect_command, "getpass", lambda label: prompts.append(label) or f" {sandbox.api_key}\n"
    )

    output = run("connect", "--workspace", "Acme Agency")

    assert prompts == ["Ayrshare API key: "]
    assert Workspace.objects.get().api_key == sandbox.api_key
    assert sandbox.api_key not in output


def test_connect_reports_a_rejected_key_without_printing_it(monkeypatch, sandbox):
    monkeypatch.setenv("AYRSHARE_API_KEY", "WRONG-KEY-1234-5678")
    monkeypatch.setenv("AYRSHARE_PROFILE_KEY", sandbox.profile_keys[1])

    with pytest.raises(CommandError, match="Could not read the profile from Ayrshare") as error:
        run("connect", "--workspace", "Acme Agency")
    assert "WRONG-KEY-1234-5678" not in str(error.value)
    assert sandbox.profile_keys[1] not in str(error.value)
    assert not Profile.objects.exists()
