"""C1 to C6: how many profiles one two-core worker machine keeps fresh, in real time.

One run builds a world and syncs it the way production does, with nothing scaled down:

- the sandbox in a process of its own (`manage.py ayrshare_sandbox`), N profiles of six
  networks each, answers taking 300 ms at the median and 2 s at the 99th percentile, Ayrshare's
  limit of 300 requests per 5 minutes per profile;
- a worker machine: one `celery worker -P threads` process per core (a "worker group"), each
  held to its core with `taskset` and with its PostgreSQL connections bounded;
- beat: the dispatcher task every SYNC_BEAT_SECONDS (60 s);
- the backlog (every unit's first sync), then a steady window (15 minutes) that starts no
  sooner than an hour after the backlog began, when the hourly units have come round, and once
  no unit is more than two beats late (or 30 minutes on, reporting how many still are);
- on a PostgreSQL with autovacuum off, autovacuum's work done by the run (_Autovacuum).

Figures come from our SyncState rows, sampled before every beat, and from the sandbox's call
log. What "API calls ÷ due units = 1.00" means: a unit that is due makes one run, and a run that
is not due makes none. A run may make several calls (pages of /history, the deleted-posts check,
re-checks of open posts, one POST /analytics/post per post whose numbers are due): those are the
unit's own work, reported as calls per run beside the ratio. So the ratio counts *runs seen by
Ayrshare* (a profile's calls to one unit's endpoints, less than half a beat apart, are one run)
÷ the successful runs our rows record in the window. Above 1 a unit ran without recording (or
twice); below 1 our rows claim runs Ayrshare never saw.

C5 compares the same run on two groups (cores 0 and 1, N profiles) with one group held to core 0
and N/2 profiles. C3 comes from dashboard/bench/dispatch.py.
"""

import os
import re
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import psutil
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from accounts.models import Membership, Profile, Workspace
from dashboard import sync
from dashboard.bench import dispatch as dispatcher
from dashboard.bench import seed
from dashboard.bench.report import Result, at_least, at_most, percentile
from dashboard.bench.resilience import duplicates, unit_of
from dashboard.bench.workers import (
    SandboxProcess,
    Web,
    Worker,
    cpu_seconds,
    dispatch,
    forget_request_budgets,
    production_env,
    purge,
    sandbox_flags,
)
from dashboard.models import SyncState

GOALS = {
    "C1": "due units synced within 2 beats of becoming due ÷ due units",
    "C2": "CPU of the workers ÷ the machine's cores; RSS at the end ÷ after the backlog",
    "C3": "dispatch time per beat at 130,000 units ÷ at 1,000",
    "C4": "PostgreSQL connections of the workers at peak vs the stated bound",
    "C5": "units synced per minute, two groups (2N profiles) ÷ one group (N)",
    "C6": "page p95 while the sync runs ÷ with the workers idle",
}
NETWORKS = 6
# Filling a profile up to six networks: its own first, then these (the sandbox has posts only
# for the networks a profile started with; one linked later answers with an empty history).
FILL_ORDER = ("facebook", "instagram", "linkedin", "tiktok", "twitter", "youtube", "pinterest")
QUEUE = "bench-capacity"
APPLICATION_NAME = "sync-worker"  # how pg_stat_activity tells the workers' connections apart
CORES = 2
SAMPLE_SECONDS = 5  # between pg_stat_activity samples
SEARCH_START, SEARCH_CEILING = 1_000, 20_000


