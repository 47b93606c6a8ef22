"""The Celery app, plus two heartbeats the health checks and the sync page read.

- Each worker notes every few seconds that it is alive, under an id of its own that changes with
  every start. A worker that starts, and the dispatcher at every beat, release the leases of
  units whose worker is gone (killed, its container replaced), so they run again at the next
  beat instead of after the lease.
- Beat notes when it last sent the dispatcher; a stale note means nothing starts new updates.

Both live in the cache (Redis in production), where every process sees them.
"""

import logging
import os
import socket
import threading
import time
import uuid

from celery import Celery
from celery.signals import before_task_publish, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

app = Celery("dashboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)

DISPATCH_TASK = "dashboard.tasks.dispatch_due_units"
BEAT_KEY = "celery-beat-sent-dispatch"
WORKER_SEEN_KEY = "celery-worker-seen"
# A worker notes it is alive this often; a note older than WORKER_ALIVE_SECONDS means it is gone.
WORKER_BEAT_SECONDS = 5
WORKER_ALIVE_SECONDS = 20

# This worker process and its pool children (forked from it), for this start only: the host name
# alone would not tell a restarted worker from the one it replaces.
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _alive_key(worker_id):
    return f"celery-worker-alive:{worker_id}"


def worker_alive(worker_id):
    """Whether the worker that took this id still runs (its note is fresh)."""
    from django.core.cache import cache

    if worker_id == WORKER_ID:
        return True
    if worker_id.rpartition(":")[0] == WORKER_ID.rpartition(":")[0]:
        # Same host and process id as this worker: an earlier start of this container.
        return False
    return cache.get(_alive_key(worker_id)) is not None


def _note_alive():
    from django.core.cache import cache

    now = time.time()
    cache.set_many({_alive_key(WORKER_ID): now, WORKER_SEEN_KEY: now}, timeout=WORKER_ALIVE_SECONDS)


def _keep_noting_alive():
    while True:
        time.sleep(WORKER_BEAT_SECONDS)
        try:
            _note_alive()
        except Exception:  # Redis away for a moment: try again at the next beat
            logger.warning("could not note that this worker is alive", exc_info=True)


@worker_ready.connect
def reclaim_leases_of_gone_workers(sender=None, **kwargs):
    from dashboard import sync

    try:
        _note_alive()
        released = sync.reclaim(worker_alive)
    except Exception:
        logger.exception("could not release the leases of workers that are gone")
    else:
        if released:
            logger.warning("released %d leases of workers that are gone", released)
    threading.Thread(target=_keep_noting_alive, name="worker-alive", daemon=True).start()


@before_task_publish.connect
def note_dispatch_sent(sender=None, **kwargs):
    """Beat's heartbeat: it sends the dispatcher every SYNC_BEAT_SECONDS."""
    if sender != DISPATCH_TASK:
        return
    from django.core.cache import cache

    try:
        cache.set(BEAT_KEY, time.time(), timeout=None)
    except Exception:
        logger.warning("could not note beat's heartbeat", exc_info=True)
