"""Set up a workspace (and a profile) headlessly, with keys from the environment or a prompt."""

import os
import sys
from getpass import getpass

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from accounts.models import Profile, Workspace
from dashboard import sync
from dashboard.ayrshare.client import AyrshareClient, AyrshareError
from dashboard.metrics import NETWORK_NAMES


def network_codes(words):
    """ "facebook,instagram" or "facebook instagram" as ["facebook", "instagram"]; a name the
    dashboard does not know is an error that lists the known ones."""
    codes = [code.strip().lower() for word in words for code in word.split(",") if code.strip()]
    unknown = [code for code in codes if code not in NETWORK_NAMES]
    if unknown:
        raise CommandError(
            f"Unknown network {', '.join(unknown)}; known networks: {', '.join(NETWORK_NAMES)}."
        )
    return list(dict.fromkeys(codes))


class Command(BaseCommand):
    help = (
        "Create or update a workspace with its Ayrshare API key (AYRSHARE_API_KEY or a prompt) "
        "and, when AYRSHARE_PROFILE_KEY is set, a profile with that key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workspace", required=True, help="workspace name")
        parser.add_argument("--title", help="profile title (default: the name Ayrshare reports)")
        parser.add_argument(
            "--platforms",
            nargs="+",
            help=(
                "linked networks, separated by spaces or commas (default: those Ayrshare reports"
                " for the profile)"
            ),
        )

    def handle(self, *args, workspace, title=None, platforms=None, **options):
        if platforms is not None:
            platforms = network_codes(platforms)
        api_key = os.environ.get("AYRSHARE_API_KEY") or self._prompt("Ayrshare API key: ")
        if not api_key:
            raise CommandError(
                "An Ayrshare API key is needed: set AYRSHARE_API_KEY, or run this command in a "
                "terminal to type it."
            )
        profile_key = os.environ.get("AYRSHARE_PROFILE_KEY", "")
        wants_profile = bool(profile_key or title)
        info = {}
        if wants_profile and (platforms is None or not title):
            # Ask Ayrshare before saving anything, so a rejected key changes nothing here.
            info = self._profile_info(api_key, profile_key)
        ws, created = Workspace.objects.get_or_create(
            slug=slugify(workspace)[:100] or "workspace", defaults={"name": workspace}
        )
        ws.api_key = api_key
        ws.save()
        self.stdout.write(f"{'Created' if created else 'Updated'} workspace {ws.name!r}.")
        if not wants_profile:
            return
        title = title or info.get("title") or "Primary profile"
        profile, _ = Profile.objects.get_or_create(workspace=ws, title=title)
        profile.profile_key = profile_key
        profile.ref_id = info.get("refId", profile.ref_id) or ""
        profile.platforms = platforms or info.get("activeSocialAccounts") or []
        profile.save()
        sync.ensure_units([profile])
        linked = ", ".join(profile.platforms) or "none"
        self.stdout.write(f"Profile {profile.title!r} (id {profile.pk}) linked to: {linked}.")

    def _prompt(self, label):
        # Without a terminal getpass would read stdin with echo on, or block in a script.
        if sys.stdin is None or not sys.stdin.isatty():
            return ""
        try:
            return getpass(label).strip()
        except EOFError:
            return ""

    def _profile_info(self, api_key, profile_key):
        try:
            return AyrshareClient(api_key, profile_key).user()
        except AyrshareError as exc:
            raise CommandError(f"Could not read the profile from Ayrshare: {exc}") from None
