"""Real processes for the benchmark and the integration tests: Celery workers driven the way
beat drives them, and the web server as the image runs it.

A worker is a separate `celery worker` process pointed at a database, a queue and the sandbox's
URL through its environment. The helpers send the dispatcher task the way beat does and wait on
the database until the units due at that moment have run.
"""

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import redis
import requests
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from dashboard import sync
from dashboard.celery import app
from dashboard.models import SyncState
from dashboard.tasks import dispatch_due_units

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    """This process's database as a DATABASE_URL, for a worker to use the same one."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def worker_env(queue, sandbox_url, data_dir, **overrides):
    """The environment of a worker on this database and Redis, reading `queue`."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": os.environ["REDIS_URL"],
        "CELERY_QUEUE": queue,
        "AYRSHARE_API_URL": sandbox_url,
        "DATA_DIR": str(data_dir),
        "DEBUG": "True",
    }
    env.update({name: str(value) for name, value in overrides.items()})
    return env


def forget_request_budgets(redis_url):
    """Drop this database's request budgets from Redis.

    Profile ids repeat between runs on a fresh database; the budget in Redis is keyed by
    database name and profile id, so an earlier run's spending would count against this one.
    """
    client = redis.Redis.from_url(redis_url)
    database = Path(str(connection.settings_dict["NAME"])).name
    for key in client.scan_iter(f"ayrshare-budget-{database}-*"):
        client.delete(key)


class Child:
    """A child process in a process group of its own (so kill -9 can take all of it), and
    everything it printed."""

    def __init__(self, command, env):
        self.env = env
        self.lines = []
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

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


def lower_autogroup(pid, nice):
    """Give the session `pid` leads the same nice. Where the kernel groups processes by session
    (autogroup), a nice counts only inside its session, and a Child leads a session of its own:
    without this the worker would still weigh as much as the web server."""
    # No autogroup (a kernel without it, or no /proc): the plain nice is all there is.
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/autogroup").write_text(str(nice))


class Worker(Child):
    """A `celery worker` reading `queue`.

    `pool` is Celery's (prefork unless given; "threads" keeps many Ayrshare calls in flight in
    one process); `cpus` ("0", "0,1") holds the process and its children to those cores;
    `nice` lowers its CPU priority below the web server's, as a deployment sharing a host would.
    """

    def __init__(self, env, queue, *, name=None, concurrency=2, pool=None, cpus=None, nice=0):
        self.queue = queue
        command = [
            *(sys.executable, "-m", "celery", "-A", "dashboard", "worker", "-Q", queue),
            *("-n", f"{name or queue}@%h", "-c", str(concurrency), "-l", "info"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ]
        if pool:
            command += ["-P", pool]
        if cpus is not None:
            command = ["taskset", "-c", str(cpus), *command]
        if nice:
            command = ["nice", "-n", str(nice), *command]
        super().__init__(command, env)
        if nice:
            lower_autogroup(self.process.pid, nice)

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(" ready." in line for line in self.lines):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("the Celery worker did not start:\n" + "".join(self.lines[-40:]))


class SandboxProcess(Child):
    """`manage.py ayrshare_sandbox` in a process of its own, so that its CPU shows apart from
    the benchmark's and it does not share the benchmark's interpreter lock."""

    def __init__(self, flags, env=None):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base_url}/api"  # what a worker's AYRSHARE_API_URL gets
        command = [sys.executable, "manage.py", "ayrshare_sandbox", "--port", str(self.port)]
        super().__init__([*command, *flags], env or dict(os.environ))

    def wait_ready(self, timeout=300):
        """Until the control routes answer (a world of thousands of profiles takes a while)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                self.control("GET", "/config")
                return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("the sandbox did not start:\n" + self.log()[-3000:])

    def control(self, method, path, body=None, **params):
        """A control route below /_sandbox, e.g. control("GET", "/calls", since=0). Safe from
        several threads at once."""
        response = requests.request(
            method, f"{self.base_url}/_sandbox{path}", json=body, params=params, timeout=120
        )
        response.raise_for_status()
        return response.json()


def sandbox_flags():
    """The flags this version of `manage.py ayrshare_sandbox` takes (from its --help)."""
    command = [sys.executable, "manage.py", "ayrshare_sandbox", "--help"]
    shown = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)  # noqa: S603
    return set(re.findall(r"(--[a-z][a-z0-9-]*)", shown.stdout))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_web_command(port):
    """The Dockerfile's CMD (gunicorn, gthread workers), bound to this port on the loopback."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    command = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert command[0] == "gunicorn", command
    bind = command.index("--bind") + 1
    command[bind] = f"127.0.0.1:{port}"
    return [sys.executable, "-m", *command]


class Web(Child):
    """gunicorn serving the dashboard as in production, with the given environment."""

    def __init__(self, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        super().__init__(production_web_command(self.port), env)

    def wait_ready(self, timeout=60, request_timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                requests.get(f"{self.url}/accounts/login/", timeout=request_timeout)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start:\n" + self.log()[-3000:])


def dispatch(worker):
    """What beat does every interval: send the dispatcher task to the worker's queue, through
    the worker's broker (a fault test gives its worker a Redis of its own)."""
    broker = worker.env.get("CELERY_BROKER_URL") or worker.env["REDIS_URL"]
    with app.connection_for_write(broker) as connection:
        dispatch_due_units.apply_async(queue=worker.queue, connection=connection)


def run_cycle(worker, timeout=120):
    """One beat: dispatch, then wait until every unit due at that moment has run (or paused).

    Returns the ids of the units that were due. Workers sharing the queue share the work.
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
    raise RuntimeError(f"units due at dispatch had not run after the timeout:\n{log}")


def wait_until_idle(timeout=30):
    deadline = time.monotonic() + timeout
    while SyncState.objects.filter(lease_until__gt=timezone.now()).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("units still running")
        time.sleep(0.1)


def wait_until_due(limit=timedelta(seconds=60)):
    """Sleep until the earliest unit becomes due again (the sandbox's next update)."""
    now = timezone.now()
    soonest = min(
        max(filter(None, (s.next_update, s.backoff_until)), default=now)
        for s in SyncState.objects.all()
    )
    delay = (soonest - timezone.now()).total_seconds()
    if delay >= limit.total_seconds():
        raise RuntimeError(f"nothing due for {delay:.0f}s")
    time.sleep(max(delay, 0) + 0.2)


def production_env(data_dir, sandbox_url, queue):
    """DEBUG off, as deployed; the development key stays second so stored keys still decrypt."""
    return {
        **os.environ,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEY": f"{Fernet.generate_key().decode()},{settings.FIELD_ENCRYPTION_KEY}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "False",  # plain http on loopback, as behind a TLS proxy
        "SECURE_SSL_REDIRECT": "False",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "AYRSHARE_API_URL": sandbox_url,
        "DATA_DIR": str(data_dir),
    }


def purge(*queues):
    with app.connection_for_write() as connection:
        for queue in queues:
            connection.default_channel.queue_purge(queue)


def cpu_seconds(group=None, comm=None):
    """User and system CPU, in seconds, of every live process in a process group or of every
    process of that name (PostgreSQL's backends come and go under its postmaster)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, fields = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = fields.split()
        if int(fields[2]) == group or name.partition("(")[2] == comm:  # pgrp, comm
            # utime, stime and those of its children that ended: a backend's time moves to
            # the postmaster when it exits, so the sum does not drop.
            total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")
