"""Migrations that move data: run forward from the state before them, on real rows."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("dashboard", "0003_daily_rollups"), ("accounts", "0002_profile_suspended_invitation")]
AFTER = [("dashboard", "0005_snapshot_profile_required")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    """The next tests on this database expect every migration applied."""
    yield
    executor = MigrationExecutor(connection)
    _migrate(executor.loader.graph.leaf_nodes())


def test_existing_snapshots_get_their_posts_profile():
    old = _migrate(BEFORE)
    workspace = old.get_model("accounts", "Workspace").objects.create(name="W", slug="w")
    profiles = [
        old.get_model("accounts", "Profile").objects.create(workspace=workspace, title=t)
        for t in ("A", "B")
    ]
    now = timezone.now()
    for n, profile in enumerate(profiles):
        post = old.get_model("dashboard", "PlatformPost").objects.create(
            profile=profile,
            platform="facebook",
            social_id=f"p{n}",
            published_at=now,
            synced_at=now,
        )
        old.get_model("dashboard", "MetricSnapshot").objects.create(
            platform_post=post, captured_at=now - datetime.timedelta(hours=n), likes=n
        )

    new = _migrate(AFTER)

    rows = new.get_model("dashboard", "MetricSnapshot").objects.values_list("profile_id", "likes")
    assert sorted(rows) == [(profiles[0].pk, 0), (profiles[1].pk, 1)]
