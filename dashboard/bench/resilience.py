"""R1 to R6: the sync's politeness and resilience, with the sandbox and real Celery workers.

One run starts the sandbox, a pool of `celery worker` processes on this database and Redis, and
drives them the way beat does (the dispatcher task every beat). The figures come from the
sandbox's call log (arrival times, statuses, its `early` flag) and from our SyncState rows:

1. a backlog (R1): every profile's first sync, one post analytics call per post;
2. steady state after it (R2, R4), with "Refresh now" pressed now and then;
3. injected 429s and 5xx answers (R3);
4. kill -9 of a worker mid-sync, and recovery (R6);
5. units made due one after another on a second sandbox and pool (R5).

Time runs 20 times faster, and each Result says so: the sandbox's rate window, its update
intervals, our budget's window and the beat interval all shrink 20-fold (our budget keeps its
share of the limit). Work per unit does not shrink, so R5's bound of two (short) beats is
stricter than in production, never looser. The limit's count shrinks too (30 requests, not 300)
so that a backlog of a few dozen calls per profile outruns a window, which is what R1 is about.
"""

import os
import random
import signal
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Profile, Workspace
from dashboard import refresh, sync
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.bench import seed
from dashboard.bench.report import Result, at_least, at_most
from dashboard.bench.workers import Worker, dispatch, forget_request_budgets, purge, worker_env
from dashboard.celery import app
from dashboard.models import MetricSnapshot, PlatformPost, Post, SyncState

GOALS = {
    "R1": "most requests in a 5-minute window for one profile ÷ 300",
    "R2": "429s per profile in a simulated day",
    "R3": "delay before a retry ÷ Retry-After",
    "R4": "requests before the unit's nextUpdate ÷ all requests",
    "R5": "units synced within 2 beats of becoming due ÷ units due",
    "R6": "duplicates and lost units after kill -9 of a worker",
}
TIME_SCALE = 20  # simulated seconds per real second
# Ayrshare's limit, and the limit the sandbox enforces: a tenth of the requests in a twentieth
# of the time.
AYRSHARE_LIMIT, AYRSHARE_WINDOW = 300, 300
LIMIT, WINDOW = 30, AYRSHARE_WINDOW // TIME_SCALE
# Long enough for the last of 20 profiles' chains to start before its lease runs out (a unit
# leased again while its task waits in the queue is queued twice); R6 waits this long.
LEASE_SECONDS = 12
CONNECT_TIMEOUT = 1  # seconds, to the sandbox on loopback
QUEUE = "bench-resilience"
RETRY_AFTER = 2  # seconds, on the injected 429s
RETRY_GAP = 5.0  # seconds: a same call sooner than this after a 5xx is the client's retry
MAX_ATTEMPTS = 5
# A unit of R5: history, post analytics, links, linked networks, one network's posts, its native
# posts' analytics and its account numbers.
R5_NETWORKS = ("facebook", "instagram", "linkedin", "pinterest", "tiktok", "twitter")


@dataclass(frozen=True)
class Scale:
    backlog_profiles: int = 20
    backlog_pages: int = 50  # posts per profile, one POST /analytics/post each
    workers: int = 4
    steady_seconds: float = 60.0  # steady state after the backlog: 20 simulated minutes
    fault_seconds: float = 12.0
    stagger_profiles: int = 300
    stagger_seconds: float = 60.0  # R5's units become due spread over this
    recovery_timeout: float = 90.0


FULL = Scale()
QUICK = Scale(
    backlog_profiles=10,
    backlog_pages=25,
    steady_seconds=15.0,
    fault_seconds=8.0,
    stagger_profiles=60,
    stagger_seconds=15.0,
)


def beat_seconds():
    return max(1, round(settings.SYNC_BEAT_SECONDS / TIME_SCALE))


def budget_requests():
    """Our budget in the compressed window: the same share of the limit as in production."""
    return int(LIMIT * settings.AYRSHARE_BUDGET_REQUESTS / AYRSHARE_LIMIT)


def not_measured(reason):
    return [Result(goal, what, "-", "-", None, reason, None) for goal, what in GOALS.items()]


