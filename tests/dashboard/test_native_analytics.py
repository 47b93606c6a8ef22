"""Posts made directly on the networks get their analytics by social id, on the decaying schedule;
a plan without that call is said once and asked again a week later, not every minute."""

import time
from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from dashboard import sync
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.models import PlatformPost, SyncState
from tests.accounts.factories import ProfileFactory
from tests.dashboard.factories import PlatformPostFactory
from tests.dashboard.test_sync import calls, connect, sync_profile

pytestmark = pytest.mark.django_db

API = "https://api.test.example/api"


@pytest.fixture
def sandbox(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.DATA_DIR = tmp_path
    settings.SYNC_POST_ANALYTICS_BATCH = 500
    with start_sandbox(profiles=1, posts=30, seed=3, speed=0, start=time.time() + 5) as running:
        settings.AYRSHARE_API_URL = running.url
        yield running


def test_native_posts_get_analytics_by_social_id_and_are_not_asked_again_early(sandbox):
    (profile,) = connect(sandbox, 0)
    assert set(sync_profile(profile).values()) == {"ok"}
    # The network units found the native posts; the next run of this one asks about them.
    state = SyncState.objects.get(profile=profile, unit="native_analytics")
    start = sandbox.calls.next_index
    assert sync.run_unit(state.pk, force=True) == "ok"

    native = PlatformPost.objects.filter(profile=profile, post__isnull=True, status="success")
    asked = native.filter(platform__in=sync.SEARCH_ID_PLATFORMS)
    assert asked.exists()
    assert not asked.filter(analytics_raw={}).exists()  # each one was asked about
    assert not asked.filter(analytics_due_at__isnull=True).exists()
    by_id = [c for c in calls(sandbox, start, path="/api/analytics/post") if c.get("body")]
    searched = [c for c in by_id if c["body"].get("searchPlatformId")]
    assert len(searched) == asked.count()

    # Run again at once: nothing is due, so nothing is asked.
    before = sandbox.calls.next_index
    assert sync.run_unit(state.pk, force=True) == "ok"
    assert sandbox.calls.next_index == before


@pytest.fixture
def native_profile(settings, tmp_path):
    settings.AYRSHARE_API_URL = API
    settings.REDIS_URL = ""
    settings.DATA_DIR = tmp_path
    profile = ProfileFactory(platforms=["instagram"])
    sync.ensure_units([profile])
    PlatformPostFactory(profile=profile, platform="instagram", social_id="17900", post=None)
    return profile


def test_a_plan_without_it_is_said_once_and_asked_again_a_week_later(native_profile):
    state = SyncState.objects.get(profile=native_profile, unit="native_analytics")
    refusal = {
        "action": "analytics",
        "status": "error",
        "code": 169,
        "message": "Analytics by social id is not available on your plan. Please upgrade.",
    }
    with responses.RequestsMock() as api:
        api.post(f"{API}/analytics/post", json=refusal, status=403)
        assert sync.run_unit(state.pk, force=True) == "failed"
        assert len(api.calls) == 1
    state.refresh_from_db()
    assert "plan does not include analytics of posts made outside Ayrshare" in state.last_error
    assert state.backoff_until >= timezone.now() + timedelta(days=6)
    # The dispatcher does not pick it up again meanwhile.
    assert not sync.due_states().filter(pk=state.pk).exists()
