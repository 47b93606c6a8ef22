"""Sync status page: per visible profile and unit, how fresh the data is; Refresh now."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from accounts.access import visible_profile, visible_profiles, workspace_member
from dashboard import networks
from dashboard import refresh as refresher
from dashboard.metrics import network_name
from dashboard.models import SyncState, UnmappedField

UNIT_NAMES = {
    "history": "Post history",
    "post_analytics": "Post analytics",
    "social": "Followers",
    "links": "Link clicks",
    "playlists": "YouTube playlists",
    "user": "Linked networks",
    "native_analytics": "Analytics of posts made outside Ayrshare",
}
TEMPLATE = "dashboard/sync_status.html"


def unit_label(unit):
    kind, _, platform = unit.partition(":")
    if kind == "platform":
        return f"{network_name(platform)} posts"
    return UNIT_NAMES.get(kind, unit)


@workspace_member()
def sync_status(request, membership):
    context = _context(membership)
    # The table polls itself while units run; a full page is rendered for history restores.
    template = (
        f"{TEMPLATE}#units"
        if request.htmx and not request.htmx.history_restore_request
        else TEMPLATE
    )
    response = render(request, template, context)
    response["Vary"] = "HX-Request"
    return response


@workspace_member()
@require_POST
def refresh(request, membership):
    profile_id = request.POST.get("profile", "")
    if profile_id:
        if not profile_id.isdigit():
            raise Http404("No such profile.")
        profile_ids = [visible_profile(membership, int(profile_id)).pk]
    else:
        profile_ids = list(visible_profiles(membership).values_list("pk", flat=True))
    notice = _describe(refresher.refresh_profiles(profile_ids))
    if request.htmx:
        return render(request, f"{TEMPLATE}#units", _context(membership, notice=notice))
    messages.info(request, notice)
    return redirect("sync_status", workspace=membership.workspace.slug)


def _describe(result):
    if result.queued:
        noun = "unit" if result.queued == 1 else "units"
        return f"Queued {result.queued} {noun} of work; the table updates as they finish."
    if result.running:
        return "An update is already running; the table updates as it finishes."
    if result.fresh_until:
        local = timezone.localtime(result.fresh_until)
        when = (
            date_format(local, "H:i")
            if local.date() == timezone.localdate()
            else date_format(local, "M j, H:i")
        )
        return (
            f"Everything is fresh until {when} {local:%Z} (the next update Ayrshare announced); "
            "asking earlier would return the same numbers."
        )
    return "Nothing to refresh yet: the first sync of these profiles starts within a minute."


def _context(membership, notice=""):
    now = timezone.now()
    profiles = list(visible_profiles(membership).order_by("title", "pk"))
    states = SyncState.objects.filter(profile__in=[p.pk for p in profiles]).order_by("pk")
    by_profile = {}
    for state in states:
        state.label = unit_label(state.unit)
        state.running = bool(state.lease_until and state.lease_until > now)
        state.backing_off = bool(state.backoff_until and state.backoff_until > now)
        by_profile.setdefault(state.profile_id, []).append(state)
    unmapped = _unmapped([p.pk for p in profiles])
    accounts = networks.linked_accounts([p.pk for p in profiles])
    for profile in profiles:
        profile.units = sorted(by_profile.get(profile.pk, []), key=_unit_order)
        profile.running = sum(s.running for s in profile.units)
        profile.unmapped = unmapped.get(profile.pk, [])
        profile.warnings = networks.warnings(accounts.get(profile.pk, []), now)
        profile.unlinked = networks.unlinked(accounts.get(profile.pk, []))
    total = sum(len(p.units) for p in profiles)
    running = sum(p.running for p in profiles)
    return {
        "membership": membership,
        "profiles": profiles,
        "total": total,
        "running": running,
        "done": total - running,
        "notice": notice,
    }


def _unmapped(profile_ids):
    """{profile id: ["Instagram sent 2 fields this dashboard does not use yet: a, b", ...]}"""
    fields = {}
    rows = UnmappedField.objects.filter(profile__in=profile_ids).order_by("platform", "name")
    for profile_id, platform, name in rows.values_list("profile_id", "platform", "name"):
        fields.setdefault(profile_id, {}).setdefault(platform, []).append(name)
    return {
        profile_id: [
            f"{network_name(platform)}: Ayrshare sent {len(names)} "
            f"field{'s' if len(names) != 1 else ''} this dashboard does not use yet: "
            f"{', '.join(names)}"
            for platform, names in by_network.items()
        ]
        for profile_id, by_network in fields.items()
    }


def _unit_order(state):
    kind = state.unit.partition(":")[0]
    order = ("history", "platform", "post_analytics", "native_analytics", "social", "links")
    order += ("playlists", "user")
    return (order.index(kind) if kind in order else len(order), state.label)