@dataclass(frozen=True)
class Scale:
    profiles: int = 10_000
    groups: int = 2  # worker processes, one per core
    threads: int = 32  # Celery threads per group
    pool_max_size: int = 8  # DATABASE_POOL_MAX_SIZE per group
    # The workers' CPU priority under the web server's, as docker-compose's cpu_shares give it:
    # a page is waited for, a unit has two beats (C1). The machine's cores do not change hands.
    worker_nice: int = 10
    steady_minutes: float = 15
    beat_seconds: int = 60
    latency_median_ms: int = 300
    latency_p99_ms: int = 2000
    posts: int = 20  # Ayrshare posts per profile
    # Below 1, every nextUpdate comes sooner and /history goes at Ayrshare's own minute, scaled
    # (a test's window of seconds sees units fall due); 1 is production's clock.
    interval_scale: float = 1.0
    backlog_minutes: float = 60  # gives up after
    # The window starts no sooner than this after the backlog began: units with an hourly
    # interval that ran early in the backlog are due again, as they are every hour from then.
    settle_minutes: float = 60
    # Then beats until no unit is more than two beats overdue, C1's own bar, so the window
    # measures keeping up rather than the backlog's tail; at most this long.
    catch_up_minutes: float = 30
    idle_seconds: float = 60  # C6's baseline, after the steady window with the workers stopped
    scale_out: bool = True  # C5's run on one group
    search: bool = False  # the capacity figure (C1-max)
    dispatch_profiles: tuple[int, int] = dispatcher.SIZES  # C3: about 1,000 and 130,000 units
    dispatch_due: int = dispatcher.DUE


FULL = Scale()
# CI's smoke run: six 10-second beats of steady state on a clock ten times as fast, so units
# fall due in a minute; C5's second world would double it. C3 at 13,000 units, not 130,000:
# seeding and dropping those twice is half a minute of CI.
QUICK = Scale(
    profiles=60,
    steady_minutes=1,
    beat_seconds=10,
    interval_scale=0.1,
    backlog_minutes=3,
    settle_minutes=0,  # its intervals are a tenth: every unit comes round within the window
    catch_up_minutes=2,
    idle_seconds=10,
    scale_out=False,
    dispatch_profiles=(77, 1_000),
)


