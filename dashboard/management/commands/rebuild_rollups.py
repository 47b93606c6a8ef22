"""Recompute the overview's daily rollups from the cached posts."""

from django.core.management.base import BaseCommand

from dashboard import rezone
from dashboard.models import DailyMetrics, WorkspaceDailyMetrics


class Command(BaseCommand):
    help = (
        "Recompute every daily rollup (DailyMetrics), post count and workspace rollup from the "
        "cached network posts, each workspace in its own time zone. Run it after restoring a "
        "backup; running it twice changes nothing."
    )

    def handle(self, *args, **options):
        rezone.rebuild_all()
        written = DailyMetrics.objects.count()
        days = WorkspaceDailyMetrics.objects.values("workspace", "day").distinct().count()
        self.stdout.write(
            f"{written:,} daily rollups and {days:,} workspace days rebuilt "
            "(days in each workspace's time zone)."
        )
