"""Run due units of work in the foreground, for operators (no worker needed)."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Profile
from dashboard import sync
from dashboard.models import SyncState


class Command(BaseCommand):
    help = "Refresh cached Ayrshare data now: runs due units of work in this process."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run one pass and exit (default)")
        parser.add_argument("--profile", type=int, help="only this profile (id)")
        parser.add_argument("--force", action="store_true", help="run units even if not due")

    def handle(self, *args, profile=None, force=False, **options):
        profiles = Profile.objects.filter(archived_at__isnull=True).select_related("workspace")
        if profile is not None:
            profiles = profiles.filter(pk=profile)
            if not profiles.exists():
                raise CommandError(f"No active profile with id {profile}.")
        sync.ensure_units(profiles)
        states = SyncState.objects.filter(profile__in=profiles)
        if not force:
            states = sync.due_states().filter(pk__in=states)
        # /history first: it creates the posts the other units attach metrics to.
        ordered = sorted(states.select_related("profile"), key=lambda s: s.unit != "history")
        if not ordered:
            self.stdout.write("Nothing is due.")
        for state in ordered:
            result = sync.run_unit(state.pk, force=force)
            self.stdout.write(f"{state.profile.title:30} {state.unit:20} {result}")