def measure(scale=FULL, log=print):
    if not settings.REDIS_URL:
        return [not_measured(goal, "needs REDIS_URL (workers share Redis)") for goal in GOALS]
    started = time.monotonic()

    def say(text):
        log(f"  {time.monotonic() - started:4.0f} s  {text}")

    supported = sandbox_flags()
    pinned = scale.groups <= CORES and _can_pin()
    cpus = [str(n) for n in range(scale.groups)] if pinned else [None] * scale.groups
    say(f"C1: {scale.profiles:,} profiles, {scale.groups} groups")
    both = _run(scale, scale.profiles, cpus, supported, say, pages=True)
    results = [_c1(both, scale), _c2(both, scale), *_c3(scale, log), _c4(both, scale)]
    if scale.scale_out and pinned:
        say(f"C5: {scale.profiles // 2:,} profiles, 1 group on core 0")
        one = _run(scale, scale.profiles // 2, ["0"], supported, say)
        results.append(_c5(one, both))
    else:
        reason = "off in this run" if not scale.scale_out else "needs taskset and 2 cores"
        results.append(not_measured("C5", reason))
    results.append(_c6(both))
    if scale.search:
        results.append(_search(scale, cpus, supported, say))
    return results


def not_measured(goal, reason):
    return Result(goal, GOALS.get(goal, goal), "-", "-", None, reason, None)


def _can_pin():
    return os.cpu_count() >= CORES and Path("/usr/bin/taskset").exists()


# --- one run: a world, the worker machine, beats ---------------------------------------------


@dataclass
class _Figures:
    """What one run measured."""

    profiles: int
    units: int = 0
    groups: int = 0
    sandbox_note: str = ""
    networks_linked: int = 0  # networks the sandbox had no posts for
    backlog_seconds: float = 0.0
    backlog_calls: int = 0
    backlog_done: bool = False
    catch_up_seconds: float = 0.0
    overdue_at_start: int = 0  # units over two beats late as the window began
    never_succeeded: int = 0
    window: tuple = ()  # (start, end) datetimes of the steady window
    history: dict = field(default_factory=dict)  # pk -> observed SyncState values
    calls: list = field(default_factory=list)  # the sandbox's calls in the steady window
    cpu: dict = field(default_factory=dict)  # name -> CPU seconds in the window
    rss: tuple = (0, 0)  # bytes after the backlog, at the end
    connections: list = field(default_factory=list)  # workers' connections per sample
    pages: dict = field(default_factory=dict)  # (phase, page) -> [ms]
    duplicates: tuple = (0, 0, 0)


def _run(scale, profiles, cpus, supported, say, pages=False):
    """Sync `profiles` sandbox profiles on one worker group per entry of `cpus` (a core, or
    None for any); returns its _Figures. Leaves nothing behind in the database."""
    forget_request_budgets(settings.REDIS_URL)
    purge(QUEUE)
    flags, note = _sandbox_flags(scale, profiles, supported)
    figures = _Figures(profiles=profiles, groups=len(cpus), sandbox_note=note)
    children, seeded = [], None
    with tempfile.TemporaryDirectory(prefix="bench-capacity-") as data_dir:
        try:
            sandbox = SandboxProcess(flags)
            children.append(sandbox)
            sandbox.wait_ready()
            say(f"sandbox ready: {profiles:,} profiles")
            seeded = _world(sandbox, figures)
            say(
                f"world: {figures.units:,} units, {figures.networks_linked:,} networks linked "
                f"without posts; {note}"
            )
            # DEBUG off as deployed (DEBUG keeps every query in memory: C2's RSS would grow).
            env = production_env(Path(data_dir), sandbox.url, QUEUE)
            env["SYNC_BEAT_SECONDS"] = str(scale.beat_seconds)
            if scale.interval_scale == 1:
                env.pop("SYNC_HISTORY_INTERVAL", None)  # production's floor, as deployed
            else:
                env["SYNC_HISTORY_INTERVAL"] = "0"  # /history at the sandbox's scaled minute
            web = None
            if pages:  # first: gunicorn's first answers are slow beside starting workers
                web = Web(env)
                children.append(web)
                # a cold first page can take over the usual 5 s on a busy machine
                web.wait_ready(timeout=120, request_timeout=60)
            workers = _workers(scale, cpus, env)
            children += workers
            for worker in workers:
                worker.wait_ready()
            beats = _Beats(scale, workers, sandbox, figures)
            upkeep = _Autovacuum()
            if upkeep.needed:
                say("this PostgreSQL has autovacuum off: the run does its work (VACUUM ANALYZE)")
                upkeep.start()
                children.append(upkeep)
            say("backlog…")
            beats.backlog(seeded)
            say(
                f"backlog: {figures.backlog_seconds:.0f} s, {figures.backlog_calls:,} calls, "
                f"{figures.never_succeeded} units never succeeded"
            )
            settle = scale.settle_minutes * 60 - figures.backlog_seconds
            if settle > 0:
                say(f"{settle:.0f} s more before the window, for the hourly units to come round")
                beats.settle(settle)
            beats.catch_up(scale.catch_up_minutes * 60)
            say(
                f"caught up for {figures.catch_up_seconds:.0f} s: "
                f"{figures.overdue_at_start:,} units more than two beats late"
            )
            say(f"steady window: {scale.steady_minutes:g} minutes")
            reader = _PageReader(web.url, seeded, "busy", figures) if web else None
            if reader:
                reader.start()
            try:
                beats.steady(sandbox, workers)
            finally:
                if reader:
                    reader.stop.set()
                    reader.join()
            figures.duplicates = duplicates([p.pk for p in seeded.profiles])
            if web:
                # The same data with nothing syncing: the workers stop, the pages stay.
                for worker in workers:
                    worker.stop()
                say(f"pages with the workers stopped for {scale.idle_seconds:g} s")
                _load_pages(web.url, seeded, "idle", scale.idle_seconds, figures)
            return figures
        finally:
            for child in reversed(children):
                child.stop()
            purge(QUEUE)
            if seeded is not None:
                seed.drop(seeded)


def _sandbox_flags(scale, profiles, supported):
    """The sandbox's command line, and what it could not be given (an older sandbox)."""
    flags = ["--profiles", str(profiles), "--posts", str(scale.posts), "--seed", "41"]
    if "--latency-median-ms" in supported:
        flags += ["--latency-median-ms", str(scale.latency_median_ms)]
        flags += ["--latency-p99-ms", str(scale.latency_p99_ms)]
        note = f"latency {scale.latency_median_ms} ms median, {scale.latency_p99_ms} ms p99"
    else:
        flags += ["--latency-ms", str(scale.latency_median_ms)]
        note = f"latency {scale.latency_median_ms} ms on every call (no p99 flag in this sandbox)"
    if "--call-log-size" in supported:
        flags += ["--call-log-size", "1000000"]
    if scale.interval_scale != 1:
        flags += ["--interval-scale", str(scale.interval_scale)]
        note += f", intervals × {scale.interval_scale:g}"
    return flags, note


def six_networks(platforms):
    """The six networks a profile gets: its own (in FILL_ORDER's order), filled up from it."""
    own = [p for p in FILL_ORDER if p in platforms]
    others = [p for p in FILL_ORDER if p not in platforms]
    return sorted((own + others)[:NETWORKS])


def _world(sandbox, figures):
    """A workspace with every sandbox profile, six networks each, and their units."""
    keys = sandbox.control("GET", "/keys")
    stamp = time.time_ns()
    workspace = Workspace.objects.create(
        name="Benchmark capacity",
        slug=f"{seed.SLUG_PREFIX}capacity-{stamp}",
        api_key=keys["apiKey"],
    )
    user = get_user_model().objects.create_user(
        username=f"{seed.SLUG_PREFIX}capacity-{stamp}", password=_PASSWORD
    )
    Membership.objects.create(user=user, workspace=workspace, role=Membership.Role.OWNER)
    rows, changes = [], []
    for entry in keys["profiles"]:
        networks = six_networks(entry["platforms"])
        for platform in set(entry["platforms"]) - set(networks):
            changes.append((f"/profiles/{entry['index']}/unlink", {"platform": platform}))
        for platform in set(networks) - set(entry["platforms"]):
            changes.append((f"/profiles/{entry['index']}/link", {"platform": platform}))
            figures.networks_linked += 1
        rows.append(
            Profile(
                workspace=workspace,
                title=entry["title"],
                profile_key=entry["profileKey"],
                ref_id=entry["refId"],
                platforms=networks,
            )
        )
    # In parallel: each control call waits some 40 ms on the loopback (a delayed ACK).
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda change: sandbox.control("POST", *change), changes))
    profiles = Profile.objects.bulk_create(rows, batch_size=1000)
    sync.ensure_units()
    figures.units = SyncState.objects.filter(profile__workspace=workspace).count()
    return seed.Seeded(workspace, user, profiles, 0, 0.0)


