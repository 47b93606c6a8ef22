"""The sync against the sandbox over real HTTP: what ends up in the cache, and what it cost.

Every test starts its own sandbox on 127.0.0.1 and calls ``sync.run_unit`` in this process (no
Celery). The sandbox's clock starts at the real "now" (or a few seconds later), so its nextUpdate
values and our ``timezone.now()`` agree; tests that must see the data move either advance the
frozen sandbox clock and force the unit, or run the sandbox on the real clock with its intervals
scaled down.
"""

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard import sync
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.ayrshare.sandbox.clock import parse_iso
from dashboard.models import METRICS, MetricSnapshot, PlatformPost, Post, RollupBacklog, SyncState
from tests.accounts.factories import WorkspaceFactory
from tests.dashboard.factories import sandbox_profiles

pytestmark = pytest.mark.django_db

COUNTS = [name for name in METRICS if name != "engagement_rate"]  # lifetime totals only grow


@pytest.fixture(autouse=True)
def quick_sync(settings, tmp_path):
    # The request budget lives in a file of this test's own (no Redis shared between tests).
    settings.REDIS_URL = ""
    settings.DATA_DIR = tmp_path
    settings.AYRSHARE_MAX_RETRIES = 0  # a 5xx fails the unit at once instead of sleeping
    settings.AYRSHARE_READ_TIMEOUT = 2
    settings.SYNC_POST_ANALYTICS_BATCH = 5


@pytest.fixture
def sandboxes(settings):
    """``sandboxes(**knobs)`` starts a sandbox for the test and points the client at it."""
    running = []

    def start(**knobs):
        knobs.setdefault("speed", 0)
        knobs.setdefault("seed", 3)
        if knobs["speed"] == 0:
            # Frozen a little ahead of our clock, so no nextUpdate it promises (the soonest is
            # /history's, within a minute) can pass on our side while the test runs.
            knobs.setdefault("start", time.time() + 5)
        sandbox = start_sandbox(**knobs)
        running.append(sandbox)
        settings.AYRSHARE_API_URL = sandbox.url
        return sandbox

    yield start
    for sandbox in running:
        sandbox.stop()


def connect(sandbox, *indexes):
    """A workspace holding the sandbox's profiles (all, or those indexes), units created."""
    keys = sandbox.keys()
    workspace = WorkspaceFactory(api_key=keys["apiKey"])
    profiles = sandbox_profiles(workspace, keys, indexes)
    sync.ensure_units(profiles)
    return profiles


def state(profile, unit):
    return SyncState.objects.get(profile=profile, unit=unit)


def sync_profile(profile, *, force=False, units=None):
    """Run the profile's units the way the sync command does: /history first."""
    states = SyncState.objects.filter(profile=profile).order_by("pk")
    if units is not None:
        states = states.filter(unit__in=units)
    ordered = sorted(states, key=lambda s: s.unit != "history")
    return {s.unit: sync.run_unit(s.pk, force=force) for s in ordered}


def truth(sandbox, index):
    """What the sandbox holds for a profile, as ``stored`` reads the cache, plus its posts.

    Network posts map (platform, social id) to their Ayrshare post id, None for those made
    outside Ayrshare; placeholders stand for posts not (yet) on a network they were sent to.
    """
    items = sandbox.expected(index)["items"]
    posts = {item["id"]: item for item in items if item["kind"] == "ayrshare"}
    network = {(s["platform"], s["id"]): p["id"] for p in posts.values() for s in p["socialIds"]}
    network.update({(i["platform"], i["id"]): None for i in items if i["kind"] == "outside"})
    placeholders = {
        (platform, f"ayrshare:{post['id']}")
        for post in posts.values()
        for platform in post["platforms"]
        if platform not in {s["platform"] for s in post["socialIds"]}
    }
    return (set(posts), network, placeholders), posts


def stored(profile):
    """(Ayrshare ids, network posts with their Ayrshare id, placeholders) in the cache."""
    rows = PlatformPost.objects.filter(profile=profile).values_list(
        "platform", "social_id", "post__ayrshare_id"
    )
    network = {(p, sid): post for p, sid, post in rows if not sid.startswith("ayrshare:")}
    placeholders = {(p, sid) for p, sid, _ in rows if sid.startswith("ayrshare:")}
    posts = set(Post.objects.filter(profile=profile).values_list("ayrshare_id", flat=True))
    return posts, network, placeholders


