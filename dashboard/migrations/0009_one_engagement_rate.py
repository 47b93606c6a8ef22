# Hand-written: one engagement-rate rule everywhere (dashboard/metrics.py). The rollups kept the
# rate as engagements ÷ impressions over the posts that reported both, while each post's own rate
# fell back to reach, then views; a TikTok post showed 8.51 % in the table and "—" on the overview.
# They now keep engagements and each post's own denominator (rate_base). The renamed column is
# recomputed here from the raw rows with this migration's own copy of the rule, so it does not
# depend on code that may change later.

import zoneinfo

from django.conf import settings
from django.db import migrations, models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce, NullIf, TruncDate

BATCH = 1000


def recompute(apps, schema_editor):
    PlatformPost = apps.get_model("dashboard", "PlatformPost")
    DailyMetrics = apps.get_model("dashboard", "DailyMetrics")
    WorkspaceDailyMetrics = apps.get_model("dashboard", "WorkspaceDailyMetrics")
    base = Coalesce(NullIf(F("impressions"), 0), NullIf(F("reach"), 0), NullIf(F("views"), 0))
    counted = Q(engagements__isnull=False) & (
        Q(impressions__gt=0) | Q(reach__gt=0) | Q(views__gt=0)
    )
    groups = (
        PlatformPost.objects.filter(published_at__isnull=False)
        .exclude(social_id__startswith="ayrshare:")
        .annotate(day=TruncDate("published_at", tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)))
        .values("profile_id", "platform", "day")
        .annotate(top=Sum("engagements", filter=counted), base=Sum(base, filter=counted))
        .order_by()
    )
    parts = {(g["profile_id"], g["platform"], g["day"]): (g["top"], g["base"]) for g in groups}
    _update(
        DailyMetrics.objects.only("pk", "profile_id", "platform", "day"),
        lambda row: parts.get((row.profile_id, row.platform, row.day), (None, None)),
    )
    sums = (
        DailyMetrics.objects.filter(profile__archived_at__isnull=True)
        .values("profile__workspace_id", "platform", "day")
        .annotate(top=Sum("rate_engagements"), base=Sum("rate_base"))
        .order_by()
    )
    totals = {
        (s["profile__workspace_id"], s["platform"], s["day"]): (s["top"], s["base"]) for s in sums
    }
    _update(
        WorkspaceDailyMetrics.objects.only("pk", "workspace_id", "platform", "day"),
        lambda row: totals.get((row.workspace_id, row.platform, row.day), (None, None)),
    )


def _update(rows, parts_of):
    batch = []
    for row in rows.order_by("pk").iterator(chunk_size=BATCH):
        row.rate_engagements, row.rate_base = parts_of(row)
        batch.append(row)
        if len(batch) == BATCH:
            type(row).objects.bulk_update(batch, ["rate_engagements", "rate_base"])
            batch = []
    if batch:
        type(batch[0]).objects.bulk_update(batch, ["rate_engagements", "rate_base"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_suspended_invitation"),
        ("dashboard", "0008_current_shapes"),
    ]

    # The field is renamed in the models only: its column keeps its name (see RollupColumns).
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(model, "rate_impressions", "rate_base")
                for model in ("dailymetrics", "workspacedailymetrics")
            ]
            + [
                migrations.AlterField(
                    model,
                    "rate_base",
                    models.BigIntegerField(blank=True, null=True, db_column="rate_impressions"),
                )
                for model in ("dailymetrics", "workspacedailymetrics")
            ]
        ),
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
