"""The /_sandbox control routes, the ground truth they publish, and the management command."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from .conftest import START, get, when

ROOT = Path(__file__).resolve().parents[4]


def control(sb, method, path, **kwargs):
    response = requests.request(method, f"{sb.base_url}/_sandbox{path}", timeout=10, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def test_keys_are_deterministic_and_published(sandbox):
    keys = control(sandbox, "GET", "/keys")
    assert keys["apiKey"] == "sandbox-1-api-key" == sandbox.api_key
    assert keys["url"] == sandbox.url and sandbox.url.endswith("/api")
    assert [p["profileKey"] for p in keys["profiles"]] == sandbox.profile_keys
    assert len(set(sandbox.profile_keys)) == 3
    assert keys["profiles"][0]["platforms"] == [
        "bluesky",
        "facebook",
        "instagram",
        "linkedin",
        "pinterest",
        "tiktok",
        "twitter",
        "youtube",
    ]
    titles = [p["title"] for p in keys["profiles"]]
    refs = {
        p["title"]: p["refId"] for p in get(sandbox, "/profiles", profile=None).json()["profiles"]
    }
    assert [refs[title] for title in titles] == [p["refId"] for p in keys["profiles"]]


def test_clock_can_be_read_advanced_set_and_sped_up(sandbox):
    assert when(control(sandbox, "GET", "/clock")["now"]) == when(START)
    advanced = control(sandbox, "POST", "/clock", json={"advance": 90})
    assert when(advanced["now"]) == when(START) + 90
    moved = control(sandbox, "POST", "/clock", json={"set": "2026-04-01T00:00:00Z"})
    assert moved["now"] == "2026-04-01T00:00:00.000Z"
    fast = control(sandbox, "POST", "/clock", json={"speed": 3600})
    assert fast["speed"] == 3600
    assert when(control(sandbox, "GET", "/clock")["now"]) > when("2026-04-01T00:00:00Z")


def test_call_log_pages_by_index_and_clears(sandbox):
    get(sandbox, "/history", limit=3)
    get(sandbox, "/history/facebook")
    log = control(sandbox, "GET", "/calls")
    assert [entry["index"] for entry in log] == [0, 1]
    first = log[0]
    assert first["method"] == "GET" and first["path"] == "/api/history"
    assert first["query"] == {"limit": "3"} and first["profile"] == 0
    assert first["status"] == 200 and first["sandbox_time"] == "2026-03-01T12:00:00.000Z"
    assert "Authorization" not in str(first) and sandbox.api_key not in str(log)
    assert [entry["index"] for entry in control(sandbox, "GET", "/calls", params={"since": 1})] == [
        1
    ]
    control(sandbox, "DELETE", "/calls")
    assert control(sandbox, "GET", "/calls") == []
    get(sandbox, "/history")
    assert [entry["index"] for entry in control(sandbox, "GET", "/calls")] == [2]


def test_expected_matches_what_the_api_serves(sandbox):
    truth = control(sandbox, "GET", "/expected", params={"profile": 0})
    assert truth["total"] == len(truth["items"]) == 300 + sum(truth["outsidePosts"].values())
    posts = [row for row in truth["items"] if row["kind"] == "ayrshare"]
    statuses = {row["status"] for row in posts}
    served = set()
    for status in statuses:
        history = get(sandbox, "/history", lastDays=0, status=status).json()["history"]
        served |= {item["id"] for item in history}
    assert served == {row["id"] for row in posts}
    for platform in ("facebook", "youtube"):
        body = get(sandbox, f"/history/{platform}", limit=500).json()
        at_tick = control(
            sandbox, "GET", "/expected", params={"profile": 0, "at": body["lastUpdated"]}
        )
        live = {
            social["id"]
            for row in at_tick["items"]
            if row["kind"] == "ayrshare"
            for social in row["socialIds"]
            if social["platform"] == platform and social["live"]
        }
        outside = {row["id"] for row in at_tick["items"] if row.get("platform") == platform}
        assert {item["id"] for item in body["posts"]} == live | outside


def test_expected_is_paged_and_includes_deleted_posts(sandbox):
    whole = control(sandbox, "GET", "/expected", params={"profile": 1})["items"]
    pages = []
    for offset in range(0, len(whole), 100):
        pages += control(
            sandbox, "GET", "/expected", params={"profile": 1, "offset": offset, "limit": 100}
        )["items"]
    assert pages == whole
    assert any(row.get("status") == "deleted" for row in whole)
    primary = control(sandbox, "GET", "/expected", params={"profile": "primary"})
    assert primary["total"] == 0
    assert requests.get(f"{sandbox.base_url}/_sandbox/expected", timeout=5).status_code == 400


def test_posts_made_outside_ayrshare_keep_appearing_as_time_passes(sandbox):
    before = control(sandbox, "GET", "/expected", params={"profile": 0})["outsidePosts"]
    control(sandbox, "POST", "/clock", json={"advance": 30 * 86400})
    after = control(sandbox, "GET", "/expected", params={"profile": 0})["outsidePosts"]
    assert all(after[platform] > before[platform] for platform in before)


def test_stats_count_api_requests_and_the_sandboxs_own_cpu(sandbox):
    before = control(sandbox, "GET", "/stats")
    for _ in range(3):
        get(sandbox, "/history")
    get(sandbox, "/user", profile=None)
    control(sandbox, "GET", "/keys")  # control routes are not API requests
    control(sandbox, "DELETE", "/calls")  # and forgetting the log keeps the count
    after = control(sandbox, "GET", "/stats")
    assert after["requests"] - before["requests"] == 4
    assert after["in_flight"] == 0
    assert after["cpu_seconds"] >= before["cpu_seconds"] > 0
    assert after["latency"] == {"median_ms": 0, "p99_ms": 0, "fixed_ms": 0}


def test_unknown_routes_answer_404(sandbox):
    assert requests.get(f"{sandbox.base_url}/_sandbox/nothing", timeout=5).status_code == 404
    assert get(sandbox, "/nothing").status_code == 404
    assert requests.get(f"{sandbox.base_url}/", timeout=5).status_code == 404


def test_management_command_serves_and_stops_cleanly_on_ctrl_c():
    process, lines = start_command("--seed", "4")
    try:
        url = lines[0].split(" at ")[1].strip()
        assert lines[1].strip() == "API key: sandbox-4-api-key"
        assert len([line for line in lines if line.startswith("Profile ")]) == 3
        answer = requests.get(
            f"{url}/history", headers={"Authorization": "Bearer sandbox-4-api-key"}, timeout=5
        )
        assert answer.status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        assert "Sandbox stopped." in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()


def test_management_command_under_load_settings_lists_a_few_of_many_profiles():
    process, lines = start_command(
        "--profiles",
        "10000",
        "--latency-median-ms",
        "300",
        "--latency-p99-ms",
        "2000",
        "--call-log-size",
        "5000",
        "--interval-scale",
        "0.05",
    )
    try:
        assert len([line for line in lines if line.startswith("Profile ")]) == 20
        assert "... and 9980 more profiles (GET /_sandbox/keys lists them all)\n" in lines
        base_url = lines[0].split(" at ")[1].strip().removesuffix("/api")
        config = requests.get(f"{base_url}/_sandbox/config", timeout=5).json()
        assert (config["profiles"], config["call_log_size"]) == (10_000, 5000)
        assert config["interval_scale"] == 0.05
        stats = requests.get(f"{base_url}/_sandbox/stats", timeout=5).json()
        assert stats["latency"] == {"median_ms": 300, "p99_ms": 2000, "fixed_ms": 0}
    finally:
        process.kill()
        process.wait(timeout=10)


def start_command(*flags) -> tuple[subprocess.Popen, list[str]]:
    """``manage.py ayrshare_sandbox`` on a free port, and what it printed until it was ready."""
    command = [sys.executable, "manage.py", "ayrshare_sandbox", "--port", "0", "--posts", "20"]
    process = subprocess.Popen(
        [*command, *flags],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ.copy(),
        # A shell's background job starts with Ctrl-C ignored, and so would the server: the
        # test presses it, so the server must hear it as from a terminal.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "Ctrl-C" in line:
            break
    return process, lines