def calls(sandbox, since=0, path=None):
    return [c for c in sandbox.calls.since(since) if path is None or c["path"] == path]


def metrics_of(profile):
    return {
        (row["platform"], row["social_id"]): row
        for row in PlatformPost.objects.filter(profile=profile).values(
            "platform", "social_id", *METRICS
        )
    }


def wait_until(moment):
    time.sleep(max(0.0, (moment - timezone.now()).total_seconds()) + 0.05)


# --- 1. the first sync stores exactly what the sandbox holds --------------------------------------


def test_first_sync_stores_every_post_the_sandbox_holds_and_a_rerun_adds_nothing(sandboxes):
    sandbox = sandboxes(posts=100)
    (profile,) = connect(sandbox, 0)

    results = sync_profile(profile)

    assert set(results.values()) == {"ok"}, results
    expected, posts = truth(sandbox, 0)
    statuses = Counter(post["status"] for post in posts.values())
    assert {"success", "deleted", "error", "pending"} <= set(statuses), statuses
    assert None in expected[1].values()  # some network posts were made outside Ayrshare
    assert stored(profile) == expected
    assert dict(Post.objects.filter(profile=profile).values_list("ayrshare_id", "status")) == {
        post_id: post["status"] for post_id, post in posts.items()
    }
    assert state(profile, "history").cursor["backfilled"] is True

    # Run everything again (forced: nothing is due): the same rows, no duplicates.
    before = (Post.objects.count(), PlatformPost.objects.count())
    assert set(sync_profile(profile, force=True).values()) == {"ok"}
    assert (Post.objects.count(), PlatformPost.objects.count()) == before
    assert stored(profile) == expected


def test_deleted_failed_and_scheduled_posts_look_as_they_do_on_ayrshare(sandboxes):
    sandbox = sandboxes(posts=100)
    (profile,) = connect(sandbox, 0)
    sync_profile(profile, units=["history"])
    _, posts = truth(sandbox, 0)

    deleted = next(p for p in posts.values() if p["status"] == "deleted")
    rows = PlatformPost.objects.filter(post__ayrshare_id=deleted["id"])
    assert rows.count() == len(deleted["platforms"])
    assert set(rows.values_list("status", flat=True)) == {"deleted"}

    failed = next(p for p in posts.values() if p["status"] == "error")
    sent = {s["platform"] for s in failed["socialIds"]}
    refused = [p for p in failed["platforms"] if p not in sent]
    answer = requests.get(
        f"{sandbox.url}/history/{failed['id']}",
        headers={
            "Authorization": f"Bearer {sandbox.api_key}",
            "Profile-Key": sandbox.profile_keys[0],
        },
        timeout=5,
    ).json()[0]
    messages = {e["platform"]: e["message"] for e in answer["errors"]}
    for platform in refused:
        row = PlatformPost.objects.get(
            profile=profile, platform=platform, social_id=f"ayrshare:{failed['id']}"
        )
        assert row.status == "error"
        assert row.error_message == messages[platform]

    scheduled = next(p for p in posts.values() if p["status"] == "pending")
    post = Post.objects.get(profile=profile, ayrshare_id=scheduled["id"])
    assert post.status == "pending"
    assert post.schedule_date > timezone.now()
    assert sorted(post.platform_posts.values_list("platform", "social_id", "status")) == [
        (platform, f"ayrshare:{scheduled['id']}", "pending") for platform in scheduled["platforms"]
    ]


