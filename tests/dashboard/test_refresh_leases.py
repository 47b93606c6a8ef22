"""Leases never outlive their tasks: released when the broker refuses them, and reclaimed when
the worker that held them is gone."""

import time
from datetime import timedelta

import pytest
from celery.app.base import Celery
from django.core.cache import cache
from django.utils import timezone
from kombu.exceptions import OperationalError

from dashboard import sync, tasks
from dashboard.models import SyncState
from tests.accounts.factories import MembershipFactory, ProfileFactory


def unit(profile, name, **fields):
    return SyncState.objects.create(profile=profile, unit=name, **fields)


@pytest.fixture
def broker_down(monkeypatch):
    def send_task(app, name, args=None, kwargs=None, **options):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(Celery, "send_task", send_task)


def test_when_the_broker_refuses_every_lease_is_released(db, broker_down):
    first, second = ProfileFactory(), ProfileFactory()
    unit(first, "history")
    unit(second, "history")
    claimed = sync.claim_due()
    assert SyncState.objects.filter(lease_until__isnull=False).count() == 2

    with pytest.raises(tasks.QueueUnavailable):
        tasks.enqueue(claimed)

    assert not SyncState.objects.filter(lease_until__isnull=False).exists()
    assert set(SyncState.objects.values_list("lease_token", flat=True)) == {""}


def test_the_dispatcher_releases_its_leases_when_the_broker_refuses(db, broker_down):
    unit(ProfileFactory(), "history")
    with pytest.raises(tasks.QueueUnavailable):
        tasks.dispatch_due_units()
    assert not SyncState.objects.filter(lease_until__isnull=False).exists()


def test_release_leaves_a_lease_taken_since_alone(db):
    state = unit(ProfileFactory(), "history")
    old = sync.claim(state.pk)
    SyncState.objects.filter(pk=state.pk).update(lease_until=None)
    new = sync.claim(state.pk)
    assert sync.release([(state.pk, old)]) == 0
    state.refresh_from_db()
    assert state.lease_token == new and state.lease_until


def test_refresh_now_with_redis_down_answers_503_and_leaves_nothing_updating(
    transactional_db, client, installation, broker_down
):
    # transactional_db: outside a test transaction, on_commit sends at once, as in production.
    owner = MembershipFactory()
    client.force_login(owner.user)
    profile = ProfileFactory(workspace=owner.workspace)
    unit(profile, "history")
    unit(profile, "post_analytics")
    url = f"/w/{owner.workspace.slug}/sync/refresh/"

    response = client.post(url)
    assert response.status_code == 503
    page = response.content.decode()
    assert "Updates cannot be queued right now: the task queue (Redis) is not answering." in page
    assert "Updating…" not in page
    assert not SyncState.objects.filter(lease_until__isnull=False).exists()

    htmx = client.post(url, headers={"HX-Request": "true", "HX-Target": "sync-notice"})
    assert "the task queue (Redis) is not answering" in htmx.content.decode()
    assert not SyncState.objects.filter(lease_until__isnull=False).exists()


def test_a_worker_that_is_gone_loses_its_leases_and_a_live_one_keeps_them(db):
    profile = ProfileFactory()
    dead = [unit(profile, "history"), unit(profile, "links")]
    alive = unit(profile, "user")
    queued = unit(profile, "social")  # leased by the dispatcher, not yet taken by a worker
    leases = {state.pk: sync.claim(state.pk) for state in (*dead, alive, queued)}
    sync.hold([(s.pk, leases[s.pk]) for s in dead], "host-a:1:dead")
    sync.hold([(alive.pk, leases[alive.pk])], "host-b:1:alive")

    released = sync.reclaim(lambda holder: holder == "host-b:1:alive")

    assert released == 2
    now = timezone.now()
    leased = set(SyncState.objects.filter(lease_until__gt=now).values_list("pk", flat=True))
    assert leased == {alive.pk, queued.pk}
    assert cache.get(f"sync-lease-holder:{leases[dead[0].pk]}") is None


