"""The networks linked to each profile (GET /user, kept in LinkedAccount) as the pages show them:
each account's name, link and picture, and what needs doing before data stops."""

from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from dashboard.metrics import network_name
from dashboard.models import LinkedAccount, SyncState
from dashboard.weblinks import web_url


def linked_accounts(profile_ids):
    """{profile_id: [LinkedAccount, ...]} with display fields, linked ones first, in one query."""
    found = {}
    rows = LinkedAccount.objects.filter(profile__in=profile_ids).defer("raw")
    for account in rows.order_by("unlinked_at", "platform"):
        account.name = network_name(account.platform)
        account.href = web_url(account.profile_url)
        account.picture = web_url(account.image_url)
        account.handle = account.username or account.display_name
        found.setdefault(account.profile_id, []).append(account)
    return found


def native_limits(profile_ids, since=None):
    """What Ayrshare cannot give: per profile and network whose newest posts fill a whole page
    of /history/{platform} (sync._reach), the date before which posts made directly on the
    network may be missing. Only those after `since` (a date) when it is given, as
    [(profile title, network name, local date)], oldest first."""
    units = SyncState.objects.filter(
        profile__in=profile_ids, unit__startswith="platform:", cursor__has_key="reaches_back"
    ).values_list("profile__title", "unit", "cursor")
    limits = []
    for title, unit, cursor in units:
        day = reaches_back(cursor)
        if since is None or since < day:
            limits.append((title, network_name(unit.partition(":")[2]), day))
    return sorted(limits, key=lambda limit: (limit[2], limit[0]))


def reaches_back(cursor):
    """From a platform unit's cursor: the local date before which posts made directly on its
    network may be missing (sync._reach), or None when Ayrshare gave them all. The sync page
    reads it from the units it has loaded; native_limits queries for it."""
    reach = cursor.get("reaches_back")
    return timezone.localdate(datetime.fromisoformat(reach)) if reach else None


def warnings(accounts, now=None):
    """What must be done before data stops: "Reconnect LinkedIn in Ayrshare within 5 days"."""
    now = now or timezone.now()
    said = []
    for account in accounts:
        days = account.days_to_reconnect(now)
        if days is not None and days <= settings.RECONNECT_WARNING_DAYS:
            when = "today" if days == 0 else f"within {days} day{'s' if days != 1 else ''}"
            said.append(
                f"Reconnect {account.name} in Ayrshare {when}, or its numbers stop updating"
            )
    return said


def unlinked(accounts):
    """ "Instagram was unlinked on Dec 1, 2026; its history is kept", per unlinked network."""
    return [
        f"{account.name} was unlinked on "
        f"{date_format(timezone.localtime(account.unlinked_at), 'M j, Y')}; its history is kept"
        for account in accounts
        if account.unlinked_at is not None
    ]