def test_a_post_deleted_days_after_it_went_out_is_marked_deleted(sandboxes):
    # In this world post 476 went out three days before "now" and is deleted 41 hours later.
    sandbox = sandboxes(posts=500, seed=5, profiles=1)
    (profile,) = connect(sandbox)
    history = state(profile, "history")
    assert sync.run_unit(history.pk) == "ok"
    _, posts = truth(sandbox, 0)
    target = list(posts)[476]
    assert posts[target]["status"] == "success"
    assert Post.objects.get(ayrshare_id=target).status == "success"

    sandbox.clock.advance(2 * 86400)
    assert truth(sandbox, 0)[1][target]["status"] == "deleted"
    # The last look at deleted posts is more than six hours old, so this run takes another.
    cursor = {**state(profile, "history").cursor}
    cursor["deleted_checked_at"] = (timezone.now() - timedelta(hours=7)).isoformat()
    SyncState.objects.filter(pk=history.pk).update(cursor=cursor)
    assert sync.run_unit(history.pk, force=True) == "ok"

    post = Post.objects.get(ayrshare_id=target)
    assert post.status == "deleted"
    assert set(post.platform_posts.values_list("status", flat=True)) == {"deleted"}


# --- 2. backfill through several /history pages ---------------------------------------------------


def backfill_calls(sandbox, since=0):
    """The /history reads of the backfill (not the deleted-posts check)."""
    return [c for c in calls(sandbox, since, "/api/history") if "status" not in c["query"]]


def test_a_large_profile_is_backfilled_page_by_page(sandboxes):
    sandbox = sandboxes(posts=2500, profiles=1)
    (profile,) = connect(sandbox)

    assert sync.run_unit(state(profile, "history").pk) == "ok"

    pages = backfill_calls(sandbox)
    assert len(pages) == 3
    ends = [parse_iso(c["query"]["endDate"]) for c in pages]
    assert ends == sorted(ends, reverse=True) and len(set(ends)) == 3
    _, posts = truth(sandbox, 0)
    assert Post.objects.filter(profile=profile).count() == len(posts) == 2500
    assert set(Post.objects.values_list("ayrshare_id", flat=True)) == set(posts)
    assert not any(c["early"] for c in calls(sandbox))


def test_an_interrupted_backfill_resumes_from_its_cursor(sandboxes, settings):
    sandbox = sandboxes(posts=2500, profiles=1)
    (profile,) = connect(sandbox)
    history = state(profile, "history")

    # The budget allows one request: the first page arrives, then the unit pauses.
    settings.AYRSHARE_BUDGET_REQUESTS = 1
    assert sync.run_unit(history.pk) == "paused"
    first_page = backfill_calls(sandbox)
    assert len(first_page) == 1
    saved = state(profile, "history").cursor["backfill_end"]
    assert Post.objects.filter(profile=profile).count() == 1000

    # Then Ayrshare fails: the unit backs off and keeps its place.
    settings.AYRSHARE_BUDGET_REQUESTS = 100
    sandbox.configure(error_rate=1.0)
    mark = sandbox.calls.next_index
    assert sync.run_unit(history.pk, force=True) == "failed"
    failed = state(profile, "history")
    assert failed.cursor["backfill_end"] == saved
    assert failed.consecutive_failures == 1 and failed.last_error
    assert [c["status"] for c in calls(sandbox, mark)] in ([500], [502], [503])

    sandbox.configure(error_rate=0.0)
    mark = sandbox.calls.next_index
    assert sync.run_unit(history.pk, force=True) == "ok"
    resumed = backfill_calls(sandbox, mark)
    assert len(resumed) == 2  # the two pages left, not the whole history again
    assert parse_iso(resumed[0]["query"]["endDate"]) == parse_iso(saved)
    assert Post.objects.filter(profile=profile).count() == 2500
    assert state(profile, "history").consecutive_failures == 0


# --- 3. freshness: never ask before nextUpdate ----------------------------------------------------


def test_a_unit_is_not_called_again_before_its_next_update(sandboxes):
    sandbox = sandboxes(posts=60)
    (profile,) = connect(sandbox, 0)
    assert set(sync_profile(profile).values()) == {"ok"}
    mark = sandbox.calls.next_index

    again = sync_profile(profile)

    assert set(again.values()) == {"not-due"}, again
    assert calls(sandbox, mark) == []
    assert not sync.due_states().filter(profile=profile).exists()
    assert not any(c["early"] for c in calls(sandbox))


