"""R1 to R6's figures from the sandbox's call log and our rows: windows, retries, lags."""

from datetime import UTC, datetime, timedelta

from dashboard.bench.resilience import (
    busiest_per_profile,
    busiest_window,
    failed_calls,
    rate_limited,
    retry_ratios,
    unit_of,
    within_limit,
)


def call(profile, at, status=200, **fields):
    return {
        "profile": profile,
        "wall_time": at,
        "status": status,
        "method": "GET",
        "path": "/api/history/facebook",
        "query": {"limit": "500"},
        "body": None,
        "resource": "history/facebook",
        "retry_after": None,
        "fault": None,
        **fields,
    }


def test_the_busiest_window_counts_calls_less_than_a_window_apart():
    assert busiest_window([], 10) == 0
    assert busiest_window([0, 1, 2, 9.9], 10) == 4
    # A call exactly one window after the first one no longer shares its window.
    assert busiest_window([0, 1, 2, 10], 10) == 3
    assert busiest_window([30, 0, 25, 5, 21, 22], 10) == 4


def test_windows_are_counted_per_profile():
    calls = [call(0, t) for t in (0, 1, 2)] + [call(1, t) for t in (0, 20, 40, 60)]

    assert busiest_per_profile(calls, 10) == 3
    assert busiest_per_profile([], 10) == 0


def test_only_the_sandboxs_own_limit_counts_as_a_429_met():
    calls = [
        call(0, 1, 429, fault="rate_limited"),
        call(0, 2, 429, fault="burst_429"),
        call(1, 3, 429, fault="rate_limited"),
        call(1, 4, 429, fault="rate_limited"),
    ]

    assert rate_limited(calls) == {0: 1, 1: 2}


def test_a_retry_is_measured_from_the_429_to_the_profiles_next_call_of_any_kind():
    calls = [
        call(0, 10.0, 429, retry_after=2),
        call(1, 10.5),  # another profile: not a retry
        call(0, 13.0, path="/api/history"),
        call(1, 20.0, 429, retry_after=4),
        call(1, 23.0),  # too soon
        call(2, 30.0, 429, retry_after=2),  # never retried in the log: no ratio
        call(0, 40.0, 429, retry_after=None),  # no Retry-After: nothing to compare
        call(0, 40.1),
    ]

    assert retry_ratios(calls) == [1.5, 0.75]


def test_a_retry_after_a_503_is_measured_to_the_same_requests_next_call():
    calls = [
        call(0, 10.0, 503, retry_after=1),
        call(0, 10.2, path="/api/history"),  # another request of the profile: not its retry
        call(0, 11.5),
        call(1, 20.0, 503, retry_after=2),
        call(1, 21.0),  # the client came back too soon
    ]

    assert retry_ratios(calls) == [1.5, 0.5]


def test_failed_calls_group_a_call_with_its_quick_retries():
    calls = [
        call(0, 0.0, 503),
        call(0, 0.4, 502),
        call(0, 1.5, 200),  # third attempt succeeded
        call(1, 0.0, 500),
        call(1, 0.3, 500),
        call(1, 1.0, 500),
        call(1, 3.0, 500),  # four attempts, then the unit gave up
        call(1, 70.0, 200),  # a later run of the unit: a new call, and a healthy one
        call(0, 5.0, 200, path="/api/history"),  # healthy calls are not listed
    ]

    episodes = failed_calls(calls, gap=5.0)

    assert [(key[0], attempts, gave_up) for key, attempts, gave_up, _ in episodes] == [
        (0, 3, False),
        (1, 4, True),
    ]
    assert episodes[1][3] == "history/facebook"


def test_a_different_request_is_not_a_retry_of_a_failed_one():
    calls = [call(0, 0.0, 503), call(0, 0.2, 200, query={"limit": "10"})]

    assert [(attempts, gave_up) for _, attempts, gave_up, _ in failed_calls(calls)] == [(1, True)]


def test_each_resource_belongs_to_the_unit_that_calls_it():
    assert unit_of("history") == "history"
    assert unit_of("history/facebook") == "platform:facebook"
    assert unit_of("history/AbC123") == "history"  # a post re-checked by id
    assert unit_of("analytics/post:AbC123") == "post_analytics"
    assert unit_of("analytics/social") == "social"
    assert unit_of("analytics/links") == "links"
    assert unit_of("analytics/youTubePlaylists") == "playlists"
    assert unit_of("links") == "links"
    assert unit_of("user") == "user"
    assert unit_of("analytics/post-by-social-id:17900") == "native_analytics"


def test_a_unit_is_on_time_within_the_limit_and_late_if_it_never_synced():
    t = datetime(2026, 12, 4, 12, tzinfo=UTC)
    due = {1: t, 2: t, 3: t + timedelta(seconds=10), 4: t}
    synced = {
        1: t + timedelta(seconds=4),  # exactly two beats of 2 s: on time
        2: t + timedelta(seconds=4.1),
        3: t + timedelta(seconds=11),
    }

    within, total, worst = within_limit(due, synced, timedelta(seconds=4))

    assert (within, total) == (2, 4)
    assert worst is None  # one unit never synced: no worst lag to speak of
    assert within_limit(due, synced | {4: t}, timedelta(seconds=4))[2] == timedelta(seconds=4.1)
