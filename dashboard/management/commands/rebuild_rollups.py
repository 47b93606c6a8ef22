"""Recompute the overview's daily rollups from the cached posts."""

from django.conf import settings
from django.core.management.base import BaseCommand

from dashboard import rollups, workspace_rollups


class Command(BaseCommand):
    help = (
        "Recompute every daily rollup (DailyMetrics), post count and workspace rollup from the "
        "cached network posts. Run it after changing TIME_ZONE or restoring a backup; running "
        "it twice changes nothing."
    )

    def handle(self, *args, **options):
        written = rollups.rebuild()
        days = workspace_rollups.refresh_all()
        self.stdout.write(
            f"{written:,} daily rollups and {days:,} workspace days rebuilt "
            f"(days in {settings.TIME_ZONE})."
        )
