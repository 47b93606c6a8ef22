"""Networks linked and unlinked in Ayrshare while a real worker runs (sandbox over HTTP)."""

import time

import pytest
from django.utils import timezone

from accounts.models import Membership, Profile
from dashboard.bench.workers import run_cycle, wait_until_due, wait_until_idle
from dashboard.models import AccountMetrics, LinkedAccount, PlatformPost, SyncState
from tests.accounts.factories import MembershipFactory
from tests.integration.test_pipeline import sync_until_complete

pytestmark = pytest.mark.integration

USER_INTERVAL = 4  # seconds between two GET /user of a profile


def sandbox_index(sandbox, profile):
    return sandbox.profile_keys.index(profile.profile_key)


def cycle_until(worker, done, seconds):
    """Worker cycles until done() holds; returns the seconds it took."""
    started = time.monotonic()
    while not done():
        assert time.monotonic() - started < seconds, worker.log()[-3000:]
        wait_until_due()
        run_cycle(worker)
    return time.monotonic() - started


@pytest.mark.worker_env(SYNC_USER_INTERVAL=str(USER_INTERVAL))
def test_linked_networks_follow_ayrshare_while_the_worker_runs(agency, sandbox, worker, client):
    sync_until_complete(worker)
    profile = next(p for p in Profile.objects.all() if "pinterest" in p.platforms)
    index = sandbox_index(sandbox, profile)
    pinterest_posts = PlatformPost.objects.filter(profile=profile, platform="pinterest").count()
    assert pinterest_posts

    # In Ayrshare: Threads is linked and Pinterest unlinked, while the worker keeps running.
    linked_at = timezone.now()
    sandbox.link(index, "threads")
    sandbox.unlink(index, "pinterest")

    def followed():
        profile.refresh_from_db()
        return (
            "threads" in profile.platforms
            and AccountMetrics.objects.filter(profile=profile, platform="threads").exists()
        )

    took = cycle_until(worker, followed, seconds=USER_INTERVAL + 30)
    print(f"\nThreads linked in Ayrshare: its account numbers arrived {took:.1f} s later")
    assert "pinterest" not in profile.platforms
    assert not SyncState.objects.filter(profile=profile, unit="platform:pinterest").exists()
    unlinked = LinkedAccount.objects.get(profile=profile, platform="pinterest")
    assert unlinked.unlinked_at is not None and unlinked.unlinked_at >= linked_at

    # Pinterest is no longer called, and its posts stay. (A unit already on its way when the
    # unlink was noticed may finish; from the moment nothing runs, nothing may call it.)
    wait_until_idle()
    noticed = time.time()
    for _ in range(3):
        wait_until_due()
        run_cycle(worker)
    calls = [
        c
        for c in sandbox.calls.since(0)
        if c["profile"] == index
        and c["path"] == "/api/history/pinterest"
        and c["wall_time"] > noticed
    ]
    assert calls == []
    assert PlatformPost.objects.filter(profile=profile, platform="pinterest").count() == (
        pinterest_posts
    )

    # LinkedIn's authorization runs out in 5 days: the sync page says so.
    with_linkedin = next(p for p in Profile.objects.all() if "linkedin" in p.platforms)
    sandbox.set_refresh_days(sandbox_index(sandbox, with_linkedin), "linkedin", 5)

    def warned():
        account = LinkedAccount.objects.filter(profile=with_linkedin, platform="linkedin").first()
        return account is not None and account.refresh_days_remaining == 5

    cycle_until(worker, warned, seconds=USER_INTERVAL + 30)
    owner = MembershipFactory(workspace=agency, role=Membership.Role.OWNER)
    client.force_login(owner.user)
    page = client.get(f"/w/{agency.slug}/sync/").content.decode()
    assert "Reconnect LinkedIn in Ayrshare within 5 days, or its numbers stop updating." in page
    assert "Pinterest was unlinked on" in page
