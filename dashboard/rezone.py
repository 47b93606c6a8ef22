"""Rebuilding a workspace's rollups in its time zone, after the zone changed.

Pages read a workspace's rollups only while Workspace.rollups_zone equals its time_zone
(rollups.usable); a zone change leaves them unequal, so pages read the raw rows (exact, slower)
until rebuild_workspace has rewritten every row in the new zone and marked it.

Why it converges with syncs running meanwhile: the rebuild holds every profile's lock of the
workspace, the same lock each sync write (rollups.recompute) takes before it reads the zone.
A write before the rebuild may use the old zone; the rebuild then recomputes it. A write after
the rebuild reads the zone the rebuild built. And the rebuild marks only the zone it built, and
only if that is still the workspace's zone when it commits: if the zone changed meanwhile, the
change enqueued another rebuild, which will mark its own.
"""

from django.db import connection, transaction

from accounts.models import Profile, Workspace
from dashboard import rollups, workspace_rollups
from dashboard.models import DailyMetrics, RollupBacklog


def rebuild_workspace(workspace_id):
    """Rebuild the workspace's rollups in its zone; returns the zone marked done, or None when
    the zone changed before the rebuild committed (or the workspace is gone)."""
    name = Workspace.objects.filter(pk=workspace_id).values_list("time_zone", flat=True).first()
    if name is None:
        return None
    in_zone = rollups.zone(name)
    with transaction.atomic():
        ids = list(
            rollups.lock_profiles(
                Profile.objects.filter(workspace_id=workspace_id).values_list("pk", flat=True)
            )
        )
        DailyMetrics.objects.filter(profile__in=ids).delete()
        rows = rollups.raw_rows().filter(profile__in=ids)
        sql, params = rollups.upsert_sql(rows, in_zone)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        rollups.count_posts(ids)
        # Blocking, unlike refresh(): a refresh running now must finish before its rows go.
        Workspace.objects.select_for_update(no_key=True).filter(pk=workspace_id).exists()
        workspace_rollups.rebuild_days(workspace_id, None, in_zone)
        # Every noted day is in the rows just written (no write can note one while the
        # profiles are locked).
        RollupBacklog.objects.filter(workspace_id=workspace_id).delete()
        # A conditional UPDATE, evaluated against the zone committed by now.
        marked = Workspace.objects.filter(pk=workspace_id, time_zone=name).update(rollups_zone=name)
    return name if marked else None


def rebuild_all():
    """rebuild_workspace for every workspace (after a restore); returns how many were marked."""
    ids = Workspace.objects.order_by("pk").values_list("pk", flat=True)
    return sum(rebuild_workspace(pk) is not None for pk in list(ids))
