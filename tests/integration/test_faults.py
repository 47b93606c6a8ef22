"""Faults with real processes: a worker killed mid-unit, Redis stopped, database connections
dropped, with the web server (gunicorn, as in production) and a Celery worker running.

The lease here is the production one (10 minutes): what frees a dead worker's units is that the
worker is gone (its alive note lapses), not that its lease runs out.
"""

import os
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from django.utils import timezone

from accounts.models import ThrottleEntry
from dashboard.bench.workers import Web, Worker, dispatch
from dashboard.celery import WORKER_ALIVE_SECONDS
from dashboard.models import SyncState
from tests.accounts.factories import MembershipFactory

pytestmark = pytest.mark.integration

RECOVERY_SECONDS = 60
# What the web process checks passwords with (the unit tests' fast MD5 is not among them).
WEB_PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
PASSWORD = "correct horse battery"  # UserFactory's
# Every kind of page a member opens, under /w/<slug>/.
PAGES = ["", "posts/", "agency/", "audience/", "sync/", "posts/export.csv"]
# Long enough for a dashboard that hangs on an unreachable service to show it.
REQUEST_SECONDS = 15


@pytest.mark.worker_env(SYNC_LEASE_SECONDS="600")
def test_the_units_of_a_worker_killed_mid_unit_run_again_within_a_minute(
    agency, sandbox, worker, worker_env
):
    sandbox.configure(latency_ms=400)  # each unit takes a while: the kill lands inside one
    dispatch(worker)
    deadline = time.monotonic() + 30
    while not any("run_unit" in line for line in worker.lines):
        assert time.monotonic() < deadline, "no unit started"
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait()
    killed_at = timezone.now()
    stranded = set(SyncState.objects.filter(lease_until__gt=killed_at).values_list("pk", flat=True))
    assert stranded, "the kill left no unit leased"
    sandbox.configure(latency_ms=0)

    second = Worker(worker_env, worker.queue)
    try:
        second.wait_ready()
        started = time.monotonic()
        # Beat's part, every 2 s: the dispatcher releases the dead worker's leases once it is
        # gone and queues those units again.
        while True:
            done = SyncState.objects.filter(
                pk__in=stranded, lease_until__isnull=True, last_success__gt=killed_at
            ).count()
            if done == len(stranded):
                break
            elapsed = time.monotonic() - started
            assert elapsed < RECOVERY_SECONDS, (
                f"{len(stranded) - done} of {len(stranded)} units of the killed worker had not "
                f"run again after {elapsed:.0f} s:\n{second.log()[-3000:]}"
            )
            dispatch(second)
            time.sleep(2)
        print(f"\nrecovered {len(stranded)} units {time.monotonic() - started:.0f} s after restart")
        assert "released" in second.log()  # said in the log, not silent
    finally:
        second.stop()


def sign_in(session, web, username, password=PASSWORD):
    form = session.get(f"{web.url}/accounts/login/", timeout=REQUEST_SECONDS)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    return session.post(
        f"{web.url}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": password},
        timeout=REQUEST_SECONDS,
    )


def post(session, url, **data):
    headers = {"X-CSRFToken": session.cookies["csrftoken"]}
    return session.post(url, data=data, headers=headers, timeout=REQUEST_SECONDS)


def leased():
    units = SyncState.objects.filter(lease_until__gt=timezone.now())
    return set(units.values_list("pk", flat=True))


def wait_for(condition, what, timeout=30):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


@pytest.mark.worker_env(SYNC_LEASE_SECONDS="600", LOGIN_FAILURE_LIMIT="3")
def test_while_redis_is_down_people_sign_in_and_read_and_after_it_returns_updates_resume(
    agency, sandbox, worker_env, private_redis, settings
):
    settings.PASSWORD_HASHERS = WEB_PASSWORD_HASHERS
    owner = MembershipFactory(workspace=agency).user
    teammate = MembershipFactory(workspace=agency).user
    profiles = list(agency.profiles.order_by("pk").values_list("pk", flat=True))
    env = {**worker_env, "REDIS_URL": private_redis.url}
    worker = Worker(env, env["CELERY_QUEUE"])
    web = Web(env)
    try:
        worker.wait_ready()
        web.wait_ready()
        base = f"{web.url}/w/{agency.slug}/"

        # Refresh now for one profile; Redis stops while its first unit is running.
        before = requests.Session()
        assert sign_in(before, web, owner.username).url == base
        sandbox.configure(latency_ms=400)
        response = post(before, f"{base}sync/refresh/", profile=profiles[0])
        assert "Queued" in response.text, response.text[-2000:]
        wait_for(lambda: "run_unit" in worker.log(), "no unit started")
        time.sleep(0.5)
        private_redis.stop()
        stopped = time.monotonic()
        stopped_at = timezone.now()
        sandbox.configure(latency_ms=0)

        health = requests.get(f"{web.url}/healthz", timeout=REQUEST_SECONDS)
        assert health.status_code == 503
        assert health.json()["failing"] == ["redis"]

        session = requests.Session()
        home = sign_in(session, web, owner.username)
        assert (home.status_code, home.url) == (200, base)
        for page in PAGES:
            response = session.get(f"{base}{page}", timeout=REQUEST_SECONDS)
            assert response.status_code == 200, (page, response.text[-2000:])

        # The throttle still counts, in the database: three failures lock the teammate out.
        said = [
            sign_in(requests.Session(), web, teammate.username, "wrong password").status_code
            for _ in range(3)
        ]
        assert said == [200, 200, 429]
        locked = sign_in(requests.Session(), web, teammate.username)  # the right password
        assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
        assert ThrottleEntry.objects.exists()

        running = leased()
        refresh = post(session, f"{base}sync/refresh/")
        assert refresh.status_code == 503
        assert "the task queue (Redis) is not answering" in refresh.text
        assert leased() <= running, "Refresh now left units leased that nothing will run"

        # Long enough for every worker's alive note to lapse, and for Celery to give up sending
        # the rest of the running unit's chain.
        time.sleep(max(0, stopped + WORKER_ALIVE_SECONDS + 10 - time.monotonic()))
        assert worker.process.poll() is None, worker.log()[-3000:]
        private_redis.start()
        started = time.monotonic()

        # Beat's part: what did not sync since Redis stopped syncs within a minute.
        behind = SyncState.objects.exclude(last_success__gt=stopped_at)
        while behind.exists():
            elapsed = time.monotonic() - started
            assert elapsed < RECOVERY_SECONDS, (
                f"{behind.count()} units had not synced {elapsed:.0f} s after Redis came back:"
                f" {list(behind.values_list('unit', 'lease_until', 'backoff_until', 'last_error'))}"
                f"\n{worker.log()[-4000:]}"
            )
            dispatch(worker)
            time.sleep(2)
        print(f"\nsynced {time.monotonic() - started:.0f} s after Redis came back")
        health = requests.get(f"{web.url}/healthz", timeout=REQUEST_SECONDS)
        assert health.status_code == 200, health.text
        assert worker.process.poll() is None, worker.log()[-3000:]
    finally:
        web.stop()
        worker.stop()