def test_reclaim_skips_leases_that_ran_out_or_were_given_back(db):
    state = unit(ProfileFactory(), "history")
    token = sync.claim(state.pk)
    sync.hold([(state.pk, token)], "gone")
    SyncState.objects.filter(pk=state.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert sync.reclaim(lambda holder: False) == 0


def test_a_running_unit_notes_its_worker_for_itself_and_its_chain_and_clears_it(db, monkeypatch):
    profile = ProfileFactory()
    first, second = unit(profile, "history"), unit(profile, "links")
    first_token, second_token = sync.claim(first.pk), sync.claim(second.pk)
    seen = {}

    def run_unit(state_id, token=None, *, force=False):
        keys = [f"sync-lease-holder:{t}" for t in (first_token, second_token)]
        seen.update(cache.get_many(keys))
        return "ok"

    monkeypatch.setattr(sync, "run_unit", run_unit)
    # What a worker's request carries for a chain (the integration tests run real chains).
    chain = [{"task": tasks.run_unit.name, "args": [second.pk, second_token], "kwargs": {}}]
    monkeypatch.setattr(tasks, "_chained_leases", lambda request: [tuple(chain[0]["args"])])
    tasks.run_unit.apply(args=(first.pk, first_token))

    assert set(seen.values()) == {tasks.WORKER_ID}
    assert len(seen) == 2
    assert cache.get(f"sync-lease-holder:{first_token}") is None
    assert cache.get(f"sync-lease-holder:{second_token}") is None


def test_the_chain_behind_a_task_is_read_from_its_request():
    request = type("Request", (), {})()
    request.chain = [
        {"task": "dashboard.tasks.run_unit", "args": [3, "c"], "kwargs": {}},
        {"task": "dashboard.tasks.run_unit", "args": [2, "b"], "kwargs": {}},
        {"task": "dashboard.tasks.refresh_rollups", "args": [1], "kwargs": {}},
    ]
    assert tasks._chained_leases(request) == [(3, "c"), (2, "b")]
    request.chain = None
    assert tasks._chained_leases(request) == []


def test_a_restarted_worker_in_the_same_container_counts_its_earlier_start_as_gone():
    from dashboard.celery import WORKER_ID, worker_alive

    host_and_pid = WORKER_ID.rpartition(":")[0]
    assert worker_alive(WORKER_ID)
    assert not worker_alive(f"{host_and_pid}:earlier")
    assert not worker_alive("other-host:1:never-noted")


@pytest.fixture
def this_worker():
    """This process as a worker; its alive note is removed afterwards (the cache outlives tests)."""
    from dashboard import celery as worker

    yield worker
    cache.delete(worker._alive_key(worker.WORKER_ID))


def test_right_after_redis_was_away_a_worker_without_a_note_is_not_judged_gone(
    db, this_worker, monkeypatch
):
    state = unit(ProfileFactory(), "history")
    token = sync.claim(state.pk)
    # A live worker started this unit as Redis came back, before its next alive note.
    sync.hold([(state.pk, token)], "other-host:1:alive")

    def unreachable(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    with monkeypatch.context() as redis_away:
        redis_away.setattr(this_worker, "_note_alive", unreachable)
        since = this_worker._renew_note(0)
    assert since is None
    since = this_worker._renew_note(since)  # Redis answers again: a new run of notes
    assert time.time() - since < 1
    assert this_worker.release_leases_of_gone_workers() == 0
    assert SyncState.objects.get(pk=state.pk).lease_token == token

    # Once every live worker has had WORKER_ALIVE_SECONDS to note itself, a silent one is gone.
    this_worker._note_alive(since - this_worker.WORKER_ALIVE_SECONDS)
    assert this_worker.release_leases_of_gone_workers() == 1
    assert SyncState.objects.get(pk=state.pk).lease_token == ""


def test_a_run_of_alive_notes_starts_again_when_redis_lost_them(this_worker):
    this_worker._note_alive(0)  # what a worker notes as it starts
    assert this_worker._renew_note(0) == 0  # unbroken since
    cache.delete(this_worker._alive_key(this_worker.WORKER_ID))  # Redis restarted empty
    assert time.time() - this_worker._renew_note(0) < 1


def test_when_a_unit_fails_the_units_chained_behind_it_are_given_back(db, monkeypatch):
    profile = ProfileFactory()
    first, second, third = unit(profile, "history"), unit(profile, "links"), unit(profile, "user")
    tokens = {state.pk: sync.claim(state.pk) for state in (first, second, third)}

    def run_unit(state_id, token=None, *, force=False):
        raise RuntimeError("the next task of the chain could not be sent")

    monkeypatch.setattr(sync, "run_unit", run_unit)
    behind = [(second.pk, tokens[second.pk]), (third.pk, tokens[third.pk])]
    monkeypatch.setattr(tasks, "_chained_leases", lambda request: behind)
    tasks.run_unit.apply(args=(first.pk, tokens[first.pk]))

    leased = set(SyncState.objects.exclude(lease_token="").values_list("pk", flat=True))
    assert leased == {first.pk}  # its own lease is sync.run_unit's to give back
