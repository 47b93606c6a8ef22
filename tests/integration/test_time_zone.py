"""A zone change rebuilt by a real Celery worker while the same worker keeps syncing."""

import time

import pytest

from accounts.forms import WorkspaceSettingsForm
from accounts.models import Workspace
from dashboard.bench.workers import run_cycle
from dashboard.celery import app
from dashboard.tasks import rebuild_rollups_in_zone
from tests.dashboard.test_rollups import assert_rollups_exact
from tests.integration.test_pipeline import sync_until_complete

pytestmark = pytest.mark.integration


def send_rebuild(worker, workspace):
    """What the settings page enqueues, sent to this test's worker queue."""
    broker = worker.env.get("CELERY_BROKER_URL") or worker.env["REDIS_URL"]
    with app.connection_for_write(broker) as connection:
        rebuild_rollups_in_zone.apply_async(
            args=[workspace.pk], queue=worker.queue, connection=connection
        )


def test_the_worker_rebuilds_the_rollups_in_the_new_zone_while_syncing(agency, sandbox, worker):
    sync_until_complete(worker)
    assert_rollups_exact()

    form = WorkspaceSettingsForm(
        {"name": agency.name, "time_zone": "Pacific/Chatham"}, instance=agency
    )
    assert form.is_valid(), form.errors
    form.save()
    send_rebuild(worker, agency)
    send_rebuild(worker, agency)  # twice, as a retried task would
    run_cycle(worker)  # syncs side by side with the rebuilds

    deadline = time.monotonic() + 60
    while Workspace.objects.get(pk=agency.pk).recounting:
        assert time.monotonic() < deadline, worker.log()[-3000:]
        time.sleep(0.2)
    run_cycle(worker)
    assert Workspace.objects.get(pk=agency.pk).rollups_zone == "Pacific/Chatham"
    assert_rollups_exact()  # every day a Chatham day (+12:45/+13:45), none left behind
