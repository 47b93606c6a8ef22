"""The per-profile request budget, on both of its stores (a file, or Redis when configured)."""

import os
import uuid

import pytest

from dashboard.ayrshare.client import BudgetExhausted
from dashboard.ratelimit import Budget


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture(params=["file", "redis"])
def store(request, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    if request.param == "redis":
        if not os.environ.get("REDIS_URL"):
            pytest.skip("needs Redis: set REDIS_URL")
        settings.REDIS_URL = os.environ["REDIS_URL"]
    else:
        settings.REDIS_URL = ""
    # A profile id no other test uses, so parallel runs sharing Redis never meet.
    return uuid.uuid4().hex


def test_the_window_allows_the_budget_then_says_how_long_to_wait(store):
    clock = Clock()
    budget = Budget(store, limit=3, window=300, slack=0, clock=clock)
    for _ in range(3):
        budget.charge()
        clock.now += 10
    with pytest.raises(BudgetExhausted) as refused:
        budget.charge()
    assert refused.value.args[0] == pytest.approx(270)  # the first request leaves at 300 s
    clock.now += 271
    budget.charge()


def test_a_charge_stays_in_the_window_while_its_request_may_still_be_arriving(store, settings):
    settings.AYRSHARE_CONNECT_TIMEOUT = 5
    clock = Clock()
    budget = Budget(store, limit=1, window=300, clock=clock)
    budget.charge()
    clock.now += 300
    # Sent at 0 s, it may have reached Ayrshare at up to 5 s: a second one now could land in
    # the same 300-s window there.
    with pytest.raises(BudgetExhausted) as refused:
        budget.charge()
    assert refused.value.args[0] == pytest.approx(5)
    clock.now += 5
    budget.charge()


def test_every_worker_shares_one_budget_per_profile(store):
    clock = Clock()
    first, second = (Budget(store, limit=2, window=60, clock=clock) for _ in range(2))
    first.charge()
    second.charge()
    with pytest.raises(BudgetExhausted):
        first.charge()
    Budget(f"{store}-other", limit=2, window=60, clock=clock).charge()  # another profile


def test_a_pause_after_a_429_stops_every_worker_of_that_profile(store):
    clock = Clock()
    Budget(store, limit=100, window=60, clock=clock).pause(30)
    with pytest.raises(BudgetExhausted) as refused:
        Budget(store, limit=100, window=60, clock=clock).charge()
    assert refused.value.args[0] == pytest.approx(30)
    clock.now += 31
    Budget(store, limit=100, window=60, clock=clock).charge()