def measure(scale=FULL, log=print):
    """Every R goal's Result, from one simulated run."""
    if not settings.REDIS_URL:
        return not_measured("needs REDIS_URL (workers share Redis)")
    forget_request_budgets(settings.REDIS_URL)
    started = time.monotonic()

    def say(text):
        log(f"  {time.monotonic() - started:3.0f} s  {text}")

    with (
        _default_queue(QUEUE),
        tempfile.TemporaryDirectory(prefix="bench-resilience-") as data_dir,
        start_sandbox(**_backlog_world(scale)) as sandbox,
        start_sandbox(profiles=scale.stagger_profiles, posts=0, seed=23) as stagger_sb,
    ):
        return _run(scale, sandbox, stagger_sb, data_dir, say)


@contextmanager
def _default_queue(name):
    """Send every task to our workers' own queue, "Refresh now"'s too, and empty it after.

    The workers never read the default queue, which real workers on the same Redis may share.
    """
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = name
    purge(name, f"{name}-r5")
    try:
        yield
    finally:
        app.conf.task_default_queue = previous
        purge(name, f"{name}-r5")


def _backlog_world(scale):
    return {
        "profiles": scale.backlog_profiles,
        "posts": scale.backlog_pages,
        "seed": 17,
        "interval_scale": 1 / TIME_SCALE,
        "rate_limit": LIMIT,
        "rate_window": WINDOW,
    }


def _run(scale, sandbox, stagger_sb, data_dir, log):
    queue = app.conf.task_default_queue  # ours (see measure), where "Refresh now" sends too
    pool = _start_pool(scale, queue, sandbox.url, data_dir, "backlog")
    stagger_pool = []
    workspaces = []
    try:
        for worker in pool:
            worker.wait_ready()
        log(f"{len(pool)} workers ready")
        backlog = _workspace(sandbox, "resilience", workspaces)
        results = _backlog_phases(scale, sandbox, pool, backlog, log)
        # R5's pool starts while R6 waits for the dead worker's leases to run out.
        stagger_pool += _start_pool(scale, f"{queue}-r5", stagger_sb.url, data_dir, "stagger")
        log("R6 kill -9…")
        results.append(_kill_and_recover(scale, sandbox, pool, [p.pk for p in backlog]))
        Profile.objects.filter(pk__in=[p.pk for p in backlog]).update(archived_at=timezone.now())
        for worker in stagger_pool:
            worker.wait_ready()
        staggered = _workspace(stagger_sb, "resilience-r5", workspaces, one_network=True)
        log("R5…")
        results.insert(4, _staggered(scale, stagger_pool, staggered))
        return results
    finally:
        for worker in pool + stagger_pool:
            worker.stop()
        for seeded in workspaces:
            seed.drop(seeded)


def _start_pool(scale, queue, sandbox_url, data_dir, label):
    env = worker_env(
        queue,
        sandbox_url,
        data_dir,
        SYNC_BEAT_SECONDS=beat_seconds(),
        SYNC_LEASE_SECONDS=LEASE_SECONDS,
        # /history at Ayrshare's own minute (3 s here), as before SYNC_HISTORY_INTERVAL: the
        # steady state then has calls to judge every beat, and politeness its strictest test.
        SYNC_HISTORY_INTERVAL=0,
        AYRSHARE_BUDGET_REQUESTS=budget_requests(),
        AYRSHARE_BUDGET_WINDOW=WINDOW,
        AYRSHARE_READ_TIMEOUT=5,
        # The budget's slack (see ratelimit.Budget): 5 s would be a third of a 15-s window.
        AYRSHARE_CONNECT_TIMEOUT=CONNECT_TIMEOUT,
    )
    return [
        Worker(env, queue, name=f"{label}{n}-{os.getpid()}", concurrency=1)
        for n in range(scale.workers)
    ]


