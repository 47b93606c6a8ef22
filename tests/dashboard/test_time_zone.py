"""Days are the workspace's days: on the overview, the posts page, the CSV and the heatmap, and
in its rollups, which a zone change rebuilds while the pages read the raw rows."""

import csv
import datetime
import io
import re
import threading
import time
from datetime import UTC

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Membership, Workspace
from dashboard import rezone, rollups, workspace_rollups
from dashboard.models import DailyMetrics, WorkspaceHourlyPosts
from tests.accounts.factories import MembershipFactory, ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import PlatformPostFactory

pytestmark = pytest.mark.django_db

LATE = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # a Sunday, 00:30 on Monday in Berlin
SUNDAY, MONDAY = datetime.date(2026, 3, 1), datetime.date(2026, 3, 2)
NOTICE = (
    "Totals are being recounted for the new time zone; this page reads every post meanwhile "
    "and may be slower."
)


def owner_of(client, zone):
    membership = MembershipFactory(
        role=Membership.Role.OWNER, workspace=WorkspaceFactory(time_zone=zone)
    )
    client.force_login(membership.user)
    profile = ProfileFactory(workspace=membership.workspace)
    PlatformPostFactory(profile=profile, published_at=LATE, engagements=7, text="Late post")
    workspace_rollups.refresh(membership.workspace_id)
    return membership.workspace


def overview(client, workspace, first=SUNDAY - datetime.timedelta(days=1), last=MONDAY):
    query = f"?range=custom&start={first}&end={last}"
    response = client.get(f"/w/{workspace.slug}/{query}")
    assert response.status_code == 200
    return response.content.decode()


def engagements_on(page, day):
    row = re.search(rf'<tr data-day="{day}">(.*?)</tr>', page, re.S).group(1)
    return re.findall(r'<td class="num">([^<]*)</td>', row)[0]


def busy_slots(page):
    return re.findall(r'<tr data-slot="([^"]+)">', page)


@pytest.mark.parametrize(
    "zone, day, other, weekday, clock",
    [
        ("UTC", SUNDAY, MONDAY, "Sun", "Mar 1, 2026 23:30"),
        ("Europe/Berlin", MONDAY, SUNDAY, "Mon", "Mar 2, 2026 00:30"),
    ],
)
def test_a_post_at_23_30_utc_counts_on_the_workspaces_local_day(
    client, zone, day, other, weekday, clock
):
    workspace = owner_of(client, zone)
    page = overview(client, workspace)
    assert (engagements_on(page, day), engagements_on(page, other)) == ("7", "0")
    assert f"Days are days in {zone}" in page or f"by publish date, {zone})" in page
    assert [slot.split()[0] for slot in busy_slots(page)] == [weekday]

    posts = client.get(f"/w/{workspace.slug}/posts/?range=custom&start={day}&end={day}")
    text = posts.content.decode()
    assert "Late post" in text and clock in text
    assert "Published (UTC)" in text if zone == "UTC" else "Published (CET)" in text
    elsewhere = client.get(f"/w/{workspace.slug}/posts/?range=custom&start={other}&end={other}")
    assert "Late post" not in elsewhere.content.decode()

    for shown, rows in ((day, 1), (other, 0)):
        response = client.get(
            f"/w/{workspace.slug}/posts/export.csv?range=custom&start={shown}&end={shown}"
        )
        body = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
        found = list(csv.DictReader(io.StringIO(body)))
        assert len(found) == rows
        if rows:
            assert found[0]["published_at_utc"] == "2026-03-01T23:30:00Z"
            assert (
                found[0]["published_at_local"]
                == {
                    "UTC": "2026-03-01T23:30:00+00:00",
                    "Europe/Berlin": "2026-03-02T00:30:00+01:00",
                }[zone]
            )
    today = timezone.localdate(timezone=timezone.get_current_timezone())
    assert f"-posts-{today:%Y-%m-%d}.csv" in response["Content-Disposition"]


def test_the_rollups_and_the_heatmap_hours_are_the_workspaces(client):
    workspace = owner_of(client, "Europe/Berlin")
    assert list(DailyMetrics.objects.values_list("day", flat=True)) == [MONDAY]
    hours = WorkspaceHourlyPosts.objects.filter(workspace=workspace)
    assert list(hours.values_list("day", "hour")) == [(MONDAY, 0)]


def test_after_a_zone_change_pages_read_raw_rows_until_the_rebuild_is_done(
    client, django_capture_on_commit_callbacks
):
    workspace = owner_of(client, "UTC")
    assert NOTICE not in overview(client, workspace)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(
            f"/w/{workspace.slug}/settings/", {"name": workspace.name, "time_zone": "Europe/Berlin"}
        )
    assert len(callbacks) == 1  # the rebuild is enqueued, not run yet
    assert list(DailyMetrics.objects.values_list("day", flat=True)) == [SUNDAY]  # stale

    page = overview(client, workspace)
    assert NOTICE in page
    # Exact meanwhile: the raw rows, in the new zone.
    assert (engagements_on(page, MONDAY), engagements_on(page, SUNDAY)) == ("7", "0")
    assert [slot.split()[0] for slot in busy_slots(page)] == ["Mon"]

    assert rezone.rebuild_workspace(workspace.pk) == "Europe/Berlin"
    assert rezone.rebuild_workspace(workspace.pk) == "Europe/Berlin"  # twice: the same rows
    assert list(DailyMetrics.objects.values_list("day", flat=True)) == [MONDAY]
    page = overview(client, workspace)
    assert NOTICE not in page
    assert (engagements_on(page, MONDAY), engagements_on(page, SUNDAY)) == ("7", "0")
    assert [slot.split()[0] for slot in busy_slots(page)] == ["Mon"]


