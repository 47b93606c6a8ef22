# Apart from 0004: PostgreSQL refuses to alter a table with the fill's pending FK checks.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_suspended_invitation"),
        ("dashboard", "0004_snapshot_profile"),
    ]

    operations = [
        migrations.AlterField(
            model_name="metricsnapshot",
            name="profile",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="accounts.profile",
            ),
        ),
        migrations.AddIndex(
            model_name="metricsnapshot",
            index=models.Index(fields=["profile", "captured_at"], name="snapshot_profile_time"),
        ),
    ]