_PASSWORD = "capacity-bench-password"  # noqa: S105 - a throwaway benchmark user


def _workers(scale, cpus, env):
    env = {
        **env,
        "CELERY_QUEUE": QUEUE,
        "DATABASE_URL": f"{env['DATABASE_URL']}?application_name={APPLICATION_NAME}",
        "DATABASE_POOL_MAX_SIZE": str(scale.pool_max_size),
    }
    return [
        Worker(
            env,
            QUEUE,
            name=f"capacity{n}-{os.getpid()}",
            concurrency=scale.threads,
            pool="threads",
            cpus=cpu,
            nice=scale.worker_nice,
        )
        for n, cpu in enumerate(cpus)
    ]


class _Beats:
    """Beat's part: the dispatcher every beat, with our samples taken between beats."""

    def __init__(self, scale, workers, sandbox, figures):
        self.scale, self.workers, self.sandbox, self.figures = scale, workers, sandbox, figures
        self.ids = None
        self.next_call = 0
        self.calls = []

    def backlog(self, seeded):
        self.ids = [p.pk for p in seeded.profiles]
        started = time.monotonic()
        units = SyncState.objects.filter(profile_id__in=self.ids)
        self.figures.backlog_done = self._every_beat(
            self.scale.backlog_minutes * 60,
            lambda: not units.filter(last_success__isnull=True).exists(),
        )
        self.figures.backlog_seconds = time.monotonic() - started
        self.figures.never_succeeded = units.filter(last_success__isnull=True).count()
        self.figures.backlog_calls = len(self.calls)
        self.calls = []

    def settle(self, seconds):
        self._every_beat(seconds)
        self.calls = []

    def catch_up(self, seconds):
        started = time.monotonic()
        self._every_beat(seconds, lambda: self._overdue() == 0)
        self.figures.catch_up_seconds = time.monotonic() - started
        self.figures.overdue_at_start = self._overdue()
        self.calls = []

    def _overdue(self):
        now = timezone.now()
        late = now - timedelta(seconds=2 * self.scale.beat_seconds)
        units = SyncState.objects.filter(profile_id__in=self.ids, next_update__lt=late)
        return units.exclude(backoff_until__gt=now).count()  # backing off is not falling behind

    def steady(self, sandbox, workers):
        groups = {f"group {n}": w.process.pid for n, w in enumerate(workers)}
        groups["sandbox"] = sandbox.process.pid
        before = {name: cpu_seconds(group=pid) for name, pid in groups.items()}
        before["postgres"] = cpu_seconds(comm="postgres")
        rss_after_backlog = _rss(workers)
        start = timezone.now()
        self._every_beat(self.scale.steady_minutes * 60, sample=True)
        self._sample_units()
        self._read_calls()
        end = timezone.now()
        after = {name: cpu_seconds(group=pid) for name, pid in groups.items()}
        after["postgres"] = cpu_seconds(comm="postgres")
        self.figures.cpu = {name: after[name] - before[name] for name in before}
        self.figures.rss = (rss_after_backlog, _rss(workers))
        self.figures.window = (start, end)
        self.figures.calls = [c for c in self.calls if start.timestamp() <= c["wall_time"]]

    def _every_beat(self, seconds, done=None, sample=False):
        """Dispatch every beat for `seconds` or until done(); True when done."""
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            if sample:
                self._sample_units()
            dispatch(self.workers[0])
            next_beat = min(time.monotonic() + self.scale.beat_seconds, ends)
            while time.monotonic() < next_beat:
                self.figures.connections.append(_worker_connections())
                if done and done():
                    self._read_calls()
                    return True
                time.sleep(max(0, min(SAMPLE_SECONDS, next_beat - time.monotonic())))
            self._read_calls()
        return bool(done and done())

    def _sample_units(self):
        rows = SyncState.objects.filter(profile_id__in=self.ids).values_list(
            "pk", "next_update", "last_success"
        )
        fold(self.figures.history, rows.iterator(chunk_size=5000))

    def _read_calls(self):
        for call in self.sandbox.control("GET", "/calls", since=self.next_call):
            self.next_call = call["index"] + 1
            if call["profile"] is not None:
                keep = ("profile", "wall_time", "resource", "status", "early", "fault")
                self.calls.append({name: call[name] for name in keep})


