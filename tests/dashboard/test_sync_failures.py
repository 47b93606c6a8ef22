"""What a unit of work does when Ayrshare or our own budget says no: nothing cached is lost."""

import socket
from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from dashboard import ratelimit, sync
from dashboard.ayrshare.client import (
    AuthError,
    BudgetExhausted,
    RateLimitError,
    TransientError,
)
from dashboard.models import SyncState
from tests.accounts.factories import ProfileFactory
from tests.dashboard.factories import PlatformPostFactory, PostFactory


class RefusingClient:
    """Answers every call by raising the given error."""

    def __init__(self, error):
        self.error = error
        self.calls = 0

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls += 1
            raise self.error

        return call


class AnsweringThenRefusing:
    """Answers POST /analytics/post for the first `answers` posts, then refuses the key."""

    def __init__(self, answers, social_ids):
        self.answers, self.social_ids, self.asked = answers, social_ids, []

    def post_analytics(self, ayrshare_id):
        self.asked.append(ayrshare_id)
        if len(self.asked) > self.answers:
            raise AuthError("API Key not valid", status=401)
        entry = {
            "id": self.social_ids[ayrshare_id],
            "analytics": {"likeCount": 7, "impressions": 120},
        }
        return {"status": "success", "id": ayrshare_id, "facebook": entry}


@pytest.fixture
def profile(db):
    profile = ProfileFactory(platforms=["facebook", "instagram"])
    sync.ensure_units([profile])
    return profile


def use_client(monkeypatch, client):
    monkeypatch.setattr(sync, "client_for", lambda profile, budget, stop_at: client)


def state(profile, unit):
    return SyncState.objects.get(profile=profile, unit=unit)


def test_units_follow_the_linked_networks(profile):
    units = set(SyncState.objects.filter(profile=profile).values_list("unit", flat=True))
    assert units == {
        "history",
        "post_analytics",
        "native_analytics",
        "links",
        "social",
        "user",
        "platform:facebook",
        "platform:instagram",
    }


def test_rate_limit_pauses_every_unit_of_that_profile_only(profile, monkeypatch):
    other = ProfileFactory(workspace=profile.workspace, platforms=["facebook"])
    sync.ensure_units([other])
    use_client(monkeypatch, RefusingClient(RateLimitError("Too many requests", retry_after=120)))

    before = timezone.now()
    assert sync.run_unit(state(profile, "platform:facebook").pk) == "paused"

    paused = SyncState.objects.filter(profile=profile)
    assert all(s.backoff_until >= before + timedelta(seconds=119) for s in paused)
    assert not SyncState.objects.filter(profile=other, backoff_until__isnull=False).exists()
    assert "Ayrshare asked for a pause" in state(profile, "platform:facebook").last_error
    # Nothing is due for the paused profile until Retry-After has passed.
    assert not sync.due_states().filter(profile=profile).exists()


def test_transient_failures_back_off_exponentially_and_keep_cached_metrics(profile, monkeypatch):
    cached = PlatformPostFactory(profile=profile, platform="facebook", likes=42, impressions=900)
    use_client(monkeypatch, RefusingClient(TransientError("Ayrshare did not answer")))
    unit = state(profile, "platform:facebook")

    assert sync.run_unit(unit.pk) == "failed"
    first = state(profile, "platform:facebook")
    SyncState.objects.filter(pk=unit.pk).update(backoff_until=None)
    assert sync.run_unit(unit.pk) == "failed"
    second = state(profile, "platform:facebook")

    assert first.consecutive_failures == 1 and second.consecutive_failures == 2
    assert second.backoff_until - second.last_attempt > first.backoff_until - first.last_attempt
    assert "did not answer" in second.last_error
    cached.refresh_from_db()
    assert (cached.likes, cached.impressions) == (42, 900)


def test_a_server_error_with_retry_after_backs_off_at_least_that_long(profile, monkeypatch):
    error = TransientError("Service unavailable", status=503, retry_after=3600)
    use_client(monkeypatch, RefusingClient(error))
    unit = state(profile, "history")

    assert sync.run_unit(unit.pk) == "failed"

    failed = state(profile, "history")
    # The first failure alone would wait about SYNC_RETRY_BASE_SECONDS (60 s).
    assert failed.backoff_until - failed.last_attempt >= timedelta(seconds=3600)


def test_bad_key_is_reported_in_plain_words(profile, monkeypatch):
    use_client(monkeypatch, RefusingClient(AuthError("API Key not valid", status=403)))
    assert sync.run_unit(state(profile, "history").pk) == "failed"
    assert "rejected the API key" in state(profile, "history").last_error


def test_post_analytics_keeps_the_numbers_it_was_given_before_the_key_was_refused(
    profile, monkeypatch
):
    now = timezone.now()
    rows = [
        PlatformPostFactory(
            profile=profile,
            post=PostFactory(profile=profile),
            likes=1,
            impressions=10,
            published_at=now - timedelta(hours=3 + n),
        )
        for n in range(4)
    ]
    client = AnsweringThenRefusing(2, {row.post.ayrshare_id: row.social_id for row in rows})
    use_client(monkeypatch, client)

    assert sync.run_unit(state(profile, "post_analytics").pk) == "failed"

    assert len(client.asked) == 3  # two answers, then the refusal ended the run
    numbers = {row.post.ayrshare_id: (row.likes, row.impressions) for row in rows}
    for row in rows:
        row.refresh_from_db()
        numbers[row.post.ayrshare_id] = (row.likes, row.impressions)
    assert [numbers[post] for post in client.asked[:2]] == [(7, 120), (7, 120)]
    assert sorted(numbers.values()).count((1, 10)) == 2  # the others keep what they had
    assert "rejected the API key" in state(profile, "post_analytics").last_error


