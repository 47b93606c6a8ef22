"""The "user" unit: GET /user keeps the profile's networks, their accounts and warnings current."""

import copy
import json
from pathlib import Path

import pytest
import responses

from dashboard import sync
from dashboard.models import LinkedAccount, PlatformPost, SyncState
from tests.accounts.factories import ProfileFactory
from tests.dashboard.factories import PlatformPostFactory

pytestmark = pytest.mark.django_db

API = "https://api.test.example/api"
USER = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures/ayrshare/current/user.json").read_text()
)


@pytest.fixture
def profile(settings, tmp_path):
    settings.AYRSHARE_API_URL = API
    settings.REDIS_URL = ""
    settings.DATA_DIR = tmp_path
    profile = ProfileFactory(platforms=["facebook", "instagram"])
    sync.ensure_units([profile])
    return profile


def answer(networks):
    body = copy.deepcopy(USER)
    body["activeSocialAccounts"] = networks
    body["displayNames"] = [d for d in body["displayNames"] if d["platform"] in networks]
    return body


def run_user_unit(profile, body):
    with responses.RequestsMock() as api:
        api.get(f"{API}/user", json=body)
        assert sync.run_unit(SyncState.objects.get(profile=profile, unit="user").pk, force=True)
        assert len(api.calls) == 1


def units(profile):
    return set(SyncState.objects.filter(profile=profile).values_list("unit", flat=True))


def test_networks_linked_since_get_their_units_and_their_accounts_are_kept(profile):
    assert "user" in units(profile)

    run_user_unit(profile, answer(["facebook", "instagram", "linkedin", "threads", "telegram"]))

    profile.refresh_from_db()
    # Telegram is kept as an account, but the dashboard has nothing to sync for it.
    assert profile.platforms == ["facebook", "instagram", "linkedin", "threads"]
    assert {"platform:linkedin", "social"} <= units(profile)
    linkedin = LinkedAccount.objects.get(profile=profile, platform="linkedin")
    assert (linkedin.display_name, linkedin.refresh_days_remaining) == ("Acme Brand", 12)
    assert LinkedAccount.objects.filter(profile=profile, platform="telegram").exists()


def test_a_network_unlinked_stops_being_called_and_keeps_its_history(profile):
    run_user_unit(profile, answer(["facebook", "instagram"]))
    post = PlatformPostFactory(profile=profile, platform="instagram", likes=40)

    run_user_unit(profile, answer(["facebook"]))

    profile.refresh_from_db()
    assert profile.platforms == ["facebook"]
    assert "platform:instagram" not in units(profile)
    instagram = LinkedAccount.objects.get(profile=profile, platform="instagram")
    assert instagram.unlinked_at is not None
    assert PlatformPost.objects.get(pk=post.pk).likes == 40

    # Linked again: it syncs again, and is no longer "unlinked".
    run_user_unit(profile, answer(["facebook", "instagram"]))
    assert "platform:instagram" in units(profile)
    assert LinkedAccount.objects.get(profile=profile, platform="instagram").unlinked_at is None


def test_an_answer_without_the_network_list_changes_no_network(profile):
    run_user_unit(profile, answer(["facebook", "instagram"]))
    body = answer(["facebook", "instagram"])
    del body["activeSocialAccounts"]
    del body["displayNames"]
    run_user_unit(profile, body)
    profile.refresh_from_db()
    assert profile.platforms == ["facebook", "instagram"]
    assert not LinkedAccount.objects.filter(profile=profile, unlinked_at__isnull=False).exists()