def _workspace(sandbox, label, workspaces, one_network=False):
    """A workspace holding the sandbox's profiles, keys as the sandbox gives them."""
    keys = sandbox.keys()
    stamp = time.time_ns()
    workspace = Workspace.objects.create(
        name=f"Benchmark {label}", slug=f"{seed.SLUG_PREFIX}{label}-{stamp}", api_key=keys["apiKey"]
    )
    user = get_user_model().objects.create_user(username=f"{seed.SLUG_PREFIX}{label}-{stamp}")
    profiles = []
    for index, entry in enumerate(keys["profiles"]):
        networks = _networks(entry["platforms"], one_network)
        for other in set(entry["platforms"]) - set(networks):
            # Unlinked in Ayrshare too, so that GET /user agrees and adds no units mid-run.
            sandbox.unlink(index, other)
        profiles.append(
            Profile.objects.create(
                workspace=workspace,
                title=entry["title"],
                profile_key=entry["profileKey"],
                ref_id=entry["refId"],
                platforms=networks,
            )
        )
    workspaces.append(seed.Seeded(workspace, user, profiles, 0, 0.0))
    sync.ensure_units(profiles)
    return profiles


def _networks(platforms, one_network):
    if not one_network:
        return platforms
    return [next(p for p in platforms if p in R5_NETWORKS)]


# --- the backlog pool: R1 to R4 ----------------------------------------------------------------


def _backlog_phases(scale, sandbox, pool, profiles, log):
    ids = [p.pk for p in profiles]
    log("R1 backlog…")
    backlog_start = sandbox.calls.next_index
    _beat_until(pool[0], lambda: _backlog_done(ids), scale.recovery_timeout * 2)
    backlog_calls = _api_calls(sandbox, backlog_start)

    log("R2, R4 steady state…")
    steady_start = sandbox.calls.next_index
    _steady_state(scale, pool[0], ids)
    steady_calls = _api_calls(sandbox, steady_start)

    log("R3 faults…")
    fault_start = sandbox.calls.next_index
    _inject_faults(scale, sandbox, pool[0], ids)
    fault_calls = _api_calls(sandbox, fault_start)
    backoffs = _units_backing_off(ids)
    return [
        _r1(backlog_calls, scale),
        _r2(steady_calls, backlog_calls, scale),
        _r3(fault_calls, backoffs, sandbox, profiles),
        _r4(steady_calls, scale),
    ]


def _api_calls(sandbox, since):
    return [c for c in sandbox.calls.since(since) if c["profile"] is not None]