def test_the_pages_read_the_rollups_only_when_built_in_the_requests_zone(client):
    workspace = owner_of(client, "UTC")
    overview(client, workspace)
    assert rollups.usable()  # the request's workspace, still entered after it
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Asia/Tokyo", rollups_zone="")
    overview(client, workspace)
    assert not rollups.usable()


def test_the_sync_writes_new_posts_in_the_zone_being_rebuilt():
    """A sync write between the zone change and the rebuild counts in the new zone, so
    nothing waits on the rebuild to land on the right day."""
    workspace = WorkspaceFactory()
    profile = ProfileFactory(workspace=workspace)
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Europe/Berlin", rollups_zone="")
    PlatformPostFactory(profile=profile, published_at=LATE, engagements=7)
    assert list(DailyMetrics.objects.values_list("day", flat=True)) == [MONDAY]


def test_a_rebuild_marks_no_zone_when_the_zone_changed_meanwhile():
    workspace = WorkspaceFactory()
    PlatformPostFactory(profile=ProfileFactory(workspace=workspace), published_at=LATE)
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Europe/Berlin", rollups_zone="")
    real = workspace_rollups.rebuild_days

    def changed_meanwhile(*args):
        Workspace.objects.filter(pk=workspace.pk).update(time_zone="Asia/Tokyo", rollups_zone="")
        return real(*args)

    workspace_rollups.rebuild_days = changed_meanwhile
    try:
        assert rezone.rebuild_workspace(workspace.pk) is None
    finally:
        workspace_rollups.rebuild_days = real
    workspace.refresh_from_db()
    assert workspace.recounting and workspace.rollups_zone == ""
    assert rezone.rebuild_workspace(workspace.pk) == "Asia/Tokyo"  # the change's own rebuild
    workspace.refresh_from_db()
    assert not workspace.recounting
    assert list(DailyMetrics.objects.values_list("day", flat=True)) == [MONDAY]


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_racing_a_committed_zone_change_does_not_mark_its_zone(monkeypatch):
    """Two connections: the rebuild holds the profiles' locks while the settings page commits
    another zone; the rebuild must leave the mark to the rebuild of the newer zone."""
    workspace = WorkspaceFactory()
    PlatformPostFactory(profile=ProfileFactory(workspace=workspace), published_at=LATE)
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Europe/Berlin", rollups_zone="")
    halfway, changed = threading.Event(), threading.Event()
    real = rollups.count_posts

    def pause(ids):
        real(ids)
        halfway.set()
        assert changed.wait(10)

    monkeypatch.setattr(rollups, "count_posts", pause)
    result = {}

    def run():
        try:
            result["marked"] = rezone.rebuild_workspace(workspace.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    assert halfway.wait(10)
    # What the settings form writes, committed from this (another) connection.
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Asia/Tokyo", rollups_zone="")
    changed.set()
    worker.join(10)
    monkeypatch.setattr(rollups, "count_posts", real)

    assert result["marked"] is None
    workspace.refresh_from_db()
    assert (workspace.time_zone, workspace.rollups_zone) == ("Asia/Tokyo", "")
    assert rezone.rebuild_workspace(workspace.pk) == "Asia/Tokyo"


def waiting_for_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_sync_write_during_a_rebuild_waits_for_it_and_lands_in_the_new_zone(monkeypatch):
    """The sync's write of a new post comes while the rebuild holds the profiles: it waits,
    then counts the post in the zone just built, so the marked rollups miss nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    workspace = WorkspaceFactory()
    profile = ProfileFactory(workspace=workspace)
    PlatformPostFactory(profile=profile, published_at=LATE, engagements=7)
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Europe/Berlin", rollups_zone="")
    halfway, go_on = threading.Event(), threading.Event()
    real = rollups.count_posts

    def pause(ids):
        real(ids)
        if threading.current_thread().name == "rebuild":
            halfway.set()
            assert go_on.wait(10)

    monkeypatch.setattr(rollups, "count_posts", pause)

    def in_thread(job):
        def run():
            try:
                job()
            finally:
                connection.close()

        return run

    rebuild = threading.Thread(
        target=in_thread(lambda: rezone.rebuild_workspace(workspace.pk)), name="rebuild"
    )
    rebuild.start()
    assert halfway.wait(10)
    later = LATE + datetime.timedelta(minutes=20)  # 00:50 on Monday in Berlin
    sync = threading.Thread(
        target=in_thread(lambda: PlatformPostFactory(profile=profile, published_at=later)),
        name="sync",
    )
    sync.start()
    for _ in range(100):
        if waiting_for_a_lock():
            break
        time.sleep(0.05)
    assert waiting_for_a_lock() == 1  # the sync's write, behind the rebuild's lock
    go_on.set()
    rebuild.join(10)
    sync.join(10)

    workspace.refresh_from_db()
    assert not workspace.recounting
    assert list(DailyMetrics.objects.values_list("day", "posts")) == [(MONDAY, 2)]