def test_after_its_next_update_a_unit_calls_once_and_never_early(sandboxes):
    # The real clock, with every update interval scaled down to a few seconds.
    sandbox = sandboxes(posts=60, speed=1, interval_scale=0.001)
    (profile,) = connect(sandbox, 0)
    networks = [f"platform:{p}" for p in profile.platforms]
    assert set(sync_profile(profile, units=networks).values()) == {"ok"}
    soonest = SyncState.objects.filter(profile=profile, unit__in=networks).earliest("next_update")
    assert soonest.next_update > soonest.last_attempt

    wait_until(soonest.next_update)
    mark = sandbox.calls.next_index
    assert sync.run_unit(soonest.pk) == "ok"
    assert sync.run_unit(soonest.pk) == "not-due"

    (call,) = calls(sandbox, mark)
    assert call["path"] == f"/api/history/{soonest.unit.partition(':')[2]}"
    assert state(profile, soonest.unit).next_update > soonest.next_update
    assert not any(c["early"] for c in calls(sandbox))


def test_every_unit_waits_for_the_next_update_ayrshare_promised(sandboxes):
    sandbox = sandboxes(posts=60)
    (profile,) = connect(sandbox, 0)
    assert set(sync_profile(profile).values()) == {"ok"}

    # Replay the next two runs of every unit at the moments we scheduled them, on Ayrshare's
    # clock (ours cannot be moved, hence force).
    for _ in range(2):
        for row in SyncState.objects.filter(profile=profile).order_by("next_update"):
            sandbox.clock.set(row.next_update.timestamp())
            assert sync.run_unit(row.pk, force=True) == "ok", row.unit

    early = [(c["path"], c["sandbox_time"]) for c in calls(sandbox) if c["early"]]
    assert early == []


@pytest.mark.parametrize("interval", [0, 300, 900])
def test_history_comes_back_after_the_longer_of_its_interval_and_ayrshares_minute(
    sandboxes, settings, interval
):
    # Ayrshare renews /history every minute; at 10,000 profiles asking that often would be most
    # of the installation's calls, so SYNC_HISTORY_INTERVAL sets the floor.
    settings.SYNC_HISTORY_INTERVAL = interval
    sandbox = sandboxes(posts=20)
    (profile,) = connect(sandbox, 0)

    assert sync_profile(profile, units=["history"]) == {"history": "ok"}

    history = state(profile, "history")
    waited = history.next_update - history.last_attempt
    if interval:
        assert timedelta(seconds=interval) <= waited < timedelta(seconds=interval + 5)
    else:
        assert timedelta(0) < waited <= timedelta(seconds=70)  # the sandbox's own minute


# --- 4. a scheduled post goes live ----------------------------------------------------------------


@pytest.mark.parametrize("networks_first", [False, True], ids=["history-first", "networks-first"])
def test_a_scheduled_post_takes_its_real_social_ids_when_it_goes_live(sandboxes, networks_first):
    sandbox = sandboxes(posts=100)
    (profile,) = connect(sandbox, 0)
    assert set(sync_profile(profile).values()) == {"ok"}
    _, posts = truth(sandbox, 0)
    scheduled = min(
        (p for p in posts.values() if p["status"] == "pending"), key=lambda p: p["scheduleDate"]
    )
    placeholder = f"ayrshare:{scheduled['id']}"
    assert PlatformPost.objects.filter(social_id=placeholder).count() == len(scheduled["platforms"])

    # Its schedule date passes on Ayrshare's side, and every resource moves to a new update.
    sandbox.clock.set(parse_iso(scheduled["scheduleDate"]) + 3600)
    live = truth(sandbox, 0)[1][scheduled["id"]]
    assert live["status"] == "success" and live["socialIds"]
    networks = [f"platform:{p}" for p in scheduled["platforms"]]
    if networks_first:  # the networks report the new posts before /history does
        assert set(sync_profile(profile, force=True, units=networks).values()) == {"ok"}
    assert sync.run_unit(state(profile, "history").pk, force=True) == "ok"
    if not networks_first:
        assert set(sync_profile(profile, force=True, units=networks).values()) == {"ok"}

    post = Post.objects.get(profile=profile, ayrshare_id=scheduled["id"])
    assert post.status == "success"
    rows = PlatformPost.objects.filter(profile=profile, post=post)
    assert sorted(rows.values_list("platform", "social_id", "status")) == sorted(
        (s["platform"], s["id"], "success") for s in live["socialIds"]
    )
    assert not PlatformPost.objects.filter(profile=profile, social_id=placeholder).exists()
    assert not any(c["early"] for c in calls(sandbox))