class _Autovacuum(threading.Thread):
    """What autovacuum does in production, on a PostgreSQL that has it off (CI's may): a
    VACUUM ANALYZE at the start and every few minutes. Without it the planner keeps the
    statistics of the empty tables the run began with, and every UPDATE of a unit's row leaves
    a dead one behind, so the run would measure a database no one runs."""

    EVERY = 300  # seconds; autovacuum's own naptime is one minute, per database

    def __init__(self):
        super().__init__(daemon=True)
        self.halt = threading.Event()
        self.needed = False
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW autovacuum")
                self.needed = cursor.fetchone()[0] == "off"

    def run(self):
        try:
            while True:
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM (ANALYZE)")
                if self.halt.wait(self.EVERY):
                    return
        finally:
            connection.close()

    def stop(self):
        self.halt.set()
        self.join()


def _worker_connections():
    with connection.cursor() as cursor:
        cursor.execute(
            # Client backends only: a parallel query's helper processes carry their leader's
            # application_name but are no connection (they count against
            # max_worker_processes, not max_connections).
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND datname = current_database() AND backend_type = 'client backend'",
            [APPLICATION_NAME],
        )
        return cursor.fetchone()[0]


def _rss(workers):
    """Resident memory of the worker processes and their children, in bytes."""
    total = 0
    for worker in workers:
        process = psutil.Process(worker.process.pid)
        for each in [process, *process.children(recursive=True)]:
            try:
                total += each.memory_info().rss
            except psutil.NoSuchProcess:
                continue
    return total


# --- C6: pages read while the sync runs --------------------------------------------------------

PAGES = (("overview", ""), ("posts", "posts/"))


