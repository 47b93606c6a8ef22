"""Rate limits, 429 bursts and injected faults, as a client meets them over HTTP."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from dashboard.ayrshare.sandbox import start_sandbox

from .conftest import START, call, get


def calls(sb, since=0):
    return requests.get(f"{sb.base_url}/_sandbox/calls", params={"since": since}, timeout=5).json()


def test_every_answer_reports_the_rate_limit_budget(sandbox):
    for expected_count in (1, 2, 3):
        response = get(sandbox, "/history")
        assert response.headers["x-ratelimit-max"] == "300"
        assert response.headers["x-ratelimit-count"] == str(expected_count)
    assert get(sandbox, "/history", profile=1).headers["x-ratelimit-count"] == "1"


def test_over_the_limit_is_a_429_with_retry_after_per_profile(sandbox):
    sandbox.configure(rate_limit=3, rate_window=60)
    for _ in range(3):
        assert get(sandbox, "/history/facebook").status_code == 200
    blocked = get(sandbox, "/history/facebook")
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert blocked.headers["x-ratelimit-count"] == "3"
    body = blocked.json()
    assert body["status"] == "error" and body["code"] == 429 and body["action"]
    # Other profiles, and the primary profile, have their own budgets.
    assert get(sandbox, "/history/facebook", profile=1).status_code == 200
    assert get(sandbox, "/history", profile=None).status_code == 200


def test_concurrent_callers_are_all_served_and_counted(sandbox):
    def one(n):
        return get(sandbox, "/analytics/links" if n % 2 else "/history", profile=n % 3)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(one, range(60)))
    assert {response.status_code for response in responses} == {200}
    counts = sorted(
        int(r.headers["x-ratelimit-count"]) for n, r in enumerate(responses) if n % 3 == 0
    )
    assert counts == list(range(1, 21))


def test_rate_limit_is_measured_in_real_seconds():
    with start_sandbox(
        profiles=1, posts=20, start=START, speed=0, rate_limit=2, rate_window=0.5
    ) as sb:
        assert [get(sb, "/history").status_code for _ in range(3)] == [200, 200, 429]
        sb.clock.advance(3600)  # sandbox time does not refill the budget
        assert get(sb, "/history").status_code == 429
        time.sleep(0.6)
        assert get(sb, "/history").status_code == 200


def test_429_can_come_without_retry_after(sandbox):
    sandbox.configure(rate_limit=1, retry_after=False)
    get(sandbox, "/history")
    blocked = get(sandbox, "/history")
    assert blocked.status_code == 429
    assert "Retry-After" not in blocked.headers


def test_rate_limiting_can_be_switched_off():
    with start_sandbox(
        profiles=1, posts=20, start=START, speed=0, rate_limit=2, rate_limit_enabled=False
    ) as sb:
        responses = [get(sb, "/history") for _ in range(4)]
        assert [r.status_code for r in responses] == [200] * 4
        assert responses[-1].headers["x-ratelimit-count"] == "4"


def test_calling_again_before_retry_after_is_logged_as_a_violation(sandbox):
    sandbox.configure(rate_limit=1, rate_window=60)
    get(sandbox, "/history")
    get(sandbox, "/history")  # 429 with Retry-After
    get(sandbox, "/history")  # ignores it
    get(sandbox, "/history", profile=1)  # another profile was told nothing
    log = calls(sandbox)
    assert [entry["status"] for entry in log] == [429 if i in (1, 2) else 200 for i in range(4)]
    assert [entry["retry_after_violation"] for entry in log] == [False, False, True, False]
    assert log[1]["retry_after"] >= 1 and log[1]["fault"] == "rate_limited"


def test_burst_of_429s_with_a_given_retry_after(sandbox):
    sandbox.configure(burst_429=2, burst_retry_after=7)
    first, second, third = (get(sandbox, "/history") for _ in range(3))
    assert first.status_code == second.status_code == 429
    assert first.headers["Retry-After"] == "7"
    assert "x-ratelimit-count" in first.headers
    assert third.status_code == 200
    assert sandbox.config.burst_429 == 0


def test_burst_of_429s_without_retry_after(sandbox):
    response = requests.post(
        f"{sandbox.base_url}/_sandbox/config",
        json={"burst_429": 1, "burst_retry_after": None},
        timeout=5,
    )
    assert response.json()["burst_429"] == 1
    blocked = get(sandbox, "/history")
    assert blocked.status_code == 429
    assert "Retry-After" not in blocked.headers
    assert get(sandbox, "/history").status_code == 200


def test_error_rate_answers_5xx_with_an_error_body(sandbox):
    sandbox.configure(error_rate=1.0)
    response = get(sandbox, "/history")
    assert response.status_code in (500, 502, 503)
    assert response.json()["status"] == "error"
    assert calls(sandbox)[-1]["fault"] == "error"


def test_errors_can_be_503s_that_say_when_to_come_back(sandbox):
    sandbox.configure(error_rate=1.0, error_retry_after=7)
    response = get(sandbox, "/history")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.json()["code"] == 503
    assert calls(sandbox)[-1]["retry_after"] == 7


def test_malformed_rate_answers_200_with_a_body_that_is_not_json(sandbox):
    sandbox.configure(malformed_rate=1.0)
    for _ in range(6):
        response = get(sandbox, "/history/facebook")
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.text)


def test_timeout_rate_holds_the_answer_past_the_client_timeout(sandbox):
    sandbox.configure(timeout_rate=1.0, timeout_seconds=1.0)
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    with pytest.raises(requests.ReadTimeout):
        requests.get(f"{sandbox.url}/history", headers=headers, timeout=0.2)
    sandbox.configure(timeout_seconds=0.1)
    assert requests.get(f"{sandbox.url}/history", headers=headers, timeout=5).status_code == 200


def test_timeout_profiles_hold_every_call_of_those_profiles_and_no_other(sandbox):
    sandbox.configure(timeout_profiles=[1], timeout_seconds=0.6)
    with pytest.raises(requests.ReadTimeout):
        call(sandbox, "GET", "/history", profile=1, timeout=0.2)
    assert call(sandbox, "GET", "/history", profile=0, timeout=0.5).status_code == 200
    time.sleep(0.6)  # a held call is logged when its hold ends
    assert {c["profile"]: c["fault"] for c in calls(sandbox)} == {0: None, 1: "timeout"}
    for bad in ([-1], "1", [True], 1):
        response = requests.post(
            f"{sandbox.base_url}/_sandbox/config", json={"timeout_profiles": bad}, timeout=5
        )
        assert response.status_code == 400, bad


def test_timeout_can_drop_the_connection(sandbox):
    sandbox.configure(timeout_rate=1.0, timeout_seconds=0.05, timeout_action="drop")
    with pytest.raises(requests.ConnectionError):
        get(sandbox, "/history")
    assert calls(sandbox)[-1]["fault"] == "timeout"


def test_latency_is_added_to_every_api_call(sandbox):
    sandbox.configure(latency_ms=300)
    began = time.monotonic()
    get(sandbox, "/history")
    assert time.monotonic() - began >= 0.3


def test_stop_does_not_wait_for_held_requests():
    sb = start_sandbox(
        profiles=1, posts=10, start=START, speed=0, timeout_rate=1.0, timeout_seconds=60
    )
    headers = {"Authorization": f"Bearer {sb.api_key}"}
    with pytest.raises(requests.ReadTimeout):
        requests.get(f"{sb.url}/history", headers=headers, timeout=0.2)
    began = time.monotonic()
    sb.stop()
    assert time.monotonic() - began < 5


def test_fault_pattern_is_reproducible_for_a_seed():
    def statuses(fault_seed):
        with start_sandbox(
            profiles=1, posts=10, start=START, speed=0, error_rate=0.5, fault_seed=fault_seed
        ) as sb:
            return [get(sb, "/history").status_code for _ in range(20)]

    first = statuses(3)
    assert first == statuses(3)
    assert 200 in first and any(status >= 500 for status in first)
    assert first != statuses(4)


def test_invalid_live_knobs_are_rejected(sandbox):
    for change in (
        {"error_rate": 2},
        {"posts": 10},
        {"timeout_action": "explode"},
        {"retry_after": "yes"},
    ):
        response = requests.post(f"{sandbox.base_url}/_sandbox/config", json=change, timeout=5)
        assert response.status_code == 400, change
    assert sandbox.config.error_rate == 0
