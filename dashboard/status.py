"""Sync status page: per visible profile, how fresh each kind of data is; Refresh now.

While updates run, one element (the progress line) polls the page, sending the token of what
the page shows (#sync-seen). The token names a fingerprint per profile of what its table shows,
read in one aggregate query (_fingerprints) and kept in the cache for a few minutes under the
token. When nothing changed the answer is an empty 204: nothing is swapped or read out again.
Otherwise it replaces the progress line only if its text changed, and brings out of band the
new token and the tables of the profiles whose fingerprint changed (every table when the cache
no longer has the token). With every table in each answer, a poll at 300 profiles was 1.2 MB.

The Refresh buttons sit outside every swapped region, so a keyboard user's focus is never
taken away by a poll. The page says when updates are paused (beat or the workers not running,
or Redis not answering), as it loads; Refresh now is disabled while it could start nothing.
"""

import contextlib
import hashlib
import re
from datetime import timedelta

from django.contrib import messages
from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST
from django_htmx.http import reswap

from accounts.access import visible_profile, visible_profiles, workspace_member
from accounts.forms import parse_id
from accounts.signin import CACHE_UNREACHABLE
from dashboard import fragments, health, networks
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
# Long enough for a tab in the background, whose timers the browser slows to one a minute.
SEEN_SECONDS = 300
SEEN_TOKEN = re.compile(r"[0-9a-f]{16}")
# Profiles per page: at 100 profiles one page of every table took 450 ms under 25 people.
PAGE_SIZE = 25


def plain_error(message):
    """The error as the person can act on it: the call and HTTP code are for the logs."""
    return TECHNICAL_SUFFIX.sub("", message)


@workspace_member()
def sync_status(request, membership):
    page = _page_number(request.GET)
    if page is None:
        notice = f"There is no page “{request.GET['page']}”: pages are numbered 1, 2, 3…"
        return _refused(request, membership, notice, status=400)
    if fragments.wants(request, POLLER):
        return _poll(request, membership, page)
    context = _context(membership, page=page)
    context["paused"], context["can_refresh"] = _paused()
    return fragments.render_page(request, TEMPLATE, context, target=POLLER)


def _page_number(query):
    """?page=N of the profiles, 1 when absent; None when it names no page."""
    text = query.get("page", "")
    return parse_id(text) if text else 1


def _poll(request, membership, page):
    seen = request.GET.get("seen", "")
    context = _context(membership, seen=seen, page=page)
    if context["seen"] == seen:
        response = HttpResponse(status=204)
    else:
        if not context["running"]:
            # The page polled because updates were running: say once that they have all finished.
            context["notice"] = "All updates have finished."
        response = render(request, f"{TEMPLATE}#live", context)
        if not context["progress_changed"]:
            # The same words: leave the line (and a screen reader's place in it) alone.
            reswap(response, "none")
    patch_vary_headers(response, ["HX-Request"])
    return response


@workspace_member()
@require_POST
def refresh(request, membership):
    profile_id = request.POST.get("profile", "")
    if profile_id:
        pk = parse_id(profile_id)
        if pk is None:
            notice = f"Nothing was refreshed: “{profile_id}” is not a profile id."
            return _refused(request, membership, notice, status=400)
        profile_ids = [visible_profile(membership, pk).pk]
    else:
        profile_ids = list(visible_profiles(membership).values_list("pk", flat=True))
    paused, can_refresh = _paused()
    if not can_refresh:
        # The button was disabled for this; the page may be older than the pause.
        return _refused(request, membership, f"Nothing was started. {paused}", status=503)
    try:
        notice = _notice(refresher.refresh_profiles(profile_ids))
    except QueueUnavailable:
        notice = (
            "Updates cannot be queued right now: the task queue (Redis) is not answering. "
            "Nothing was started; the dashboard keeps showing the data it has. Try again in a "
            "few minutes, or ask whoever runs the dashboard to check Redis."
        )
        return _refused(request, membership, notice, status=503)
    if request.htmx:
        # The notice goes into the status line; the tables and the progress line come out of
        # band. The button that was pressed is not replaced, so it keeps the focus.
        page = _page_number(request.POST) or 1
        context = _context(membership, notice=notice, seen=request.POST.get("seen", ""), page=page)
        return render(request, f"{TEMPLATE}#refreshed", context)
    messages.info(request, notice)
    return redirect("sync_status", workspace=membership.workspace.slug)


def _refused(request, membership, notice, status):
    """Bad input (400), or nothing could be started (503): the page with the message. htmx
    swaps no 4xx or 5xx, so its answer is 200 and the message goes into the status line."""
    if request.htmx:
        page = _page_number(request.POST) or 1
        seen = request.POST.get("seen", "")
        context = _context(membership, notice=notice, seen=seen, page=page)
        return render(request, f"{TEMPLATE}#refreshed", context)
    context = _context(membership, notice=notice)
    context["paused"], context["can_refresh"] = _paused()
    return render(request, TEMPLATE, context, status=status)


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