def test_spent_budget_pauses_the_unit_without_counting_a_failure(profile, monkeypatch):
    use_client(monkeypatch, RefusingClient(BudgetExhausted(90)))
    before = timezone.now()
    assert sync.run_unit(state(profile, "links").pk) == "paused"
    unit = state(profile, "links")
    assert unit.consecutive_failures == 0
    assert unit.next_update >= before + timedelta(seconds=89)


def test_a_server_error_whose_retry_the_budget_refuses_backs_the_unit_off(
    profile, settings, tmp_path
):
    # Seen in the resilience bench: while this unit waited out a 503's Retry-After, another unit
    # of the profile met a 429 and paused the profile's budget. The retry was refused, and the
    # unit paused as if its call had never failed: no failure, no backoff, no error shown.
    settings.REDIS_URL = ""
    settings.DATA_DIR = tmp_path  # the budget in a file of this test's own
    settings.AYRSHARE_MAX_RETRIES = 3

    def unavailable_while_a_sibling_meets_a_429(request):
        ratelimit.Budget(profile.pk).pause(2)
        return 503, {"Retry-After": "0"}, '{"status": "error", "message": "Unavailable"}'

    with responses.RequestsMock() as ayrshare:
        ayrshare.add_callback(
            responses.GET,
            f"{settings.AYRSHARE_API_URL}/history/facebook",
            callback=unavailable_while_a_sibling_meets_a_429,
        )
        assert sync.run_unit(state(profile, "platform:facebook").pk) == "failed"
        assert len(ayrshare.calls) == 1  # the paused budget still holds the retry back

    unit = state(profile, "platform:facebook")
    assert unit.consecutive_failures == 1
    assert unit.backoff_until > timezone.now() + timedelta(seconds=30)
    assert "Unavailable" in unit.last_error


def test_with_redis_away_a_unit_sends_nothing_and_waits_a_beat_without_a_failure(
    profile, monkeypatch, settings
):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"  # where the budget lives; nothing answers
    monkeypatch.setattr(ratelimit, "_redis_client", None)
    before = timezone.now()
    with responses.RequestsMock() as ayrshare:
        assert sync.run_unit(state(profile, "links").pk) == "paused"
        assert not ayrshare.calls
    unit = state(profile, "links")
    assert (unit.last_error, unit.consecutive_failures, unit.backoff_until) == ("", 0, None)
    assert unit.next_update >= before + timedelta(seconds=settings.SYNC_BEAT_SECONDS)


def test_unexpected_errors_are_recorded_and_pushed_back(profile, monkeypatch):
    use_client(monkeypatch, RefusingClient(KeyError("surprise")))
    assert sync.run_unit(state(profile, "social").pk) == "failed"
    unit = state(profile, "social")
    assert unit.last_error_code == "unexpected"
    assert unit.backoff_until > timezone.now()
    assert unit.lease_until is None  # the lease is released even after a crash


def test_a_held_lease_keeps_a_second_worker_out(profile, monkeypatch):
    client = RefusingClient(TransientError("should not be called"))
    use_client(monkeypatch, client)
    unit = state(profile, "history")
    token = sync.claim(unit.pk)
    assert token
    assert sync.claim(unit.pk) is None
    assert sync.run_unit(unit.pk) == "busy"
    assert client.calls == 0


def test_an_expired_lease_of_a_killed_worker_is_taken_over(profile, monkeypatch):
    use_client(monkeypatch, RefusingClient(TransientError("down")))
    unit = state(profile, "history")
    SyncState.objects.filter(pk=unit.pk).update(
        lease_until=timezone.now() - timedelta(seconds=1), lease_token="dead-worker"
    )
    assert sync.run_unit(unit.pk) == "failed"  # it ran, and failed on the refusing client


def test_units_not_yet_due_are_left_alone_unless_forced(profile, monkeypatch):
    client = RefusingClient(TransientError("down"))
    use_client(monkeypatch, client)
    unit = state(profile, "links")
    SyncState.objects.filter(pk=unit.pk).update(next_update=timezone.now() + timedelta(hours=1))
    assert sync.run_unit(unit.pk) == "not-due"
    assert client.calls == 0
    assert sync.run_unit(unit.pk, force=True) == "failed"
    assert client.calls == 1


def test_archived_profiles_are_never_due(profile):
    profile.archived_at = timezone.now()
    profile.save()
    assert not sync.due_states().filter(profile=profile).exists()


def test_unlinking_a_network_drops_its_unit(profile):
    profile.platforms = ["facebook"]
    profile.save()
    sync.ensure_units([profile])
    units = set(SyncState.objects.filter(profile=profile).values_list("unit", flat=True))
    assert "platform:instagram" not in units and "platform:facebook" in units