# --- 5. metrics grow; snapshots only when they change ---------------------------------------------


def test_metrics_grow_and_snapshots_are_appended_only_when_values_change(sandboxes):
    sandbox = sandboxes(posts=300)
    (profile,) = connect(sandbox, 0)
    networks = [f"platform:{p}" for p in profile.platforms]
    assert set(sync_profile(profile, units=networks).values()) == {"ok"}
    before = metrics_of(profile)
    reported = [key for key, row in before.items() if any(row[n] is not None for n in METRICS)]
    first_snapshots = MetricSnapshot.objects.count()
    assert first_snapshots == len(reported)  # a starting point for each post that has numbers

    sandbox.clock.advance(3600)  # past the next update of every /history/{platform}
    assert set(sync_profile(profile, force=True, units=networks).values()) == {"ok"}

    after = metrics_of(profile)
    changed = [key for key in reported if after[key] != before[key]]
    unchanged = [key for key in reported if after[key] == before[key]]
    assert changed and unchanged  # young posts grow, old ones have settled
    assert MetricSnapshot.objects.count() == first_snapshots + len(changed)
    for key in changed:
        row = PlatformPost.objects.get(profile=profile, platform=key[0], social_id=key[1])
        first, latest = row.snapshots.all()
        assert latest.metrics() == row.metrics()
        assert latest.captured_at > first.captured_at
        assert all(after[key][n] >= before[key][n] for n in COUNTS if before[key][n] is not None)
        assert any(after[key][n] > before[key][n] for n in COUNTS if before[key][n] is not None)
    for key in unchanged:
        row = PlatformPost.objects.get(profile=profile, platform=key[0], social_id=key[1])
        assert row.snapshots.count() == 1
    assert not any(c["early"] for c in calls(sandbox))


def test_settled_posts_are_not_rewritten_whichever_answer_comes_last(sandboxes, settings):
    # /history/{platform} and /analytics/post carry different numbers (Facebook's history item
    # has no impressions, its analytics answer has): neither may take the other's as gone
    # stale, or every call rewrites every old post and notes its day for the rollups again.
    settings.SYNC_POST_ANALYTICS_BATCH = 100
    sandbox = sandboxes(posts=40)
    (profile,) = connect(sandbox, 0)
    assert set(sync_profile(profile).values()) == {"ok"}
    rows = PlatformPost.objects.filter(profile=profile)
    networks = [f"platform:{p}" for p in profile.platforms]

    def run(units):
        sandbox.clock.advance(3600)  # past every nextUpdate they gave
        rows.update(analytics_due_at=timezone.now() - timedelta(minutes=1))
        assert set(sync_profile(profile, force=True, units=units).values()) == {"ok"}

    def both_answers():
        for units in (networks, ["post_analytics"], ["post_analytics"], networks):
            run(units)

    sandbox.clock.advance(40 * 86400)  # every post has stopped growing
    both_answers()
    assert rows.filter(platform="facebook").exclude(analytics_raw={}).exists()
    start, noted = timezone.now(), RollupBacklog.objects.count()
    both_answers()

    assert not rows.filter(synced_at__gte=start).exists()
    assert RollupBacklog.objects.count() == noted
    assert not rows.filter(metric_notes__has_key="impressions", platform="facebook").exists()


# --- 6. faults never cost cached data -------------------------------------------------------------