def _context(membership, notice="", seen="", page=1):
    """What the page shows: progress over every visible profile, the tables of one page of
    them. Given `seen`, the token of what a page already shows (a poll or Refresh now sends
    it), only the profiles whose table changed since are loaded; the cache may have forgotten
    the token, and then all of the page's are."""
    now = timezone.now()
    visible = visible_profiles(membership)
    fingerprints = _fingerprints(visible, now)
    total = sum(row["units"] for row in fingerprints.values())
    running = sum(row["running"] for row in fingerprints.values())
    everyone = list(visible.order_by("title", "pk"))
    order = [(profile.pk, profile.title) for profile in everyone]
    pages = max(1, -(-len(order) // PAGE_SIZE))
    page = min(page, pages)  # a page that no longer exists: the last one
    first = (page - 1) * PAGE_SIZE
    on_page = [pk for pk, _ in order[first : first + PAGE_SIZE]]
    shown = {
        "progress": f"{total - running} of {total} update{'s' if total != 1 else ''} done"
        if running
        else "",
        "tables": {pk: _digest(fingerprints[pk], 6) for pk in on_page if pk in fingerprints},
    }
    token = _digest(shown, 8)
    before = _recall(seen) if seen != token else shown
    if before is None:
        wanted = set(on_page)
    else:
        tables, old = shown["tables"], before["tables"]
        wanted = {pk for pk in tables.keys() | old.keys() if tables.get(pk) != old.get(pk)}
    if token != seen:
        _remember(token, shown)
    profiles = [profile for profile in everyone if profile.pk in wanted and profile.pk in on_page]
    states = SyncState.objects.filter(profile__in=[p.pk for p in profiles]).order_by("pk")
    by_profile = {}
    for state in states:
        _describe_state(state, now)
        by_profile.setdefault(state.profile_id, []).append(state)
    unmapped = _unmapped([p.pk for p in profiles])
    accounts = networks.linked_accounts([p.pk for p in profiles])
    for profile in profiles:
        profile.units = sorted(by_profile.get(profile.pk, []), key=_unit_order)
        profile.unmapped = unmapped.get(profile.pk, [])
        profile.warnings = networks.warnings(accounts.get(profile.pk, []), now)
        profile.unlinked = networks.unlinked(accounts.get(profile.pk, []))
        profile.native_limits = [
            (network_name(s.unit.partition(":")[2]), s.reaches_back)
            for s in profile.units
            if s.reaches_back
        ]
    return {
        "membership": membership,
        "profiles": profiles,
        "running": running,
        "total": total,
        "done": total - running,
        "progress": shown["progress"],
        "progress_changed": before is None or before["progress"] != shown["progress"],
        "seen": token,
        "notice": notice,
        "page": page,
        "pages": pages,
        "first": first + 1,
        "last": first + len(on_page),
        "count": len(order),
        "attention": _attention(order, fingerprints),
    }


def _attention(order, fingerprints):
    """[(title, page, pk)] of the profiles whose updates are failing, whichever page they are
    on: with hundreds of profiles, these are what a person opens the page for."""
    return [
        (title, index // PAGE_SIZE + 1, pk)
        for index, (pk, title) in enumerate(order)
        if fingerprints.get(pk, {}).get("failures")
    ]


def _fingerprints(profiles, now):
    """{profile id: what its table shows, in brief}, in one query; profiles without units are
    left out. A run writes last_attempt whatever its outcome, and with it the rows, the
    networks' warnings and the unmapped fields it found; a claim or release changes `running`,
    a unit added or dropped `units` and `newest`, a 429 on another unit `backoff`. A lease or a
    backoff that runs out changes `running` or `backing_off`, counted at `now`."""
    rows = (
        SyncState.objects.filter(profile__in=profiles)
        .values("profile_id")
        .order_by("profile_id")
        .annotate(
            units=Count("pk"),
            running=Count("pk", filter=Q(lease_until__gt=now)),
            backing_off=Count("pk", filter=Q(backoff_until__gt=now)),
            failures=Sum("consecutive_failures"),
            newest=Max("pk"),
            attempt=Max("last_attempt"),
            success=Max("last_success"),
            updated=Max("last_updated"),
            next_update=Max("next_update"),
            backoff=Max("backoff_until"),
        )
    )
    return {row.pop("profile_id"): row for row in rows}


def _digest(value, size):
    return hashlib.blake2b(repr(value).encode(), digest_size=size).hexdigest()


def _remember(token, shown):
    # Redis away: the next poll gets every table, as it would after the token ran out.
    with contextlib.suppress(CACHE_UNREACHABLE):
        cache.set(f"sync-seen:{token}", shown, SEEN_SECONDS)


def _recall(token):
    """What the page with this token shows, or None when unknown (every table is sent then)."""
    if not SEEN_TOKEN.fullmatch(token):
        return None
    try:
        return cache.get(f"sync-seen:{token}")
    except CACHE_UNREACHABLE:
        return None


def _paused():
    """Why updates are paused, as the page says it ("" when they are not), and whether Refresh
    now can start any: not without a worker to run them, nor while Redis does not answer."""
    if not health.heartbeats_visible():
        # The demo: beat and the workers note their heartbeats in caches of their own.
        return "", True
    try:
        beat, worker = health.beat_age(), health.worker_age()
    except CACHE_UNREACHABLE:
        return (
            "Updates are paused: the task queue (Redis) is not answering, so no update can "
            "start, not even with Refresh now. Ask whoever runs this installation to check "
            "Redis.",
            False,
        )
    if beat is None:
        late = "the scheduler (beat) has not run yet"
    elif beat > health.beat_limit():
        now = timezone.now()
        since = timesince(now - timedelta(seconds=beat), now, depth=1)
        late = f"the scheduler (beat) has not run for {since}"
    else:
        late = ""
    if worker is None:
        stopped = f"{late} and no worker is running" if late else "no worker is running"
        return (
            f"Updates are paused: {stopped}, so no update runs, not even with Refresh now. "
            f"Ask whoever runs this installation to start {'them' if late else 'the workers'}.",
            False,
        )
    if late:
        return (
            f"Updates are paused: {late}, so no update starts by itself; Refresh now still "
            "starts them. Ask whoever runs this installation to start the scheduler.",
            True,
        )
    return "", True


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
    state.reaches_back = (
        networks.reaches_back(state.cursor) if state.unit.startswith("platform:") else None
    )


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
