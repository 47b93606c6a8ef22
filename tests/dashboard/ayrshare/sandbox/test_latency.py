"""Ayrshare-like latency: a per-call log-normal draw set by its median and 99th percentile."""

import random
import statistics
import time

import pytest
import requests
from django.core.management import CommandError, call_command

from dashboard.ayrshare.sandbox.latency import draw_ms, page_size

from .conftest import get


def draws(limit=None, n=20_000, median=300, p99=2000):
    rng = random.Random(7)
    return sorted(draw_ms(rng, median, p99, limit) for _ in range(n))


def test_draws_have_the_median_and_99th_percentile_asked_for():
    delays = draws()
    assert statistics.median(delays) == pytest.approx(300, rel=0.1)
    assert delays[int(len(delays) * 0.99)] == pytest.approx(2000, rel=0.1)
    assert min(delays) > 0


def test_a_big_page_draws_a_longer_delay_than_a_small_one():
    small, big = draws(limit=10, n=2000), draws(limit=500, n=2000)
    assert statistics.median(big) > 1.9 * statistics.median(small)
    assert all(b > s for s, b in zip(small, big, strict=True))


def test_the_page_size_is_the_network_page_asked_for_within_its_bounds():
    assert page_size("/history/facebook", {"limit": ["500"]}, 10) == 500
    assert page_size("/history/facebook", {}, 10) == 10
    assert page_size("/history/facebook", {"limit": ["9000"]}, 10) == 500
    # GET /history reads Ayrshare's own record, not the networks: no page factor.
    assert page_size("/history", {"startDate": ["2026-02-01T00:00:00Z"]}, 10) is None
    assert page_size("/history", {"limit": ["1000"]}, 10) is None
    assert page_size("/history/rhn6u7wwz2WxGv6MZGK9", {}, 10) is None
    assert page_size("/analytics/post", {}, 10) is None


def test_no_distribution_draws_no_delay():
    assert draw_ms(random.Random(1), 0, 0, limit=500) == 0


def test_every_call_waits_its_draw_and_big_pages_wait_longer(sandbox):
    # p99 == median: every draw is the median exactly, so the wait has a floor to check.
    sandbox.configure(latency_median_ms=150, latency_p99_ms=150)
    began = time.monotonic()
    assert get(sandbox, "/history/facebook", limit=10).status_code == 200
    assert time.monotonic() - began >= 0.15
    began = time.monotonic()
    assert get(sandbox, "/history/facebook", limit=500).status_code == 200
    assert time.monotonic() - began >= 0.3


def test_the_distribution_can_be_set_live_and_bad_values_are_refused(sandbox):
    url = f"{sandbox.base_url}/_sandbox/config"
    for change in (
        {"latency_median_ms": 300},  # no p99
        {"latency_median_ms": 300, "latency_p99_ms": 200},  # p99 below the median
        {"latency_median_ms": -1, "latency_p99_ms": 200},
        {"latency_median_ms": "fast", "latency_p99_ms": 200},
    ):
        response = requests.post(url, json=change, timeout=5)
        assert response.status_code == 400, change
        assert "latency" in response.json()["message"]
    assert sandbox.config.latency_median_ms == 0

    answer = requests.post(url, json={"latency_median_ms": 300, "latency_p99_ms": 2000}, timeout=5)
    assert answer.status_code == 200
    assert (answer.json()["latency_median_ms"], answer.json()["latency_p99_ms"]) == (300, 2000)
    stats = requests.get(f"{sandbox.base_url}/_sandbox/stats", timeout=5).json()
    assert stats["latency"]["median_ms"] == 300 and stats["latency"]["p99_ms"] == 2000
    off = requests.post(url, json={"latency_median_ms": 0, "latency_p99_ms": 0}, timeout=5)
    assert off.status_code == 200


@pytest.mark.parametrize(
    "flags",
    [
        ["--latency-median-ms", "300"],
        ["--latency-median-ms", "300", "--latency-p99-ms", "100"],
        ["--latency-median-ms", "-5", "--latency-p99-ms", "100"],
    ],
)
def test_the_command_refuses_a_latency_pair_that_does_not_fit(flags):
    with pytest.raises(CommandError, match="--latency-median-ms and --latency-p99-ms"):
        call_command("ayrshare_sandbox", "--port", "0", *flags)


def test_the_command_refuses_an_empty_call_log():
    with pytest.raises(CommandError, match="--call-log-size must be at least 1"):
        call_command("ayrshare_sandbox", "--port", "0", "--call-log-size", "0")


@pytest.mark.parametrize("scale", ["0", "-1"])
def test_the_command_refuses_intervals_that_never_end(scale):
    with pytest.raises(CommandError, match="--interval-scale must be above 0"):
        call_command("ayrshare_sandbox", "--port", "0", "--interval-scale", scale)
