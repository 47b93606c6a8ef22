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
from django.db import connection
from django.utils import timezone

from accounts.models import Profile
from dashboard import sync
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.models import SyncState
from dashboard.tasks import dispatch_due_units
from tests.accounts.factories import WorkspaceFactory

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


@pytest.fixture
def sandbox():
    # Real time (speed 1) with update intervals scaled down, so nextUpdate values come every few
    # seconds of wall-clock time, the same clock the dashboard reads.
    with start_sandbox(profiles=3, posts=40, seed=11, interval_scale=0.004) as sb:
        yield sb


@pytest.fixture
def worker_env(transactional_db, sandbox, tmp_path):
    queue = f"it-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "CELERY_QUEUE": queue,
        "AYRSHARE_API_URL": sandbox.url,
        "DATA_DIR": str(tmp_path),
        "SYNC_BEAT_SECONDS": "1",
        "SYNC_LEASE_SECONDS": "20",
        "DEBUG": "True",
    }
    return env


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
def agency(sandbox):
    """A workspace with one Profile per sandbox profile, keys and networks as the sandbox says."""
    keys = sandbox.keys()
    workspace = WorkspaceFactory(api_key=keys["apiKey"])
    for entry in keys["profiles"]:
        Profile.objects.create(
            workspace=workspace,
            title=entry["title"],
            profile_key=entry["profileKey"],
            ref_id=entry["refId"],
            platforms=entry["platforms"],
        )
    sync.ensure_units()
    return workspace


def dispatch(worker):
    """What beat does every interval: send the dispatcher task to the worker's queue."""
    dispatch_due_units.apply_async(queue=worker.queue)


def wait_quiet(timeout=120):
    """Until no unit is leased and none is due (everything due has run, failed or paused)."""
    deadline = time.monotonic() + timeout
    quiet_polls = 0
    while time.monotonic() < deadline:
        busy = SyncState.objects.filter(lease_until__gt=timezone.now()).exists()
        due = sync.due_states().exists()
        quiet_polls = quiet_polls + 1 if not (busy or due) else 0
        if quiet_polls >= 3:
            return
        time.sleep(0.2)
    raise AssertionError("units were still running or due after the timeout")


def run_cycle(worker, timeout=120):
    dispatch(worker)
    wait_quiet(timeout)


def wait_until_due(limit=timedelta(seconds=60)):
    """Sleep until the earliest unit becomes due again (the sandbox's next update)."""
    soonest = SyncState.objects.order_by("next_update").values_list("next_update", flat=True)[0]
    delay = (soonest - timezone.now()).total_seconds()
    assert delay < limit.total_seconds(), f"nothing due for {delay:.0f}s"
    time.sleep(max(delay, 0) + 0.2)
