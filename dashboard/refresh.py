"""Refresh now: queue some profiles' due units as beat would, or say until when they are fresh.

Nothing here calls Ayrshare or runs a unit early: a unit whose nextUpdate has not passed would
only get the same numbers back and burn the profile's rate limit.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from dashboard import sync, tasks
from dashboard.models import SyncState


@dataclass
class Refresh:
    queued: int  # units leased and sent to the workers now
    running: int  # units already leased before (queued earlier or running)
    fresh_until: datetime | None  # when the first idle unit becomes due, if nothing was


def refresh_profiles(profile_ids, now=None):
    """Lease the due units of these profiles and queue them, packed into chains like beat.

    Raises tasks.QueueUnavailable when the broker does not take them; their leases are released
    then, so the units are not shown as updating and Refresh now can be pressed again.
    """
    now = now or timezone.now()
    profile_ids = list(profile_ids)
    claimed = sync.claim_due(now, profile_ids=profile_ids)
    # Send only once the leases are committed, so a fast worker finds its lease.
    transaction.on_commit(lambda: tasks.enqueue(claimed))
    queued = sum(len(units) for units in claimed.values())
    running, fresh_until = _idle_state(profile_ids, now, exclude=_claimed_ids(claimed))
    return Refresh(queued=queued, running=running, fresh_until=None if queued else fresh_until)


def _claimed_ids(claimed):
    return {state_id for units in claimed.values() for state_id, _ in units}


def _idle_state(profile_ids, now, exclude):
    """How many other units are leased, and the earliest moment one of the rest becomes due."""
    rows = (
        SyncState.objects.filter(profile_id__in=profile_ids)
        .exclude(pk__in=exclude)
        .values_list("next_update", "backoff_until", "lease_until")
    )
    running = 0
    due_times = []
    for next_update, backoff_until, lease_until in rows:
        if lease_until and lease_until > now:
            running += 1
            continue
        # Due again once both the API's nextUpdate and any backoff have passed.
        times = [t for t in (next_update, backoff_until) if t]
        if times:
            due_times.append(max(times))
    return running, min(due_times, default=None)
