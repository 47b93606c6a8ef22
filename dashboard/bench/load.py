"""L1 to L3: every page kind under 25 and 50 simulated people while the sync runs beside them.

Production's processes on this machine: gunicorn as the Dockerfile runs it (gthread, two
workers of four threads, DEBUG off), a Celery worker of two processes, beat, PostgreSQL and
Redis; the sandbox answers the sync. locust (headless, `locustfile.py` beside this) plays the
people: each signs in, then opens a page every 1 to 3 seconds. Pages are measured once everyone
has arrived and signed in, for a fixed window; every request's time is recorded, so the
percentiles are exact (locust's own are rounded to two digits).

The workspace is an agency's: seeded history with a year of follower counts, plus profiles that
the sandbox keeps changing (update intervals shrunk a hundredfold), so syncs write posts, rollups
and follower rows while the pages are read. Nobody else should use the machine meanwhile.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import Membership, Profile
from dashboard import sync
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.bench import seed
from dashboard.bench.report import Result, percentile
from dashboard.bench.workers import (
    ROOT,
    Child,
    Web,
    Worker,
    cpu_seconds,
    forget_request_budgets,
    production_env,
)
from dashboard.models import SyncState

PAGE_P95_MS = 1000
# Not bounded: a CSV is a download, and signing in hashes a password on purpose.
SIGN_IN = ("sign-in", "sign-in form")
UNBOUNDED = ("CSV export", *SIGN_IN)
WARMUP_SECONDS = 15
PASSWORD = "load-test-password"  # noqa: S105 - throwaway people of a benchmark workspace
QUEUE = "bench-load"
CLIENT_EVERY = 5  # one person in five is a client who sees two profiles


@dataclass(frozen=True)
class Scale:
    posts: int = 100_000  # seeded history
    profiles: int = 100
    syncing: int = 8  # profiles the sandbox keeps changing
    sandbox_posts: int = 120  # posts per syncing profile
    seconds: int = 120  # measured, per crowd
    crowds: tuple = (25, 50)


FULL = Scale()
QUICK = Scale(posts=20_000, profiles=30, syncing=4, sandbox_posts=40, seconds=30)


def measure(scale=FULL, log=print):
    if not settings.REDIS_URL:
        return [Result("L1", "page p95 under load", "-", "-", None, "", None)]
    started = time.monotonic()

    def say(text):
        log(f"  {time.monotonic() - started:3.0f} s  {text}")

    seeded = seed.seed_workspace("load", scale.posts, scale.profiles)
    people = []
    try:
        seed.seed_followers(seeded)
        # The seeded profiles have no Ayrshare profile behind them: never due.
        SyncState.objects.filter(profile__in=seeded.profiles).update(
            next_update=timezone.now() + timedelta(days=365)
        )
        people = _people(seeded, max(scale.crowds))
        with (
            tempfile.TemporaryDirectory(prefix="bench-load-") as data_dir,
            start_sandbox(
                profiles=scale.syncing,
                posts=scale.sandbox_posts,
                seed=31,
                interval_scale=0.01,
                latency_ms=50,
            ) as sandbox,
        ):
            seeded.profiles += _connect(seeded.workspace, sandbox)
            env = production_env(Path(data_dir), sandbox.url, QUEUE)
            env["SYNC_BEAT_SECONDS"] = "10"
            env["SYNC_HISTORY_INTERVAL"] = "0"  # the sandbox's intervals are compressed
            forget_request_budgets(settings.REDIS_URL)
            with _processes(env, Path(data_dir)) as running:
                say(f"syncing {scale.syncing} sandbox profiles")
                _wait_for_first_sync(seeded.profiles[-scale.syncing :], running)
                say("first sync done; people arrive")
                results = []
                for crowd in scale.crowds:
                    results += _crowd(crowd, scale, seeded, running, Path(data_dir), say)
                return results
    finally:
        get_user_model().objects.filter(pk__in=[p.pk for p in people]).delete()
        seed.drop(seeded)


def _people(seeded, count):
    """`count` members with one password (hashed once: hashing is slow on purpose)."""
    password = make_password(PASSWORD)
    stamp = time.time_ns()
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"load-{stamp}-{n}", password=password) for n in range(count)
    )
    for n, user in enumerate(users):
        client = n % CLIENT_EVERY == CLIENT_EVERY - 1
        role = Membership.Role.CLIENT if client else Membership.Role.ANALYST
        membership = Membership.objects.create(user=user, workspace=seeded.workspace, role=role)
        if client:
            membership.profiles.set(seeded.profiles[n % len(seeded.profiles) :][:2])
    return users


def _connect(workspace, sandbox):
    workspace.api_key = sandbox.api_key
    workspace.save()
    profiles = [
        Profile.objects.create(
            workspace=workspace,
            title=f"Live {entry['title']}",
            profile_key=entry["profileKey"],
            platforms=entry["platforms"],
        )
        for entry in sandbox.keys()["profiles"]
    ]
    sync.ensure_units(profiles)
    return profiles


class _processes:
    """gunicorn, a worker and beat for the duration of a with block."""

    def __init__(self, env, data_dir):
        self.env, self.data_dir, self.children = env, data_dir, []

    def __enter__(self):
        try:
            return self._start_all()
        except BaseException:
            self.__exit__(None, None, None)  # no orphan may go on syncing this database
            raise

    def _start_all(self):
        self.web = Web(self.env)
        self.worker = Worker(self.env, QUEUE, name="load")
        schedule = str(self.data_dir / "beat-schedule")
        beat = Child(
            [sys.executable, "-m", "celery", "-A", "dashboard", "beat", "-s", schedule], self.env
        )
        self.children += [self.web, self.worker, beat]
        self.worker.wait_ready()
        self.web.wait_ready()
        self.url = self.web.url
        # Process groups whose CPU is counted (the sandbox runs in this process).
        self.groups = {"web": self.web.process.pid, "worker": self.worker.process.pid}
        return self

    def logs(self):
        return "".join(child.log()[-2000:] for child in self.children)

    def __exit__(self, *exc):
        for child in self.children:
            child.stop()


def _wait_for_first_sync(profiles, running, timeout=300):
    """Until every unit of these profiles has been tried once (some may fail: that is data)."""
    deadline = time.monotonic() + timeout
    units = SyncState.objects.filter(profile__in=profiles)
    while units.filter(last_attempt__isnull=True).exists():
        if time.monotonic() > deadline:
            left = units.filter(last_attempt__isnull=True).count()
            raise RuntimeError(f"{left} units of the sandbox profiles never ran:\n{running.logs()}")
        time.sleep(1)


def _crowd(size, scale, seeded, running, data_dir, say):
    people = data_dir / "people.json"
    memberships = Membership.objects.filter(workspace=seeded.workspace).exclude(user=seeded.user)
    people.write_text(
        json.dumps(
            {
                "slug": seeded.workspace.slug,
                "password": PASSWORD,
                "people": [
                    {"username": m.user.username, "client": m.role == Membership.Role.CLIENT}
                    for m in memberships.select_related("user").order_by("user_id")[:size]
                ],
            }
        )
    )
    record = data_dir / f"crowd-{size}.json"
    ramp = max(5, size // 5)  # people arriving per second
    # Measured once everyone is in and signed in (a sign-in hashes a password: seconds each
    # while 25 arrive at once), until the end of the run.
    warmup = size // ramp + WARMUP_SECONDS
    command = [
        *(sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("locustfile.py"))),
        *("--headless", "--users", str(size), "--spawn-rate", str(ramp)),
        *("--run-time", f"{warmup + scale.seconds}s", "--stop-timeout", "10", "--only-summary"),
        *("--host", running.url, "--people", str(people), "--record", str(record)),
    ]
    say(f"{size} people for {scale.seconds} s after {warmup} s to arrive")
    started = time.time()
    locust = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    groups = {**running.groups, "locust": locust.pid}
    time.sleep(warmup)
    since, before = timezone.now(), _cpu(groups)
    time.sleep(scale.seconds)
    after = _cpu(groups)
    synced = SyncState.objects.filter(last_success__gt=since).count()
    locust.wait(timeout=120)
    window = (started + warmup, started + warmup + scale.seconds)
    rows = summarise(json.loads(record.read_text()), window)
    cores = {name: (after[name] - before[name]) / scale.seconds for name in before}
    return _results(size, rows, synced, cores, scale.seconds)


def summarise(records, window):
    """{page kind: (requests, errors, p50 ms, p95 ms)} of the requests started in the window;
    sign-ins over the whole run, since they all happen as people arrive."""
    times, errors = {}, {}
    for started, name, ms, failed in records:
        if name in SIGN_IN or window[0] <= started < window[1]:
            times.setdefault(name, []).append(ms)
            errors[name] = errors.get(name, 0) + failed
    return {
        name: (len(values), errors[name], percentile(values, 50), percentile(values, 95))
        for name, values in times.items()
    }


def _results(size, rows, synced, cores, seconds):
    bounded = size == 25
    results = []
    for name, (count, failures, p50, p95) in sorted(rows.items()):
        goal = bounded and name not in UNBOUNDED
        results.append(
            Result(
                "L1" if goal else "L2",
                f"{name}, {size} people: p95 (p50)",
                f"{p95:.0f} ms ({p50:.0f} ms)",
                f"{count} requests, {failures} errors",
                p95,
                f"<= {PAGE_P95_MS} ms, 0 errors" if goal else "reported",
                (p95 <= PAGE_P95_MS and failures == 0) if goal else failures == 0,
            )
        )
    load = ", ".join(f"{name} {value:.2f}" for name, value in cores.items())
    results.append(
        Result(
            "L3",
            f"sync beside {size} people: units synced (cores used: {load})",
            f"{synced} units in {seconds} s",
            "-",
            float(synced),
            "> 0",
            synced > 0,
        )
    )
    return results


def _cpu(groups):
    """CPU seconds so far of each process group, of PostgreSQL and of this process."""
    used = {name: cpu_seconds(group) for name, group in groups.items()}
    return used | {"postgres": cpu_seconds(comm="postgres"), "sandbox": _own_cpu_seconds()}


def _own_cpu_seconds():
    """This process: the sandbox's threads answering the sync, and little else meanwhile."""
    times = os.times()
    return times.user + times.system