def test_faults_fail_units_without_losing_cached_data_and_recovery_fetches_the_rest(
    sandboxes, settings
):
    settings.AYRSHARE_READ_TIMEOUT = 0.2
    sandbox = sandboxes(posts=100, timeout_seconds=1)
    (profile,) = connect(sandbox, 0)
    assert set(sync_profile(profile).values()) == {"ok"}
    cached = metrics_of(profile)
    posts_before = set(Post.objects.values_list("ayrshare_id", flat=True))
    _, _, waiting = stored(profile)

    sandbox.clock.advance(2 * 86400)  # every resource has new data by now
    # Fault seed 5 gives this run 5xx answers, broken bodies and answers that come too late.
    sandbox.configure(error_rate=0.3, malformed_rate=0.3, timeout_rate=0.15, fault_seed=5)
    results = sync_profile(profile, force=True)

    failed = [unit for unit, result in results.items() if result == "failed"]
    assert "ok" in results.values() and failed, results
    now = timezone.now()
    errors = []
    for unit in failed:
        row = state(profile, unit)
        assert row.consecutive_failures == 1 and row.backoff_until > now
        errors.append(row.last_error)
    for words in ("temporarily unavailable", "not JSON", "did not answer"):
        assert any(words in error for error in errors), (words, errors)
    assert not sync.due_states().filter(profile=profile, unit__in=failed).exists()
    # Nothing cached was deleted or zeroed; numbers only moved up where a unit succeeded.
    current = metrics_of(profile)
    for key, old in cached.items():
        if key in waiting:
            continue  # a scheduled post that went live meanwhile: checked below
        assert key in current, key
        for name in METRICS:
            if old[name] is not None:
                assert current[key][name] is not None, (key, name)
        assert all(current[key][n] >= old[n] for n in COUNTS if old[n] is not None), key
    for platform, placeholder in waiting:
        post = Post.objects.get(profile=profile, ayrshare_id=placeholder.removeprefix("ayrshare:"))
        assert post.platform_posts.filter(platform=platform).count() == 1
    assert posts_before <= set(Post.objects.values_list("ayrshare_id", flat=True))

    sandbox.configure(error_rate=0.0, malformed_rate=0.0, timeout_rate=0.0)
    sandbox.clock.advance(2 * 86400)
    assert set(sync_profile(profile, force=True).values()) == {"ok"}
    expected, _ = truth(sandbox, 0)
    assert stored(profile) == expected
    assert SyncState.objects.filter(profile=profile, consecutive_failures__gt=0).count() == 0
    assert not any(c["early"] for c in calls(sandbox))


@pytest.mark.parametrize(("retry_after", "pause"), [(45, 45), (None, 60)])
def test_a_429_burst_pauses_that_profile_and_the_others_carry_on(sandboxes, retry_after, pause):
    sandbox = sandboxes(posts=40)
    throttled, other = connect(sandbox, 0, 1)
    sandbox.configure(burst_429=1, burst_retry_after=retry_after)  # None: no Retry-After

    before = timezone.now()
    assert sync.run_unit(state(throttled, "history").pk) == "paused"
    assert set(sync_profile(other).values()) == {"ok"}

    paused = SyncState.objects.filter(profile=throttled)
    assert all(s.backoff_until >= before + timedelta(seconds=pause) for s in paused)
    assert "Ayrshare asked for a pause" in state(throttled, "history").last_error
    assert not sync.due_states().filter(profile=throttled).exists()
    mark = sandbox.calls.next_index
    assert set(sync_profile(throttled).values()) == {"not-due"}
    assert calls(sandbox, mark) == []
    log = calls(sandbox)
    assert [c["status"] for c in log if c["profile"] == 0] == [429]
    assert {c["status"] for c in log if c["profile"] == 1} == {200}
    assert not any(c["retry_after_violation"] for c in log)


# --- 7. our own request budget --------------------------------------------------------------------


def test_a_spent_budget_pauses_the_sync_before_ayrshare_says_no_and_it_resumes(sandboxes, settings):
    settings.AYRSHARE_BUDGET_REQUESTS = 5
    # Seconds: long enough that a busy machine makes the five calls inside one window, short
    # enough that the test sees the window roll over.
    settings.AYRSHARE_BUDGET_WINDOW = 3
    sandbox = sandboxes(posts=40, rate_limit=300, rate_window=300)
    (profile,) = connect(sandbox, 0)

    results = sync_profile(profile)

    assert results["history"] == "ok"  # two requests: the backfill and the deleted posts
    paused = [unit for unit, result in results.items() if result == "paused"]
    assert paused, results
    assert len(calls(sandbox)) == 5
    for unit in paused:
        row = state(profile, unit)
        assert row.consecutive_failures == 0 and not row.last_error
    assert not sync.due_states().filter(profile=profile, unit__in=paused).exists()

    # The window rolls over: a paused unit runs when it is due again.
    network = state(profile, next(u for u in paused if u.startswith("platform:")))
    wait_until(network.next_update)
    assert sync.run_unit(network.pk) == "ok"
    assert len(calls(sandbox)) == 6
    assert not any(c["status"] == 429 for c in calls(sandbox))


