# Hand-written: MetricSnapshot.profile, copied from each snapshot's post (0005 requires it).

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    MetricSnapshot = apps.get_model("dashboard", "MetricSnapshot")
    PlatformPost = apps.get_model("dashboard", "PlatformPost")
    post_profile = PlatformPost.objects.filter(pk=models.OuterRef("platform_post_id"))
    MetricSnapshot.objects.update(profile_id=models.Subquery(post_profile.values("profile_id")))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_suspended_invitation"),
        ("dashboard", "0003_daily_rollups"),
    ]

    operations = [
        migrations.AddField(
            model_name="metricsnapshot",
            name="profile",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.profile",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
