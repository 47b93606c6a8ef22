# Hand-written: PlatformPost.sort_time (the history's stored date sort key), filled from the
# existing rows, and one index per history sort for keyset pagination (see PlatformPost.Meta).

from django.db import migrations, models
from django.db.models.functions import Coalesce

# The metric columns as they were at this migration (a migration must not follow live code).
METRICS = (
    "impressions",
    "reach",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
    "clicks",
    "engagements",
    "engagement_rate",
)


def fill(apps, schema_editor):
    PlatformPost = apps.get_model("dashboard", "PlatformPost")
    Post = apps.get_model("dashboard", "Post")
    schedule = Post.objects.filter(pk=models.OuterRef("post_id")).values("schedule_date")
    PlatformPost.objects.update(
        sort_time=Coalesce(models.F("published_at"), models.Subquery(schedule[:1]))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="platformpost",
            name="sort_time",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="platformpost",
            index=models.Index(fields=["sort_time", "id"], name="pp_hist_sort_time"),
        ),
        migrations.AddIndex(
            model_name="platformpost",
            index=models.Index(fields=["profile", "sort_time", "id"], name="pp_hist_profile_time"),
        ),
        *[
            migrations.AddIndex(
                model_name="platformpost",
                index=models.Index(fields=[name, "id"], name=f"pp_hist_{name}"[:30]),
            )
            for name in METRICS
        ],
    ]