def test_a_full_page_of_a_networks_posts_says_how_far_back_it_reaches():
    first = datetime(2025, 3, 3, 10, tzinfo=UTC)
    full = [
        SimpleNamespace(published_at=first + timedelta(days=n)) for n in range(sync.PLATFORM_PAGE)
    ]
    assert sync._reach(full) == {"reaches_back": first.isoformat()}
    # Fewer than a page: Ayrshare gave every post there is.
    assert sync._reach(full[1:]) == {}


def test_a_second_pass_writes_only_the_network_posts_whose_numbers_moved(sandboxes):
    sandbox = sandboxes(posts=300)
    (profile,) = connect(sandbox, 0)
    networks = [f"platform:{p}" for p in profile.platforms]
    assert set(sync_profile(profile, units=networks).values()) == {"ok"}
    before = metrics_of(profile)
    first_sync = dict(
        PlatformPost.objects.filter(profile=profile).values_list("social_id", "synced_at")
    )

    sandbox.clock.advance(3600)  # past the next update of every /history/{platform}
    assert set(sync_profile(profile, force=True, units=networks).values()) == {"ok"}

    after = metrics_of(profile)
    moved = {key[1] for key in after if after[key] != before.get(key)}
    written = {
        social_id
        for social_id, synced_at in PlatformPost.objects.filter(profile=profile).values_list(
            "social_id", "synced_at"
        )
        if synced_at != first_sync.get(social_id)
    }
    assert moved and written == moved
    # Each unit refreshed what it changed: the whole-workspace overview may read its rollups.
    assert not RollupBacklog.objects.exists()


def test_a_rerun_that_changes_nothing_writes_only_the_units_own_row(sandboxes):
    sandbox = sandboxes(posts=40)
    (profile,) = connect(sandbox, 0)
    assert set(sync_profile(profile).values()) == {"ok"}

    for unit in ["history", *(f"platform:{p}" for p in profile.platforms)]:
        pk = state(profile, unit).pk
        token = sync.claim(pk)
        with CaptureQueriesContext(connection) as queries:
            assert sync.run_unit(pk, token, force=True) == "ok"
        # The success and the lease's release are one UPDATE of the unit's row; nothing else.
        writes = [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
        assert [sql.split(" SET ")[0] for sql in writes] == ['UPDATE "dashboard_syncstate"'], unit
        assert state(profile, unit).lease_token == ""


def test_a_run_of_post_analytics_recomputes_the_rollups_once_however_many_posts_it_asks(
    sandboxes, settings
):
    settings.SYNC_POST_ANALYTICS_BATCH = 12
    sandbox = sandboxes(posts=40)
    (profile,) = connect(sandbox, 0)
    assert sync_profile(profile, units=["history"]) == {"history": "ok"}
    sandbox.clock.advance(3 * 86400)  # every post's numbers have moved since
    pk = state(profile, "post_analytics").pk

    with CaptureQueriesContext(connection) as queries:
        assert sync.run_unit(pk, sync.claim(pk), force=True) == "ok"

    asked = calls(sandbox, path="/api/analytics/post")
    targets = ('INSERT INTO "dashboard_dailymetrics"', 'DELETE FROM "dashboard_dailymetrics"')
    rollup_writes = [q["sql"] for q in queries if q["sql"].startswith(targets)]
    assert len(asked) == 12
    # One upsert for the run's answers: the days they touch are rewritten together, once.
    assert 1 <= len(rollup_writes) <= 2, rollup_writes
    assert (
        PlatformPost.objects.filter(profile=profile, analytics_due_at__isnull=True)
        .exclude(post=None)
        .count()
        < PlatformPost.objects.filter(profile=profile).exclude(post=None).count()
    )