def _session(url, seeded):
    session = requests.Session()
    form = session.get(f"{url}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    session.post(
        f"{url}/accounts/login/",
        {"username": seeded.user.username, "password": _PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": form.url},
        timeout=30,
    ).raise_for_status()
    return session


def _load_pages(url, seeded, phase, seconds, figures, stop=None):
    """Each page about once a second for `seconds` (or until `stop` is set)."""
    session = _session(url, seeded)
    base = f"{url}/w/{seeded.workspace.slug}/"
    ends = time.monotonic() + seconds
    while time.monotonic() < ends and not (stop and stop.is_set()):
        began = time.monotonic()
        for name, path in PAGES:
            sent = time.perf_counter()
            response = session.get(base + path, timeout=60)
            elapsed = (time.perf_counter() - sent) * 1000
            key = (phase, name if response.ok else f"{name} errors")
            figures.pages.setdefault(key, []).append(elapsed)
        time.sleep(max(0, 1 - (time.monotonic() - began)))


class _PageReader(threading.Thread):
    def __init__(self, url, seeded, phase, figures):
        super().__init__(daemon=True)
        self.args = (url, seeded, phase, float("inf"), figures)
        self.stop = threading.Event()

    def run(self):
        _load_pages(*self.args, stop=self.stop)


# --- the figures -------------------------------------------------------------------------------


def fold(history, rows):
    """Add one sample of (pk, next_update, last_success) rows to `history`
    ({pk: [(next_update, last_success), ...]}), keeping only values that changed."""
    for pk, next_update, last_success in rows:
        seen = history.setdefault(pk, [])
        if not seen or seen[-1] != (next_update, last_success):
            seen.append((next_update, last_success))


def due_instances(history, start, end):
    """[(pk, due at, served at or None)] of the moments units became due inside [start, end].

    Each nextUpdate a unit was seen with is one due instance; the run that served it is the
    first success at or after it (a run records its start as last_success).
    """
    instances = []
    for pk, seen in history.items():
        successes = sorted({success for _, success in seen if success is not None})
        for due in sorted({next_update for next_update, _ in seen if next_update is not None}):
            if start <= due <= end:
                served = next((s for s in successes if s >= due), None)
                instances.append((pk, due, served))
    return instances


def within(instances, limit, end):
    """(instances served within `limit` of becoming due, instances counted, the worst lag).

    One not served by `end` is late if its limit ran out by then, and not counted if not yet.
    """
    counted, on_time, worst = 0, 0, timedelta(0)
    for _, due, served in instances:
        if served is None and due + limit > end:
            continue
        counted += 1
        lag = (served or end) - due
        worst = max(worst, lag)
        on_time += served is not None and lag <= limit
    return on_time, counted, worst


def runs_recorded(history, start, end):
    """Successful runs whose start lies in [start, end], by our rows."""
    return sum(
        1
        for seen in history.values()
        for success in {s for _, s in seen if s is not None}
        if start <= success <= end
    )


def runs_before_due(history):
    """Runs that started before the nextUpdate the unit's previous run had set: a due instance
    served twice, or a unit run when it was not due."""
    count = 0
    for seen in history.values():
        for (due, success), (_, later) in zip(seen, seen[1:], strict=False):
            if later is not None and later != success and due is not None and later < due:
                count += 1
    return count


def call_runs(calls, gap):
    """Runs seen by Ayrshare: {unit kind: (runs, calls)}. A profile's calls to one unit's
    endpoints less than `gap` seconds apart belong to one run."""
    last, runs, counted = {}, Counter(), Counter()
    for call in sorted(calls, key=lambda c: c["wall_time"]):
        unit = unit_of(call["resource"] or "")
        kind = unit.partition(":")[0]
        key = (call["profile"], unit)
        if key not in last or call["wall_time"] - last[key] >= gap:
            runs[kind] += 1
        last[key] = call["wall_time"]
        counted[kind] += 1
    return {kind: (runs[kind], counted[kind]) for kind in counted}


def connection_bound(groups, pool_max_size):
    """The most PostgreSQL connections a worker machine of `groups` processes may hold: every
    Django connection of a process comes from its pool, the main thread's lease check at start
    too (celery.py gives it back). The README states the same number."""
    return groups * pool_max_size


def search(holds, start=SEARCH_START, ceiling=SEARCH_CEILING):
    """The largest size, from `start` up to `ceiling`, for which holds(size) is true (None if
    none), and the sizes tried in order: doubling to 8,000, then 10,000 and every 2,000 after;
    at the first size that fails, once more halfway back to the last that held."""
    sizes = [start]
    while sizes[-1] < ceiling:
        following = sizes[-1] * 2 if sizes[-1] * 2 <= 8 * start else sizes[-1] + 2 * start
        sizes.append(min(following, ceiling))
    best, tried = None, []
    for size in sizes:
        tried.append(size)
        if holds(size):
            best = size
            continue
        halfway = ((best or 0) + size) // 2
        if halfway > (best or 0):
            tried.append(halfway)
            if holds(halfway):
                best = halfway
        break
    return best, tried


# --- results -------------------------------------------------------------------------------------


def _lags(figures, scale):
    start, end = figures.window
    limit = timedelta(seconds=2 * scale.beat_seconds)
    return within(due_instances(figures.history, start, end), limit, end)


def _minutes(figures):
    start, end = figures.window
    return (end - start).total_seconds() / 60


def _c1(figures, scale):
    on_time, counted, worst = _lags(figures, scale)
    start, end = figures.window
    runs = runs_recorded(figures.history, start, end)
    seen = call_runs(figures.calls, scale.beat_seconds / 2)
    api_runs = sum(r for r, _ in seen.values())
    per_run = ", ".join(f"{kind} {c / r:.1f}" for kind, (r, c) in sorted(seen.items()))
    early = sum(1 for c in figures.calls if c["early"])
    too_many = sum(1 for c in figures.calls if c["status"] == 429)
    share = on_time / counted if counted else None
    calls_per_due = api_runs / runs if runs else None
    holds = (
        share is not None
        and share >= 0.99
        and calls_per_due is not None
        and 0.98 <= calls_per_due <= 1.02
        and early == 0
        and too_many == 0
    )
    return Result(
        "C1",
        f"{GOALS['C1']} ({figures.profiles:,} profiles of {NETWORKS} networks "
        f"({figures.networks_linked:,} of them linked without posts), {figures.units:,} units, "
        f"{figures.groups} groups, {_minutes(figures):.1f}-minute steady window from "
        f"{_window_start(figures, scale) / 60:.0f} minutes after the backlog began, "
        f"{figures.overdue_at_start:,} units over two beats late at its start, beat "
        f"{scale.beat_seconds} s; {figures.sandbox_note}); runs Ayrshare saw ÷ runs recorded "
        f"(calls per run: {per_run or '-'}); calls before nextUpdate; 429s. Backlog "
        f"{figures.backlog_seconds:.0f} s{'' if figures.backlog_done else ' (timed out)'}, "
        f"{figures.backlog_calls:,} calls, "
        f"{figures.backlog_calls / max(figures.backlog_seconds, 1):.1f} calls/s",
        f"{on_time:,} of {counted:,} (worst {worst.total_seconds():.0f} s); "
        f"{api_runs:,} ÷ {runs:,}; {early}; {too_many}",
        f"2 beats = {2 * scale.beat_seconds} s",
        share,
        ">= 0.99; 0.98-1.02; 0; 0",
        holds if counted else None,
    )


def _window_start(figures, scale):
    """Seconds from the backlog's start to the window's."""
    return max(figures.backlog_seconds, scale.settle_minutes * 60) + figures.catch_up_seconds


def _c2(figures, scale):
    seconds = _minutes(figures) * 60
    workers = sum(v for k, v in figures.cpu.items() if k.startswith("group"))
    share = workers / (seconds * CORES) if seconds else None
    growth = figures.rss[1] / figures.rss[0] if figures.rss[0] else None
    beside = ", ".join(
        f"{name} {figures.cpu.get(name, 0) / seconds:.2f} cores" for name in ("sandbox", "postgres")
    )
    return Result(
        "C2",
        f"CPU of the {figures.groups} worker groups ÷ ({seconds:.0f} s × {CORES} cores); RSS at "
        f"the end ÷ after the backlog ({beside})",
        f"{share:.0%} CPU; {figures.rss[1] / 2**20:.0f} MB ÷ {figures.rss[0] / 2**20:.0f} MB",
        "-",
        share,
        "<= 0.80; <= 1.1",
        None if share is None or growth is None else share <= 0.8 and growth <= 1.1,
    )


def _c3(scale, log):
    """The dispatcher's own benchmark (dispatch.py): it needs no sandbox and no worker."""
    return list(dispatcher.measure(log=log, sizes=scale.dispatch_profiles, due=scale.dispatch_due))


def _c4(figures, scale):
    peak = max(figures.connections, default=None)
    bound = connection_bound(figures.groups, scale.pool_max_size)
    return Result(
        "C4",
        f"{GOALS['C4']}: {figures.groups} groups × DATABASE_POOL_MAX_SIZE {scale.pool_max_size}"
        f"; pg_stat_activity every {SAMPLE_SECONDS} s, "
        f"application_name {APPLICATION_NAME} ({len(figures.connections)} samples)",
        "-" if peak is None else str(peak),
        f"bound {bound}",
        None if peak is None else peak / bound,
        "<= 1",
        at_most(bound, peak),
    )


def _c5(one, both):
    rate_one = runs_recorded(one.history, *one.window) / _minutes(one)
    rate_both = runs_recorded(both.history, *both.window) / _minutes(both)
    ratio = rate_both / rate_one if rate_one else None
    twice = runs_before_due(one.history) + runs_before_due(both.history)
    duplicates = sum(one.duplicates) + sum(both.duplicates)

    def cores(figures):
        seconds = _minutes(figures) * 60
        return "/".join(f"{figures.cpu.get(n, 0) / seconds:.2f}" for n in ("sandbox", "postgres"))

    return Result(
        "C5",
        f"{GOALS['C5']}, groups held to their cores by taskset; units run before due; duplicate "
        f"posts, network posts, snapshots (sandbox/PostgreSQL cores: one {cores(one)}, two "
        f"{cores(both)})",
        f"{rate_both:,.0f} ÷ {rate_one:,.0f} per minute; {twice}; {duplicates}",
        f"{one.profiles:,} vs {both.profiles:,} profiles",
        ratio,
        ">= 1.7; 0; 0",
        None if ratio is None else ratio >= 1.7 and twice == 0 and duplicates == 0,
    )


def _c6(figures):
    texts, ratios = [], []
    for page, _ in PAGES:
        idle, busy = figures.pages.get(("idle", page)), figures.pages.get(("busy", page))
        if not idle or not busy:
            continue
        idle_p95, busy_p95 = percentile(idle, 95), percentile(busy, 95)
        ratios.append(busy_p95 / idle_p95)
        texts.append(f"{page} {busy_p95:.0f} ÷ {idle_p95:.0f} ms ({len(busy)} requests)")
    errors = sum(len(v) for (_, name), v in figures.pages.items() if name.endswith("errors"))
    worst = max(ratios, default=None)
    return Result(
        "C6",
        f"{GOALS['C6']}: overview and posts page about once a second each, idle measured "
        "on the same data after the window, the workers stopped; the worse of the two",
        "; ".join(texts) or "-",
        f"{errors} errors",
        worst,
        "<= 2, 0 errors",
        None if worst is None else worst <= 2 and errors == 0,
    )


def _search(scale, cpus, supported, say):
    def holds(size):
        say(f"C1-max: {size:,} profiles")
        figures = _run(scale, size, cpus, supported, say)
        return _c1(figures, scale).passed is True

    best, tried = search(holds)
    return Result(
        "C1-max",
        f"the most profiles for which C1 holds ({scale.groups} groups, "
        f"{scale.steady_minutes:g}-minute windows)",
        "-" if best is None else f"{best:,} profiles",
        "tried " + ", ".join(f"{n:,}" for n in tried),
        None if best is None else float(best),
        ">= 10,000",
        at_least(10_000, best),
    )
