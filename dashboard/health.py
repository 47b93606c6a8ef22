"""/healthz for load balancers and the containers' health checks, and checks of beat and workers.

/healthz answers 200 when the database answers, every migration is applied and Redis (the
broker, and the cache when it is Redis) answers; else 503. The JSON names each part and, for a
failing one, only the kind of error: no addresses, names or secrets. No sign-in is needed.

`python -m dashboard.health web|worker|beat` is what docker-compose runs in each container:
exit status 0 when healthy, 1 with the reason on stderr otherwise.
"""

import socket
import sys
import time

import redis
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dashboard.celery import BEAT_KEY, WORKER_SEEN_KEY, app

REDIS_TIMEOUT = 2
# Migrations are not unapplied while the site runs: once all are applied, stop asking.
_migrated = False


@never_cache
@require_GET
def healthz(request):
    checks = {
        "database": _check(_database),
        "migrations": _check(_migrations),
        "redis": _check(_redis),
    }
    healthy = all(result == "ok" for result in checks.values())
    failing = [name for name, result in checks.items() if result != "ok"]
    body = {"status": "ok" if healthy else "failing", "failing": failing, "checks": checks}
    return JsonResponse(body, status=200 if healthy else 503)


def _check(probe):
    try:
        return probe() or "ok"
    except Exception as exc:
        # The kind of error only: messages can hold host names or credentials.
        return f"failing: {type(exc).__name__}"


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _migrations():
    global _migrated  # noqa: PLW0603 - a one-way flag for this process
    if _migrated:
        return None
    executor = MigrationExecutor(connection)
    unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        return f"failing: {len(unapplied)} not applied"
    _migrated = True
    return None


def _redis():
    urls = {
        url
        for url in (settings.CELERY_BROKER_URL, settings.REDIS_URL)
        if url.startswith(("redis://", "rediss://"))
    }
    if not urls:
        return "ok (no Redis configured: filesystem broker)"
    for url in urls:
        client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
    return None


# --- Beat and workers -----------------------------------------------------------------------


def beat_age():
    """Seconds since beat last sent the dispatcher, or None if no process ever noted it."""
    return _age(BEAT_KEY)


def worker_age():
    """Seconds since any worker last noted it is alive, or None if none did lately."""
    return _age(WORKER_SEEN_KEY)


def beat_limit():
    """Beat is late when it has not sent the dispatcher for three of its intervals."""
    return 3 * settings.SYNC_BEAT_SECONDS + 30


# Caches that live in one process's memory: another process's heartbeat never shows in them.
PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


def heartbeats_visible():
    """Whether this process can read the heartbeats beat and the workers note in the cache: not
    when the cache is its own memory (no REDIS_URL, as in the demo, which runs each part in a
    process of its own); their absence there says nothing about them."""
    return settings.CACHES["default"]["BACKEND"] not in PROCESS_CACHES


def _age(key):
    from django.core.cache import cache

    noted = cache.get(key)
    return None if noted is None else max(time.time() - noted, 0.0)


def check_beat():
    age = beat_age()
    if age is None:
        return "beat has not sent the dispatcher yet"
    if age > beat_limit():
        return f"beat last sent the dispatcher {age:.0f} s ago (limit {beat_limit()} s)"
    return None


def check_worker(hostname=None):
    """This host's worker answers a ping through the broker."""
    node = f"celery@{hostname or socket.gethostname()}"
    replies = app.control.ping(destination=[node], timeout=5)
    if not any(node in reply for reply in replies):
        return f"{node} did not answer a ping within 5 s"
    return None


def check_web(port=8000):
    """/healthz of the web server on this host answers 200."""
    import http.client
    import json

    host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/healthz", headers={"Host": host.lstrip(".")})
        response = conn.getresponse()
        body = response.read().decode(errors="replace")
    except OSError as exc:
        return f"the web server did not answer: {type(exc).__name__}"
    finally:
        conn.close()
    if response.status != 200:
        try:
            failing = ", ".join(json.loads(body)["failing"])
        except (ValueError, KeyError, TypeError):
            failing = body[:200]
        return f"/healthz answered {response.status}: {failing}"
    return None


def main(argv):
    import django

    django.setup()
    checks = {"web": check_web, "worker": check_worker, "beat": check_beat}
    if len(argv) != 1 or argv[0] not in checks:
        print(f"usage: python -m dashboard.health {'|'.join(checks)}", file=sys.stderr)
        return 2
    problem = checks[argv[0]]()
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
