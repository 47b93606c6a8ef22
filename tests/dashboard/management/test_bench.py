"""`manage.py bench`: a whole (small) run on PostgreSQL, its table and JSON, and no leftovers."""

import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Profile, Workspace
from dashboard.bench import downloads, load, pdfs, resilience, sends
from dashboard.management.commands import bench
from dashboard.models import DailyMetrics, MetricSnapshot, PlatformPost, SyncState

pytestmark = pytest.mark.django_db
GOALS = [f"P{n}" for n in range(1, 11)] + [f"R{n}" for n in range(1, 8)] + ["PDF1", "PDF2", "M1"]
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the benchmark measures PostgreSQL"
)


def counts():
    models = (Workspace, Profile, PlatformPost, MetricSnapshot, DailyMetrics, SyncState)
    return [model.objects.count() for model in models] + [get_user_model().objects.count()]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the SQLite refusal")
def test_refuses_sqlite_and_says_what_to_do():
    with pytest.raises(CommandError, match="DATABASE_URL=postgres://"):
        call_command("bench", "--quick")


@postgresql_only
def test_refuses_sizes_it_cannot_measure():
    with pytest.raises(CommandError, match="--posts"):
        call_command("bench", "--posts", "100", "--profiles", "2")


@postgresql_only
def test_a_small_run_prints_and_writes_every_goal_and_cleans_up(monkeypatch, tmp_path):
    monkeypatch.setattr(bench, "SMALL_POSTS", 300)
    # Workers cannot see this test's transaction; tests/integration runs the resilience part.
    ran = []
    monkeypatch.setattr(
        resilience, "measure", lambda scale, log: ran.append(scale) or resilience.not_measured("-")
    )
    monkeypatch.setattr(load, "measure", lambda scale, log: ran.append(scale) or [])
    # Chromium's renders read the seeded rows from another connection: tests/dashboard/bench.
    monkeypatch.setattr(pdfs, "measure", lambda seeded: pdfs.not_measured())
    monkeypatch.setattr(
        sends, "measure", lambda count, log: ran.append(count) or [sends._row(count, None, "-")]
    )
    before = counts()
    out = io.StringIO()
    path = tmp_path / "bench.json"

    call_command(
        "bench",
        "--posts",
        "1200",
        "--profiles",
        "4",
        "--repeat",
        "1",
        "--json",
        str(path),
        stdout=out,
    )

    printed = out.getvalue()
    for goal in GOALS:
        assert re.search(rf"^{goal}\s", printed, re.M), goal
    results = json.loads(path.read_text())["results"]
    assert {r["goal"] for r in results} == set(GOALS)
    by_goal = {}
    for r in results:
        by_goal.setdefault(r["goal"], []).append(r)
    # Every sort of the history is measured at both sizes.
    assert len(by_goal["P6"]) == 22
    # Figures that do not depend on the machine's speed hold even in a tiny run.
    assert by_goal["P7"][0]["ratio"] <= 1001
    assert [r["ratio"] for r in by_goal["P8"] if "rollup" in r["metric"]] == [1.0]
    statements = next(r for r in by_goal["P9"] if "statements" in r["metric"])
    assert statements["passed"] is True
    assert all(r["ratio"] is not None for g in ("P1", "P2", "P3", "P4", "P5") for r in by_goal[g])
    assert counts() == before
    assert ran == [resilience.FULL, sends.FULL, load.FULL]


def test_the_worker_timeout_is_the_one_the_image_runs_with():
    dockerfile = (Path(__file__).parents[3] / "Dockerfile").read_text()

    assert f'"--timeout", "{downloads.WEB_TIMEOUT_SECONDS}"' in dockerfile
    assert '"--worker-class", "gthread"' in dockerfile