def _beat_until(worker, done, timeout):
    """Send the dispatcher every beat until done() or the timeout; True when done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dispatch(worker)
        next_beat = time.monotonic() + beat_seconds()
        while time.monotonic() < next_beat:
            if done():
                return True
            time.sleep(0.2)
    return False


def _backlog_done(profile_ids):
    """Every unit has succeeded once and no post is waiting for its analytics."""
    states = SyncState.objects.filter(profile_id__in=profile_ids)
    if states.filter(Q(last_success__isnull=True) | Q(lease_until__gt=timezone.now())).exists():
        return False
    waiting = (
        PlatformPost.objects.filter(profile_id__in=profile_ids, post__isnull=False)
        .filter(status="success")
        .exclude(social_id__startswith="ayrshare:")
        .filter(Q(analytics_due_at__isnull=True) | Q(analytics_due_at__lte=timezone.now()))
    )
    return not waiting.exists()


def _steady_state(scale, worker, profile_ids):
    """Beats for a while, and "Refresh now" for every profile five times in it."""
    ends = time.monotonic() + scale.steady_seconds
    presses = [time.monotonic() + scale.steady_seconds * n / 5 for n in range(5)]
    while time.monotonic() < ends:
        dispatch(worker)
        if presses and time.monotonic() >= presses[0]:
            presses.pop(0)
            refresh.refresh_profiles(profile_ids)
        time.sleep(beat_seconds())


def _inject_faults(scale, sandbox, worker, profile_ids):
    """Every unit due, while 429 bursts (with Retry-After) and 5xx answers come in."""
    SyncState.objects.filter(profile_id__in=profile_ids).update(next_update=None)
    # Half the calls fail (503, Retry-After 1 s), so some fail on every attempt and their unit
    # backs off.
    sandbox.configure(
        error_rate=0.5, error_retry_after=1, burst_429=4, burst_retry_after=RETRY_AFTER
    )
    halfway = time.monotonic() + scale.fault_seconds / 2
    _beat_until(worker, lambda: time.monotonic() > halfway, scale.fault_seconds)
    sandbox.configure(burst_429=4)
    ends = time.monotonic() + scale.fault_seconds / 2
    _beat_until(worker, lambda: time.monotonic() > ends, scale.fault_seconds)
    sandbox.configure(error_rate=0, error_retry_after=None, burst_429=0)
    _wait_idle(profile_ids, 30)


def _wait_idle(profile_ids, timeout):
    deadline = time.monotonic() + timeout
    states = SyncState.objects.filter(profile_id__in=profile_ids)
    while states.filter(lease_until__gt=timezone.now()).exists():
        if time.monotonic() > deadline:
            return
        time.sleep(0.2)


def _units_backing_off(profile_ids):
    """{(profile_id, unit): backoff_until} of units that recorded a failure."""
    rows = SyncState.objects.filter(profile_id__in=profile_ids, consecutive_failures__gt=0)
    return {(r.profile_id, r.unit): r.backoff_until for r in rows}


def _kill_and_recover(scale, sandbox, pool, profile_ids):
    """R6: kill -9 one worker while units are running, then let leases run out and recover."""
    states = SyncState.objects.filter(profile_id__in=profile_ids)
    # Every unit due now, history read again from the start: lots of writes to interrupt.
    reset_at = timezone.now()
    states.update(next_update=None, backoff_until=None, consecutive_failures=0, cursor={})
    # A unit is lost if it has not succeeded since it was made due.
    lost = states.filter(Q(last_success__isnull=True) | Q(last_success__lt=reset_at))
    forget_request_budgets(settings.REDIS_URL)
    sandbox.configure(latency_ms=300)
    victim = pool[0]
    seen = len(victim.lines)
    dispatch(victim)
    deadline = time.monotonic() + 30
    while not any("run_unit" in line for line in victim.lines[seen:]):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(victim.process.pid, signal.SIGKILL)
    victim.process.wait()
    sandbox.configure(latency_ms=0)
    replacement = Worker(victim.env, victim.queue, name=f"replacement-{os.getpid()}", concurrency=1)
    pool.append(replacement)
    replacement.wait_ready()
    recovered = _beat_until(pool[1], lambda: not lost.exists(), scale.recovery_timeout)
    posts, network_posts, snapshots = duplicates(profile_ids)
    lost_units = lost.count()
    total = posts + network_posts + snapshots + lost_units
    return Result(
        "R6",
        f"duplicate posts, snapshots, lost units after kill -9 of 1 of {scale.workers} workers "
        "0.5 s into a unit (300 ms a call), leases run out, a new worker",
        f"{posts + network_posts}, {snapshots}, {lost_units}",
        f"{states.count()} units{'' if recovered else ', recovery timed out'}",
        float(total),
        "= 0, 0, 0",
        total == 0,
    )


def duplicates(profile_ids):
    posts = (
        Post.objects.filter(profile_id__in=profile_ids)
        .values("profile", "ayrshare_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    network_posts = (
        PlatformPost.objects.filter(profile_id__in=profile_ids)
        .values("profile", "platform", "social_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    snapshots = (
        MetricSnapshot.objects.filter(profile_id__in=profile_ids)
        .values("platform_post", "captured_at")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return posts, network_posts, snapshots


# --- R5: units due one after another ---------------------------------------------------------


def _staggered(scale, pool, profiles):
    ids = [p.pk for p in profiles]
    due = _stagger(ids, scale.stagger_seconds)
    synced = {}
    limit = timedelta(seconds=2 * beat_seconds())
    last_due = max(due.values())
    ends = time.monotonic() + (last_due - timezone.now()).total_seconds() + limit.total_seconds()
    while time.monotonic() < ends + 1:
        dispatch(pool[0])
        next_beat = time.monotonic() + beat_seconds()
        while time.monotonic() < next_beat:
            _note_first_success(ids, due, synced)
            time.sleep(0.2)
    within, total, worst = within_limit(due, synced, limit)
    return Result(
        "R5",
        f"units synced within 2 beats of becoming due ÷ units due ({len(ids)} profiles × "
        f"{len(due) // len(ids)} units due over {scale.stagger_seconds:g} s; beat "
        f"{settings.SYNC_BEAT_SECONDS} s scaled to {beat_seconds()} s)",
        f"{within:,} of {total:,} (worst {_seconds(worst)})",
        f"2 beats = {2 * beat_seconds()} s",
        within / total if total else None,
        ">= 0.99",
        at_least(0.99, within / total if total else None),
    )


def _stagger(profile_ids, seconds):
    """Give the units nextUpdates spread evenly over the next `seconds`; returns {pk: due}."""
    pks = list(SyncState.objects.filter(profile_id__in=profile_ids).values_list("pk", flat=True))
    random.Random(5).shuffle(pks)
    start = timezone.now() + timedelta(seconds=2)
    due = {}
    for n, pk in enumerate(pks):
        due[pk] = start + timedelta(seconds=seconds * n / len(pks))
        SyncState.objects.filter(pk=pk).update(next_update=due[pk])
    return due


def _note_first_success(profile_ids, due, synced):
    rows = SyncState.objects.filter(profile_id__in=profile_ids, last_success__isnull=False)
    for pk, last_success in rows.values_list("pk", "last_success"):
        if pk not in synced and last_success >= due[pk]:
            synced[pk] = last_success


def _seconds(delta):
    return "-" if delta is None else f"{delta.total_seconds():.1f} s"


# --- the figures, from the call log and our rows ---------------------------------------------


def busiest_window(times, window):
    """Most of `times` (seconds, any order) inside any half-open window [t, t + window)."""
    times = sorted(times)
    busiest, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= window:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest


def busiest_per_profile(calls, window):
    """The busiest window of any profile, by arrival time at the sandbox."""
    by_profile = {}
    for call in calls:
        by_profile.setdefault(call["profile"], []).append(call["wall_time"])
    return max((busiest_window(times, window) for times in by_profile.values()), default=0)


def rate_limited(calls):
    """429s answered by the sandbox's own limit (not injected), per profile."""
    return Counter(c["profile"] for c in calls if c["fault"] == "rate_limited")


