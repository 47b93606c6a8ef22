"""Sync status page: per visible profile, how fresh each kind of data is; Refresh now.

While updates run, one element (the progress line) polls the page; the answer replaces that line
and, out of band, each profile's table and the status line. The Refresh buttons sit outside
every swapped region, so a keyboard user's focus is never taken away by a poll.
"""

import re

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import visible_profile, visible_profiles, workspace_member
from accounts.forms import parse_id
from dashboard import fragments, networks
from dashboard import refresh as refresher
from dashboard.metrics import network_name, unit_label
from dashboard.models import SyncState, UnmappedField
from dashboard.moments import clock, past, upcoming
from dashboard.tasks import QueueUnavailable

TEMPLATE = "dashboard/sync_status.html"
# The progress line polls the page while updates run; htmx names it in HX-Target.
POLLER = "sync-progress"
# What the API client appends to its messages for the logs: " (GET /history, HTTP 503, code 1)".
TECHNICAL_SUFFIX = re.compile(r" \((?:[A-Z]+ /[^)]*|HTTP \d+[^)]*|code [^)]*)\)\.?$")


def plain_error(message):
    """The error as the person can act on it: the call and HTTP code are for the logs."""
    return TECHNICAL_SUFFIX.sub("", message)


@workspace_member()
def sync_status(request, membership):
    context = _context(membership)
    if fragments.wants(request, POLLER) and not context["running"]:
        # The page polled because updates were running: say once that they have all finished.
        context["notice"] = "All updates have finished."
    return fragments.render_page(request, TEMPLATE, context, target=POLLER, partial="live")


@workspace_member()
@require_POST
def refresh(request, membership):
    profile_id = request.POST.get("profile", "")
    if profile_id:
        pk = parse_id(profile_id)
        if pk is None:
            notice = f"Nothing was refreshed: “{profile_id}” is not a profile id."
            return _refused(request, membership, notice)
        profile_ids = [visible_profile(membership, pk).pk]
    else:
        profile_ids = list(visible_profiles(membership).values_list("pk", flat=True))
    try:
        notice = _notice(refresher.refresh_profiles(profile_ids))
    except QueueUnavailable:
        return _queue_unavailable(request, membership)
    if request.htmx:
        # The notice goes into the status line; the tables and the progress line come out of
        # band. The button that was pressed is not replaced, so it keeps the focus.
        return render(request, f"{TEMPLATE}#refreshed", _context(membership, notice=notice))
    messages.info(request, notice)
    return redirect("sync_status", workspace=membership.workspace.slug)


def _refused(request, membership, notice):
    """Bad input: the page with the message, a 400; htmx swaps no 4xx, so its answer is 200."""
    context = _context(membership, notice=notice)
    if request.htmx:
        return render(request, f"{TEMPLATE}#refreshed", context)
    return render(request, TEMPLATE, context, status=400)


def _queue_unavailable(request, membership):
    """The task queue (Redis) is down: nothing was queued and nothing is left leased. A 503;
    htmx swaps no 5xx, so its answer is 200 and the message goes into the status line."""
    notice = (
        "Updates cannot be queued right now: the task queue (Redis) is not answering. Nothing "
        "was started; the dashboard keeps showing the data it has. Try again in a few minutes, "
        "or ask whoever runs the dashboard to check Redis."
    )
    context = _context(membership, notice=notice)
    if request.htmx:
        return render(request, f"{TEMPLATE}#refreshed", context)
    return render(request, TEMPLATE, context, status=503)


def _notice(result):
    if result.queued:
        noun = "update" if result.queued == 1 else "updates"
        return f"Queued {result.queued} {noun}; the tables below change as each one finishes."
    if result.running:
        return "An update is already running; the tables below change as it finishes."
    if result.fresh_until:
        return (
            f"Everything is fresh until {clock(result.fresh_until)} (the next update Ayrshare "
            "announced); asking earlier would return the same numbers."
        )
    return "Nothing to refresh yet: the first update of these profiles starts within a minute."


def _context(membership, notice=""):
    now = timezone.now()
    profiles = list(visible_profiles(membership).order_by("title", "pk"))
    states = SyncState.objects.filter(profile__in=[p.pk for p in profiles]).order_by("pk")
    by_profile = {}
    for state in states:
        _describe_state(state, now)
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
        "running": running,
        "total": total,
        "done": total - running,
        "progress": f"{total - running} of {total} update{'s' if total != 1 else ''} done",
        "notice": notice,
    }


def _describe_state(state, now):
    """What one row of a profile's table says."""
    state.label = unit_label(state.unit)
    state.running = bool(state.lease_until and state.lease_until > now)
    state.backing_off = bool(state.backoff_until and state.backoff_until > now)
    state.error = plain_error(state.last_error)
    state.success_at = past(state.last_success, now)
    state.data_as_of = past(state.last_updated, now)
    # After a failure the next try waits for the backoff too, whatever Ayrshare announced.
    due = [t for t in (state.next_update, state.backoff_until if state.backing_off else None) if t]
    state.next_at = upcoming(max(due, default=None), now)


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