def open_pages(web, base, cookies, rounds):
    """Every kind of page, `rounds` times each, eight at a time (gunicorn's 2 x 4 threads)."""

    def get(page):
        response = requests.get(f"{base}{page}", cookies=cookies, timeout=REQUEST_SECONDS)
        return page, response.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(get, PAGES * rounds))


def drop_database_connections():
    """What a database restart or failover does to every other connection to this database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.worker_env(SYNC_LEASE_SECONDS="600")
def test_after_database_connections_drop_pages_answer_and_units_keep_syncing(
    agency, sandbox, worker, web, settings
):
    settings.PASSWORD_HASHERS = WEB_PASSWORD_HASHERS
    owner = MembershipFactory(workspace=agency).user
    session = requests.Session()
    base = f"{web.url}/w/{agency.slug}/"
    assert sign_in(session, web, owner.username).url == base
    cookies = session.cookies.get_dict()
    # Every web thread now holds a connection of its own (kept for CONN_MAX_AGE).
    assert {status for _, status in open_pages(web, base, cookies, rounds=3)} == {200}

    sandbox.configure(latency_ms=400)
    dispatch(worker)
    wait_for(lambda: "run_unit" in worker.log(), "no unit started")
    time.sleep(0.5)
    dropped_at = timezone.now()
    dropped = drop_database_connections()
    assert dropped >= 3, "the web and worker processes held no connection to drop"
    sandbox.configure(latency_ms=0)

    answers = open_pages(web, base, cookies, rounds=3)
    failed = [(page, status) for page, status in answers if status != 200]
    assert not failed, f"{failed}\n{web.log()[-3000:]}"

    # The unit whose connection died mid-write runs again at once and records once, not as a
    # failure retried a minute later (SYNC_RETRY_BASE_SECONDS, 60 s less 20 % jitter at most).
    started = time.monotonic()
    while SyncState.objects.filter(last_success__isnull=True).exists():
        elapsed = time.monotonic() - started
        behind = SyncState.objects.filter(last_success__isnull=True)
        assert elapsed < 30, (
            f"{behind.count()} units had not synced {elapsed:.0f} s after the connections"
            f" dropped: {list(behind.values_list('unit', 'lease_until', 'last_error'))}"
            f"\n{worker.log()[-4000:]}"
        )
        dispatch(worker)
        time.sleep(1)
    assert not SyncState.objects.exclude(last_error="").exists(), list(
        SyncState.objects.exclude(last_error="").values_list("unit", "last_error")
    )
    assert SyncState.objects.filter(last_success__gt=dropped_at).exists()
    print(f"\nall units synced {time.monotonic() - started:.0f} s after the drop")


def test_a_redis_that_does_not_answer_slows_sign_in_and_refresh_by_seconds_not_minutes(
    agency, worker_env, private_redis, settings
):
    settings.PASSWORD_HASHERS = WEB_PASSWORD_HASHERS
    owner = MembershipFactory(workspace=agency).user
    web = Web({**worker_env, "REDIS_URL": private_redis.url})
    try:
        web.wait_ready()
        base = f"{web.url}/w/{agency.slug}/"
        session = requests.Session()
        assert sign_in(session, web, owner.username).url == base
        # Frozen: connections open, nothing answers (a hung server, a network dropping packets).
        os.kill(private_redis.process.pid, signal.SIGSTOP)
        try:
            asked = {
                "/healthz": lambda: requests.get(f"{web.url}/healthz", timeout=REQUEST_SECONDS),
                "sign-in": lambda: sign_in(requests.Session(), web, owner.username),
                "wrong password": lambda: sign_in(requests.Session(), web, owner.username, "x"),
                "overview": lambda: session.get(base, timeout=REQUEST_SECONDS),
                "Refresh now": lambda: post(session, f"{base}sync/refresh/"),
            }
            answers = {}
            for what, ask in asked.items():
                started = time.monotonic()
                answers[what] = (ask().status_code, round(time.monotonic() - started))
        finally:
            os.kill(private_redis.process.pid, signal.SIGCONT)
        print(f"\n{answers}")
        assert {what: status for what, (status, _) in answers.items()} == {
            "/healthz": 503,
            "sign-in": 200,
            "wrong password": 200,
            "overview": 200,
            "Refresh now": 503,
        }
        slow = {what: seconds for what, (_, seconds) in answers.items() if seconds > 10}
        assert not slow, slow
    finally:
        web.stop()
