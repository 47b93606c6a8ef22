"""The Celery app, plus two heartbeats the health checks and the sync page read.

- Each worker notes every few seconds that it is alive, under an id of its own that changes with
  every start. A worker that starts, and the dispatcher at every beat, release the leases of
  units whose worker is gone (killed, its container replaced), so they run again at the next
  beat instead of after the lease. Right after Redis was away nobody is judged gone, until
  every live worker had time to note itself again.
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
from celery.worker.consumer import Consumer as CeleryConsumer

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


def _note_alive(since):
    """This worker's note holds since when its notes have reached the cache without a gap."""
    from django.core.cache import cache

    cache.set_many(
        {_alive_key(WORKER_ID): since, WORKER_SEEN_KEY: time.time()},
        timeout=WORKER_ALIVE_SECONDS,
    )


def _renew_note(since):
    """Note once more that this worker is alive; returns the `since` to note next time.

    A note that failed (Redis away), or one of its own the cache no longer has (Redis restarted
    empty, or this worker stalled), starts a new run of notes.
    """
    from django.core.cache import cache

    try:
        if since is None or cache.get(_alive_key(WORKER_ID)) is None:
            since = time.time()
        _note_alive(since)
    except Exception:  # Redis away: try again at the next beat
        logger.warning("could not note that this worker is alive", exc_info=True)
        return None
    return since


def _keep_noting_alive(since):
    while True:
        time.sleep(WORKER_BEAT_SECONDS)
        since = _renew_note(since)


def release_leases_of_gone_workers():
    """Release the leases of workers that are gone (sync.reclaim); returns how many.

    After Redis was away, every worker's note may have lapsed, live ones' too, until each notes
    itself again within WORKER_BEAT_SECONDS. Until this worker's own notes have reached Redis
    for WORKER_ALIVE_SECONDS without a gap, nobody is judged gone: else the units a live worker
    started just after Redis came back would be released, queued again and run twice.
    """
    from django.core.cache import cache

    from dashboard import sync

    since = cache.get(_alive_key(WORKER_ID))
    if since is None or time.time() - since < WORKER_ALIVE_SECONDS:
        return 0
    return sync.reclaim(worker_alive)


class Consumer(CeleryConsumer):
    """Celery's consumer (CELERY_WORKER_CONSUMER), kept running when Redis goes away mid-task.

    Once Celery 5.7 has closed the lost connection, kombu 5.7's Redis channel raises
    AttributeError (its connection settings are gone) when it gives back, or acknowledges, the
    message of a task that was running. Celery takes that for an unrecoverable error and the
    worker exits. Here it counts as the lost connection it is: the worker reconnects, and the
    message stays in Redis, redelivered after the visibility timeout, when its lease token has
    made it a no-op.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection_errors = (*self.connection_errors, AttributeError)

    def on_connection_error_after_connected(self, exc):
        try:
            super().on_connection_error_after_connected(exc)
        except AttributeError:
            logger.warning("the lost broker connection did not close cleanly", exc_info=True)


@worker_ready.connect
def reclaim_leases_of_gone_workers(sender=None, **kwargs):
    since = None
    try:
        # Redis answers as this worker starts, so its run of notes counts as unbroken: the
        # leases of a worker this one replaces are released now, not WORKER_ALIVE_SECONDS later.
        _note_alive(0)
        since = 0
        released = release_leases_of_gone_workers()
    except Exception:
        logger.exception("could not release the leases of workers that are gone")
    else:
        if released:
            logger.warning("released %d leases of workers that are gone", released)
    finally:
        from django.db import connection

        # Back to the pool (DATABASE_POOL_MAX_SIZE): the threads running units need it.
        connection.close()
    threading.Thread(
        target=_keep_noting_alive, args=(since,), name="worker-alive", daemon=True
    ).start()


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
