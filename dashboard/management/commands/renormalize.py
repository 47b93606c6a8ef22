"""Re-derive cached posts, account numbers and links from their stored raw answers."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Profile
from dashboard import renormalize
from dashboard.metrics import PLATFORMS


class Command(BaseCommand):
    help = (
        "Re-derive every cached network post, account row and link from the raw Ayrshare answer "
        "it was stored with, using the current normalizer, and rebuild the rollups it touched. "
        "Makes no API call. Run it after an upgrade that changes how an answer is read; it is "
        "safe while workers sync, and a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--profile", type=int, help="only this profile (its id)")
        parser.add_argument("--network", help=f"only this network: {', '.join(PLATFORMS)}")

    def handle(self, *args, profile=None, network=None, **options):
        profiles = None
        if profile is not None:
            profiles = Profile.objects.filter(pk=profile)
            if not profiles.exists():
                raise CommandError(f"No profile with id {profile}.")
        if network is not None:
            network = network.strip().lower()
            if network not in PLATFORMS:
                raise CommandError(f"Unknown network {network!r}; known: {', '.join(PLATFORMS)}.")
        changes = renormalize.run(profiles, network)
        for kind in ("post", "account", "link"):
            read = changes.read.get(kind, 0)
            self.stdout.write(f"{kind}s: {read:,} read, {changes.changed.get(kind, 0):,} changed")
        self.stdout.write(
            f"values filled: {changes.filled:,}; values changed: {changes.corrected:,}; "
            "API calls: 0"
        )