def retry_ratios(calls):
    """For each answer that carried Retry-After: (the next call - the answer) ÷ Retry-After.

    After a 429 any next call of the profile counts, whatever its endpoint: the limit is the
    profile's. After a 5xx, the next call of the same request (the client's retry, or the
    unit's next run).
    """
    ordered = sorted(calls, key=lambda c: c["wall_time"])
    ratios = []
    for n, call in enumerate(ordered):
        if not call["retry_after"]:
            continue
        if call["status"] == 429:
            later = (c for c in ordered[n + 1 :] if c["profile"] == call["profile"])
        else:
            later = (c for c in ordered[n + 1 :] if _request(c) == _request(call))
        following = next(later, None)
        if following is not None:
            ratios.append((following["wall_time"] - call["wall_time"]) / call["retry_after"])
    return ratios


def failed_calls(calls, gap=RETRY_GAP):
    """Calls that met a 5xx, with their retries: [(call key, attempts, gave up, resource)].

    The client repeats the very same request (method, path, query, body) within seconds; the
    same request coming later again is a new run of its unit, not a retry.
    """
    episodes = []
    open_episodes = {}
    for call in sorted(calls, key=lambda c: c["wall_time"]):
        key = _request(call)
        episode = open_episodes.get(key)
        if episode and call["wall_time"] - episode["last"] < gap:
            episode["attempts"] += 1
        else:
            episode = {"key": key, "attempts": 1, "resource": call["resource"]}
            episodes.append(episode)
        episode["last"] = call["wall_time"]
        episode["failed"] = call["status"] is not None and call["status"] >= 500
        if episode["failed"]:
            open_episodes[key] = episode
        else:
            open_episodes.pop(key, None)
    return [
        (e["key"], e["attempts"], e["failed"], e["resource"])
        for e in episodes
        if e["failed"] or e["attempts"] > 1
    ]


def _request(call):
    """What makes two calls the same request: who, what, and every parameter."""
    return (call["profile"], call["method"], call["path"], repr(call["query"]), repr(call["body"]))


def unit_of(resource):
    """The unit of work that calls a sandbox resource."""
    if resource.startswith("analytics/post:"):
        return "post_analytics"
    if resource.startswith("analytics/post-by-social-id:"):
        return "native_analytics"
    named = {
        "history": "history",
        "analytics/social": "social",
        "analytics/links": "links",
        "links": "links",
        "analytics/youTubePlaylists": "playlists",
        "user": "user",
    }
    if resource in named:
        return named[resource]
    _, _, rest = resource.partition("/")
    if resource.startswith("history/") and rest in sync.HISTORY_PLATFORMS:
        return f"platform:{rest}"
    return "history"  # GET /history/{id}: the history unit re-checking a post


