"""lastUpdated / nextUpdate: numbers change only at update ticks; early callers are flagged."""

import time

import requests

from dashboard.ayrshare.sandbox import start_sandbox

from .conftest import START, get, post, when


def calls(sb, since=0):
    return requests.get(f"{sb.base_url}/_sandbox/calls", params={"since": since}, timeout=5).json()


def by_id(items):
    return {item["id"]: item for item in items}


def test_platform_history_changes_only_at_next_update(sandbox_2024):
    sandbox = sandbox_2024  # the 2024 shape still carries Facebook's impressionsUnique
    first = get(sandbox, "/history/facebook", limit=30).json()
    next_update = when(first["nextUpdate"])
    sandbox.clock.set(next_update - 1)
    assert get(sandbox, "/history/facebook", limit=30).json() == first
    sandbox.clock.set(next_update + 1)
    later = get(sandbox, "/history/facebook", limit=30).json()
    assert later["lastUpdated"] == first["nextUpdate"]
    assert when(later["nextUpdate"]) > next_update
    before, after = by_id(first["posts"]), by_id(later["posts"])
    shared = before.keys() & after.keys()
    grew = [
        sid for sid in shared if after[sid]["impressionsUnique"] > before[sid]["impressionsUnique"]
    ]
    assert grew, "young posts gain impressions between ticks"
    # Lifetime counters never go down.
    assert all(
        after[sid]["impressionsUnique"] >= before[sid]["impressionsUnique"] for sid in shared
    )


def test_post_analytics_change_only_at_next_update(sandbox):
    item = get(sandbox, "/history", status="success", platform="linkedin").json()["history"][0]
    sandbox.clock.set(item["scheduleDate"]["_seconds"] + 2 * 3600)  # a young post grows fast
    ask = {"id": item["id"], "platforms": ["linkedin"]}
    first = post(sandbox, "/analytics/post", ask).json()["linkedin"]
    next_update = when(first["nextUpdate"])
    assert 30 * 60 < next_update - when(first["lastUpdated"]) < 40 * 60
    sandbox.clock.set(next_update - 1)
    assert post(sandbox, "/analytics/post", ask).json()["linkedin"] == first
    sandbox.clock.set(next_update + 1)
    later = post(sandbox, "/analytics/post", ask).json()["linkedin"]
    assert later["lastUpdated"] == first["nextUpdate"]
    assert later["analytics"]["impressionCount"] > first["analytics"]["impressionCount"]


def test_history_refreshes_every_minute(sandbox):
    first = get(sandbox, "/history").json()
    sandbox.clock.set(when(first["nextUpdate"]) - 0.5)
    assert get(sandbox, "/history").json() == first
    sandbox.clock.set(when(first["nextUpdate"]))
    assert get(sandbox, "/history").json()["lastUpdated"] == first["nextUpdate"]


def test_calls_before_the_promised_next_update_are_logged_as_early(sandbox):
    first = get(sandbox, "/history/instagram").json()
    get(sandbox, "/history/instagram")  # too soon: same answer
    get(sandbox, "/history/instagram", limit=5)  # another query of the same resource
    sandbox.clock.set(when(first["nextUpdate"]))
    get(sandbox, "/history/instagram")
    get(sandbox, "/history/instagram", profile=1)  # another profile has its own promises
    log = calls(sandbox)
    assert [entry["resource"] for entry in log] == ["history/instagram"] * 5
    assert [entry["early"] for entry in log] == [False, True, False, False, False]
    assert [entry["early_any_query"] for entry in log] == [False, True, True, False, False]
    assert [entry["profile"] for entry in log] == [0, 0, 0, 0, 1]


def test_post_analytics_promises_are_per_post(sandbox):
    posts = get(sandbox, "/history", status="success", limit=2).json()["history"]
    since = sandbox.calls.next_index
    for item in (posts[0], posts[0], posts[1]):
        post(sandbox, "/analytics/post", {"id": item["id"]})
    log = calls(sandbox, since)
    assert [entry["resource"] for entry in log] == [
        f"analytics/post:{p['id']}" for p in (posts[0], posts[0], posts[1])
    ]
    assert [entry["early"] for entry in log] == [False, True, False]


def test_failed_answers_promise_nothing(sandbox):
    sandbox.configure(error_rate=1.0)
    get(sandbox, "/history/twitter")
    sandbox.configure(error_rate=0.0)
    get(sandbox, "/history/twitter")
    assert [entry["early"] for entry in calls(sandbox)] == [False, False]


def test_interval_scale_brings_next_update_within_seconds_of_real_time():
    with start_sandbox(profiles=1, posts=50, seed=2, interval_scale=0.01) as sb:  # real clock
        first = get(sb, "/history").json()
        next_update = when(first["nextUpdate"])
        # 60 s x 0.01 would be 0.6 s; scaled intervals stop at a floor of 3 s.
        assert round(next_update - when(first["lastUpdated"]), 3) == 3.0
        get(sb, "/history")
        time.sleep(max(0.0, next_update - time.time()) + 0.01)
        second = get(sb, "/history").json()
        assert when(second["lastUpdated"]) >= next_update
        platform = get(sb, "/history/facebook").json()
        assert when(platform["nextUpdate"]) - when(platform["lastUpdated"]) < 60
        log = calls(sb)
        # The repeat is early unless it happened to land after the tick.
        assert log[1]["early"] == (log[1]["sandbox_epoch"] < next_update)
        assert [entry["early"] for entry in log[2:]] == [False, False]


def test_same_seed_same_answers_and_another_seed_other_answers():
    paths = ["/history", "/history/facebook", "/history/tiktok"]

    def answers(seed):
        with start_sandbox(profiles=2, posts=200, seed=seed, start=START, speed=0) as sb:
            bodies = [get(sb, path, profile=1, limit=20).json() for path in paths]
            first = bodies[0]["history"][0]["id"]
            bodies.append(post(sb, "/analytics/post", {"id": first}, profile=1).json())
            return bodies, sb.api_key, sb.profile_keys

    assert answers(7) == answers(7)
    assert answers(7)[0] != answers(8)[0]
