"""The beat's dispatcher: what it leases, in which order, how much, and for whom."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dashboard import sync, tasks
from dashboard.models import SyncState
from tests.accounts.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["postgresql", "sqlite"])
def claim_due(request, monkeypatch):
    """sync.claim_due as PostgreSQL runs it (one statement) and as SQLite does (one by one)."""
    if request.param == "postgresql" and connection.vendor != "postgresql":
        pytest.skip("the one-statement claim needs PostgreSQL")
    monkeypatch.setattr(connection, "vendor", request.param)
    return sync.claim_due


def due(profile, unit, minutes_ago=1, **fields):
    now = timezone.now()
    return SyncState.objects.create(
        profile=profile, unit=unit, next_update=now - timedelta(minutes=minutes_ago), **fields
    )


def leased_ids(claimed):
    return {state_id for leases in claimed.values() for state_id, _ in leases}


def test_a_profiles_backlog_does_not_keep_other_profiles_waiting(claim_due):
    backlog = ProfileFactory()
    for n in range(40):
        due(backlog, f"platform:n{n:02}", minutes_ago=60 + n)  # older than everyone else's
    others = [ProfileFactory() for _ in range(20)]
    for profile in others:
        due(profile, "history")

    claimed = claim_due(limit=30, per_profile=8)

    assert all(len(claimed[profile.pk]) == 1 for profile in others)
    assert len(claimed[backlog.pk]) == 8
    assert sum(len(leases) for leases in claimed.values()) == 28


def test_what_a_beat_leaves_stays_due_and_goes_first_at_the_next(claim_due):
    profiles = [ProfileFactory() for _ in range(5)]
    states = [due(p, "history", minutes_ago=10 - n) for n, p in enumerate(profiles)]

    first = claim_due(limit=3, per_profile=8)
    second = claim_due(limit=3, per_profile=8)

    assert leased_ids(first) == {s.pk for s in states[:3]}  # the oldest three
    assert leased_ids(second) == {s.pk for s in states[3:]}
    assert claim_due(limit=3, per_profile=8) == {}


def test_each_unit_gets_its_own_token_and_a_profiles_units_run_history_first(claim_due):
    profile = ProfileFactory()
    links = due(profile, "links", minutes_ago=30)
    history = due(profile, "history", minutes_ago=1)
    user = due(profile, "user", minutes_ago=20)

    claimed = claim_due(limit=10, per_profile=2)

    # At two per profile, /history is one of them although it is the newest due.
    assert [state_id for state_id, _ in claimed[profile.pk]] == [history.pk, links.pk]
    tokens = dict(SyncState.objects.values_list("pk", "lease_token"))
    assert claimed[profile.pk] == [(history.pk, tokens[history.pk]), (links.pk, tokens[links.pk])]
    assert len(set(tokens.values()) - {""}) == 2
    assert tokens[user.pk] == ""


def test_only_due_free_units_of_active_profiles_are_leased(claim_due):
    now = timezone.now()
    profile = ProfileFactory()
    never_run = SyncState.objects.create(profile=profile, unit="history")
    lapsed = due(profile, "links", lease_until=now - timedelta(seconds=1), lease_token="old")
    backoff_over = due(profile, "social", backoff_until=now - timedelta(seconds=1))
    due(profile, "user", backoff_until=now + timedelta(minutes=5))
    due(profile, "post_analytics", lease_until=now + timedelta(minutes=5), lease_token="held")
    SyncState.objects.create(profile=profile, unit="playlists", next_update=now + timedelta(1))
    archived = ProfileFactory(archived_at=now)
    due(archived, "history")

    claimed = claim_due(now=now, limit=10, per_profile=10)

    assert leased_ids(claimed) == {never_run.pk, lapsed.pk, backoff_over.pk}
    assert SyncState.objects.get(unit="post_analytics").lease_token == "held"


def test_refresh_now_leases_only_the_asked_profiles(claim_due):
    asked, other = ProfileFactory(), ProfileFactory()
    mine = due(asked, "history")
    due(other, "history")

    claimed = claim_due(profile_ids=[asked.pk])

    assert leased_ids(claimed) == {mine.pk}


def test_the_beat_queues_less_while_messages_still_wait(settings):
    settings.SYNC_DISPATCH_MAX = 1000
    settings.SYNC_DISPATCH_PER_PROFILE = 8
    assert tasks.units_to_claim(0) == 1000
    assert tasks.units_to_claim(100) == 200
    assert tasks.units_to_claim(125) == 0
    assert tasks.units_to_claim(5000) == 0


def test_a_beat_with_the_queue_full_leases_nothing(settings, monkeypatch):
    settings.SYNC_DISPATCH_MAX = 80
    settings.SYNC_DISPATCH_PER_PROFILE = 8
    state = due(ProfileFactory(), "history")
    monkeypatch.setattr(tasks, "waiting_messages", lambda: 10)

    assert tasks.dispatch_due_units() == 0

    state.refresh_from_db()
    assert state.lease_until is None


def test_the_beat_counts_the_messages_waiting_in_redis(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs Redis as the broker: set REDIS_URL")
    queue = "test-dispatch-waiting"
    settings.SYNC_DISPATCH_PER_PROFILE = 4
    profiles = [ProfileFactory() for _ in range(3)]
    for profile in profiles:
        due(profile, "history")
        due(profile, "links")
    try:
        tasks.enqueue(sync.claim_due(), queue=queue)
        # Two profiles' units in the first chain, the third's in the second.
        assert tasks.waiting_messages(queue) == 2
    finally:
        with tasks.current_app.connection_for_write() as broker:
            broker.default_channel.queue_purge(queue)


def test_the_beat_gives_units_to_profiles_made_without_them():
    made_in_admin = ProfileFactory()
    archived = ProfileFactory(archived_at=timezone.now())
    edited = ProfileFactory(platforms=["facebook"])
    SyncState.objects.create(profile=edited, unit="history")

    sync.ensure_units()

    units = set(SyncState.objects.filter(profile=made_in_admin).values_list("unit", flat=True))
    assert units == set(sync.units_for(made_in_admin))
    assert not SyncState.objects.filter(profile=archived).exists()
    # A profile with units is the business of the paths that change it, not of every beat.
    assert list(SyncState.objects.filter(profile=edited).values_list("unit", flat=True)) == [
        "history"
    ]


def test_profiles_with_few_units_due_share_a_chain_and_none_is_split():
    # Units due per profile in claim_due's order: one chain holds at most three units.
    due = [["a1"], ["b1", "b2"], ["c1", "c2"], ["d1", "d2", "d3", "d4"], ["e1"]]

    assert tasks.chains(due, 3) == [
        ["a1", "b1", "b2"],
        ["c1", "c2"],
        ["d1", "d2", "d3", "d4"],  # more than fit: a chain of its own, never split
        ["e1"],
    ]
    assert tasks.chains([], 3) == []
