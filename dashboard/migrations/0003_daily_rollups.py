# Hand-written: DailyMetrics, the overview's daily rollups, then filled from the existing posts.

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    # The live module, not a historical model: the rollup SQL is the same one the sync runs.
    from dashboard import rollups

    rollups.rebuild_daily()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("dashboard", "0002_history_keyset"),
    ]

    operations = [
        migrations.CreateModel(
            name="DailyMetrics",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("platform", models.CharField(max_length=32)),
                ("day", models.DateField()),
                ("posts", models.IntegerField(default=0)),
                ("sum_impressions", models.BigIntegerField(blank=True, null=True)),
                ("impressions_reported", models.IntegerField(default=0)),
                ("sum_reach", models.BigIntegerField(blank=True, null=True)),
                ("reach_reported", models.IntegerField(default=0)),
                ("sum_views", models.BigIntegerField(blank=True, null=True)),
                ("views_reported", models.IntegerField(default=0)),
                ("sum_engagements", models.BigIntegerField(blank=True, null=True)),
                ("engagements_reported", models.IntegerField(default=0)),
                ("rate_engagements", models.BigIntegerField(blank=True, null=True)),
                ("rate_impressions", models.BigIntegerField(blank=True, null=True)),
                ("oldest_update", models.DateTimeField(blank=True, null=True)),
                ("newest_update", models.DateTimeField(blank=True, null=True)),
                (
                    "profile",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="daily_metrics",
                        to="accounts.profile",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("profile", "day", "platform"), name="daily_metrics_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