def within_limit(due, synced, limit):
    """(units synced within `limit` of becoming due, units due, the worst lag or None).

    A unit that never synced counts as late.
    """
    lags = [synced[pk] - at for pk, at in due.items() if pk in synced]
    within = sum(1 for lag in lags if lag <= limit)
    worst = max(lags, default=None) if len(lags) == len(due) else None
    return within, len(due), worst


# --- results ---------------------------------------------------------------------------------


def _compressed():
    return (
        f"time ×{TIME_SCALE}: limit {LIMIT} per {WINDOW} s for Ayrshare's {AYRSHARE_LIMIT} per "
        f"{AYRSHARE_WINDOW} s, our budget {budget_requests()} per {WINDOW} + {CONNECT_TIMEOUT} s"
    )


def _r1(calls, scale):
    busiest = busiest_per_profile(calls, WINDOW)
    per_profile = len(calls) / scale.backlog_profiles
    return Result(
        "R1",
        f"most requests in a window for one profile ÷ limit ({scale.backlog_profiles} profiles × "
        f"{per_profile:.0f}-request backlog, {scale.workers} workers; {_compressed()})",
        f"{busiest} in {WINDOW} s",
        f"limit {LIMIT}",
        busiest / LIMIT,
        "<= 0.9",
        at_most(0.9, busiest / LIMIT),
    )


def _r2(steady_calls, backlog_calls, scale):
    per_profile = rate_limited(steady_calls)
    worst = max(per_profile.values(), default=0)
    return Result(
        "R2",
        f"429s per profile in steady state ({scale.steady_seconds * TIME_SCALE / 60:.0f} simulated "
        f"minutes after the backlog; {_compressed()})",
        f"{worst} (of {len(steady_calls):,} calls)",
        f"backlog: {sum(rate_limited(backlog_calls).values())}",
        float(worst),
        "= 0",
        worst == 0,
    )


def _r3(calls, backoffs, sandbox, profiles):
    ratios = retry_ratios(calls)
    episodes = failed_calls(calls)
    most = max((attempts for _, attempts, _, _ in episodes), default=0)
    gave_up = [e for e in episodes if e[2]]
    pk_of = {sandbox.profile_keys.index(p.profile_key): p.pk for p in profiles}
    unrecorded = [e for e in gave_up if (pk_of[e[0][0]], unit_of(e[3])) not in backoffs]
    worst = min(ratios, default=None)
    passed = worst is not None and worst >= 1.0 and most <= MAX_ATTEMPTS and not unrecorded
    met = Counter(c["status"] for c in calls if c["retry_after"])
    return Result(
        "R3",
        f"delay before a retry ÷ Retry-After ({met[429]} injected 429s with Retry-After "
        f"{RETRY_AFTER} s, {met[503]} 503s with 1 s); most attempts of one call, over "
        f"{len(episodes)} calls meeting a 5xx; calls given up without a backoff recorded",
        f"min {worst:.2f}" if worst is not None else "no Retry-After met",
        f"{most} attempts; {len(unrecorded)} of {len(gave_up)} unrecorded",
        worst,
        f">= 1.0; <= {MAX_ATTEMPTS} attempts; 0 unrecorded",
        passed if ratios else None,
    )


def _r4(calls, scale):
    early = [c for c in calls if c["early_any_query"]]
    share = len(early) / len(calls) if calls else None
    # Which resources and when: what a reader of a miss needs first.
    where = ", ".join(
        f"{c['resource']} {c['sandbox_time']}{'' if c['early'] else ' (another query)'}"
        for c in early[:3]
    )
    return Result(
        "R4",
        "requests before the unit's nextUpdate ÷ all requests (steady state after the first "
        "sync, with Refresh now pressed 5 times for every profile)",
        f"{len(early)} of {len(calls):,}" + (f": {where}" if where else ""),
        "-",
        share,
        "= 0",
        None if share is None else not early,
    )
