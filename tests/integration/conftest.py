"""Real parts: the sandbox over HTTP, a Celery worker process on Redis, the test database.

The worker is a separate `celery worker` process pointed at this test's database, a queue of its
own (so parallel test processes never take each other's tasks) and the sandbox's URL. Tests drive
it the way beat does: by sending the dispatcher task, then waiting until nothing is due or leased.
"""

import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from dashboard import sync
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.models import SyncState
from dashboard.tasks import dispatch_due_units
from tests.accounts.factories import WorkspaceFactory
from tests.dashboard.factories import sandbox_profiles

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


class Worker:
    """A `celery worker` child process and everything it logged."""

    def __init__(self, env, queue):
        self.queue = queue
        self.lines = []
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "dashboard",
                "worker",
                "-Q",
                queue,
                "-n",
                f"{queue}@%h",
                "-c",
                "2",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, so a test can kill -9 all of it
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(" ready." in line for line in self.lines):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError("the Celery worker did not start:\n" + "".join(self.lines[-40:]))

    def log(self):
        return "".join(self.lines)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _marker_kwargs(request, name):
    marker = request.node.get_closest_marker(name)
    return marker.kwargs if marker else {}


@pytest.fixture
def sandbox(request):
    # Real time (speed 1) with update intervals scaled down, so nextUpdate values come every few
    # seconds of wall-clock time, the same clock the dashboard reads.
    knobs = {"profiles": 3, "posts": 40, "seed": 11, "interval_scale": 0.004}
    knobs.update(_marker_kwargs(request, "sandbox"))
    with start_sandbox(**knobs) as sb:
        yield sb


@pytest.fixture
def worker_env(request, transactional_db, sandbox, tmp_path):
    queue = f"it-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "CELERY_QUEUE": queue,
        "AYRSHARE_API_URL": sandbox.url,
        "DATA_DIR": str(tmp_path),
        "SYNC_BEAT_SECONDS": "1",
        "SYNC_LEASE_SECONDS": "10",
        "AYRSHARE_READ_TIMEOUT": "2",
        "DEBUG": "True",
    }
    env.update(_marker_kwargs(request, "worker_env"))
    _forget_request_budgets()
    return env


def _forget_request_budgets():
    # Profile ids repeat between runs on a fresh test database; the budget in Redis is keyed by
    # database name and profile id, so an earlier run's spending would count against this one.
    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    database = connection.settings_dict["NAME"]
    for key in client.scan_iter(f"ayrshare-budget-{database}-*"):
        client.delete(key)


@pytest.fixture
def worker(worker_env, settings):
    settings.AYRSHARE_API_URL = worker_env["AYRSHARE_API_URL"]
    w = Worker(worker_env, worker_env["CELERY_QUEUE"])
    try:
        w.wait_ready()
        yield w
    finally:
        w.stop()


@pytest.fixture
def agency(transactional_db, sandbox):
    """A workspace with one Profile per sandbox profile, keys and networks as the sandbox says."""
    keys = sandbox.keys()
    workspace = WorkspaceFactory(api_key=keys["apiKey"])
    sandbox_profiles(workspace, keys)
    sync.ensure_units()
    return workspace


def dispatch(worker):
    """What beat does every interval: send the dispatcher task to the worker's queue."""
    dispatch_due_units.apply_async(queue=worker.queue)


def run_cycle(worker, timeout=120):
    """One beat: dispatch, then wait until every unit due at that moment has run (or paused).

    Returns the ids of the units that were due.
    """
    started = timezone.now()
    due = set(sync.due_states(started).values_list("pk", flat=True))
    dispatch(worker)
    deadline = time.monotonic() + timeout
    next_beat = time.monotonic() + 2
    while time.monotonic() < deadline:
        if time.monotonic() > next_beat:  # like beat: units paused briefly are picked up again
            dispatch(worker)
            next_beat = time.monotonic() + 2
        # Still due now and not tried since the dispatch (paused and backing-off units are not).
        pending = (
            sync.due_states()
            .filter(pk__in=due)
            .filter(Q(last_attempt__isnull=True) | Q(last_attempt__lt=started))
            .exists()
        )
        leased = SyncState.objects.filter(lease_until__gt=timezone.now()).exists()
        if not pending and not leased:
            return due
        time.sleep(0.1)
    log = worker.log()[-3000:]
    raise AssertionError(f"units due at dispatch had not run after the timeout:\n{log}")


def wait_until_idle(timeout=30):
    deadline = time.monotonic() + timeout
    while SyncState.objects.filter(lease_until__gt=timezone.now()).exists():
        assert time.monotonic() < deadline, "units still running"
        time.sleep(0.1)


def wait_until_due(limit=timedelta(seconds=60)):
    """Sleep until the earliest unit becomes due again (the sandbox's next update)."""
    now = timezone.now()
    soonest = min(
        max(filter(None, (s.next_update, s.backoff_until)), default=now)
        for s in SyncState.objects.all()
    )
    delay = (soonest - timezone.now()).total_seconds()
    assert delay < limit.total_seconds(), f"nothing due for {delay:.0f}s"
    time.sleep(max(delay, 0) + 0.2)
