"""Real parts: the sandbox over HTTP, a Celery worker process on Redis, the test database.

The worker is a separate `celery worker` process pointed at this test's database, a queue of its
own (so parallel test processes never take each other's tasks) and the sandbox's URL. Tests drive
it the way beat does: by sending the dispatcher task, then waiting until nothing is due or leased.
"""

import uuid

import pytest

from dashboard import sync
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.bench.workers import Web, Worker, forget_request_budgets, worker_env
from tests.accounts.factories import WorkspaceFactory
from tests.dashboard.factories import sandbox_profiles
from tests.integration.servers import RedisServer


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


@pytest.fixture(name="worker_env")
def worker_env_fixture(request, transactional_db, sandbox, tmp_path):
    queue = f"it-{uuid.uuid4().hex[:10]}"
    env = worker_env(
        queue,
        sandbox.url,
        tmp_path,
        SYNC_BEAT_SECONDS=1,
        SYNC_LEASE_SECONDS=10,
        # The sandbox's intervals are compressed (interval_scale): /history at its nextUpdate.
        SYNC_HISTORY_INTERVAL=0,
        AYRSHARE_READ_TIMEOUT=2,
    )
    env.update(_marker_kwargs(request, "worker_env"))
    forget_request_budgets(env["REDIS_URL"])
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
def web(worker_env):
    """gunicorn as in production, on this test's database, Redis and sandbox."""
    server = Web(worker_env)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of this test's own, to stop and start; the shared one serves other runs."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def agency(transactional_db, sandbox):
    """A workspace with one Profile per sandbox profile, keys and networks as the sandbox says."""
    keys = sandbox.keys()
    workspace = WorkspaceFactory(api_key=keys["apiKey"])
    sandbox_profiles(workspace, keys)
    sync.ensure_units()
    return workspace
