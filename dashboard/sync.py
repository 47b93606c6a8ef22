"""Units of work: "refresh endpoint E for profile P" = fetch, normalize, upsert, record freshness.

A unit is due when the API's nextUpdate for it has passed and it is not backing off. Units are
claimed with a conditional UPDATE (a lease), so any number of workers can run them; a worker
killed mid-unit leaves its transaction rolled back, and its leases are released when a worker
starts and finds it gone (else they run out). Each page of data is written in the same
transaction as the unit's progress, so work resumes where it stopped.

A unit ends within SYNC_UNIT_DEADLINE: it starts a call only while the call's whole deadline
(AYRSHARE_CALL_DEADLINE) fits before its own, and otherwise stops with what it wrote and carries
on at the next beat. When Ayrshare leaves a call unanswered, the profile's other units wait too,
so the units chained behind it end at once instead of each hanging in turn.
"""

import logging
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Exists, F, Min, OuterRef, Q
from django.utils import timezone

from accounts.models import Profile
from dashboard import upsert, workspace_rollups
from dashboard.ayrshare import normalize
from dashboard.ayrshare.client import (
    AuthError,
    AyrshareClient,
    AyrshareError,
    BudgetExhausted,
    NoAnswerError,
    NotFoundError,
    OutOfTime,
    RateLimitError,
    RequestError,
    TransientError,
)
from dashboard.metrics import NETWORK_NAMES
from dashboard.models import DUE_SINCE_EVER, PlatformPost, Post, SyncState
from dashboard.ratelimit import Budget

logger = logging.getLogger(__name__)

# Networks GET /history/{platform} serves, and those POST /analytics/social reports on.
HISTORY_PLATFORMS = (
    "bluesky",
    "facebook",
    "instagram",
    "linkedin",
    "pinterest",
    "tiktok",
    "twitter",
    "youtube",
)
SOCIAL_PLATFORMS = (
    "bluesky",
    "facebook",
    "gmb",
    "instagram",
    "linkedin",
    "pinterest",
    "reddit",
    "snapchat",
    "threads",
    "tiktok",
    "twitter",
    "youtube",
)
# Networks whose posts POST /analytics/post finds by their own id (searchPlatformId).
SEARCH_ID_PLATFORMS = (
    "facebook",
    "instagram",
    "linkedin",
    "threads",
    "tiktok",
    "twitter",
    "youtube",
)
# A plan without analytics by social id is asked again this rarely, not every minute.
PLAN_RETRY = timedelta(days=7)
HISTORY_PAGE = 1000  # the API's maximum for GET /history
PLATFORM_PAGE = 500  # the API's maximum for GET /history/{platform}
EPOCH = datetime(2010, 1, 1, tzinfo=UTC)
MAX_BACKOFF = timedelta(hours=6)
# Units whose responses carry no nextUpdate are refreshed this often.
DEFAULT_INTERVALS = {
    "history": timedelta(minutes=5),
    "platform": timedelta(hours=1),
    "post_analytics": timedelta(hours=1),
    "social": timedelta(hours=6),
    "links": timedelta(hours=1),
    "playlists": timedelta(days=1),
    "user": timedelta(hours=1),  # settings.SYNC_USER_INTERVAL
    "native_analytics": timedelta(hours=1),
}
DELETED_CHECK_INTERVAL = timedelta(hours=6)
RECHECKS_PER_RUN = 20


class PlanRefused(Exception):
    """Ayrshare said the account's plan does not include this call."""


@dataclass
class Outcome:
    next_update: datetime
    last_updated: datetime | None = None
    summary: str = ""


def units_for(profile):
    """The units of work a profile needs, from the networks linked to it."""
    units = ["history", "post_analytics", "links", "user"]
    if any(p in SEARCH_ID_PLATFORMS for p in profile.platforms):
        units.append("native_analytics")
    units += [f"platform:{p}" for p in profile.platforms if p in HISTORY_PLATFORMS]
    if any(p in SOCIAL_PLATFORMS for p in profile.platforms):
        units.append("social")
    if "youtube" in profile.platforms:
        units.append("playlists")
    return units


# The most units one profile has (every network linked): how far a profile's backlog can reach.
MOST_UNITS = len(units_for(Profile(platforms=list(SOCIAL_PLATFORMS))))


def ensure_units(profiles=None):
    """Create the SyncState rows profiles need (existing rows are left alone).

    Every path that adds a profile, brings one back from the archive or changes its networks
    calls this with that profile; it then also drops units of networks no longer linked: they
    hold only scheduling state, never cached data. Without profiles (the beat), it catches up
    the active profiles that have no units at all (made in the admin or a shell), in one
    anti-join, not by offering every profile's units again.
    """
    if profiles is None:
        profiles = Profile.objects.filter(archived_at__isnull=True).exclude(
            Exists(SyncState.objects.filter(profile=OuterRef("pk")))
        )
    else:
        for profile in profiles:
            SyncState.objects.filter(profile=profile).exclude(unit__in=units_for(profile)).delete()
    rows = [SyncState(profile=p, unit=unit) for p in profiles for unit in units_for(p)]
    SyncState.objects.bulk_create(rows, ignore_conflicts=True)


def due_states(now=None):
    now = now or timezone.now()
    return SyncState.objects.filter(
        Q(next_update__isnull=True) | Q(next_update__lte=now),
        Q(backoff_until__isnull=True) | Q(backoff_until__lte=now),
        Q(lease_until__isnull=True) | Q(lease_until__lte=now),
        profile__archived_at__isnull=True,
    )


def claim(state_id, now=None):
    """Take the unit's lease if nobody holds it; returns the lease token or None."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimed = (
        SyncState.objects.filter(pk=state_id)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(lease_until=now + timedelta(seconds=settings.SYNC_LEASE_SECONDS), lease_token=token)
    )
    return token if claimed else None


def claim_due(now=None, limit=None, per_profile=None, profile_ids=None):
    """The dispatcher's half: lease due units so a queued task is not queued again.

    Leases at most `limit` units (SYNC_DISPATCH_MAX), oldest due first, and at most
    `per_profile` of each profile (its /history unit first), so a profile with a backlog
    takes its share and the other profiles' oldest units still go in this beat. Whatever is
    left stays due and goes first next beat. Given profile_ids ("Refresh now" in the UI), only
    those profiles' due units are leased.

    Returns {profile_id: [(state_id, token), ...]}, each profile's units in the order they
    should run: /history first, since it creates the posts the other units attach metrics to.
    """
    now = now or timezone.now()
    limit = settings.SYNC_DISPATCH_MAX if limit is None else limit
    per_profile = per_profile or limit
    if limit <= 0:
        return {}
    if connection.vendor == "postgresql":
        rows = _claim_due_in_one_statement(now, limit, per_profile, profile_ids)
    else:
        rows = _claim_due_one_by_one(now, limit, per_profile, profile_ids)
    claimed = {}
    for state_id, profile_id, unit, token in rows:
        claimed.setdefault(profile_id, []).append((_run_order(unit), state_id, token))
    return {
        profile_id: [(state_id, token) for _, state_id, token in sorted(units)]
        for profile_id, units in claimed.items()
    }


# One statement: the due units nobody holds, oldest first, read from the sync_state_due index
# (a range that stops at the first unit not yet due) plus those whose lease ran out (from
# sync_state_leased); the first `per_profile` of each profile; the oldest `limit` of those,
# locked (SKIP LOCKED: a unit another dispatcher is leasing right now is left to it) and leased,
# each with its own random token. The candidates are enough for `limit` even when every profile
# in them has all its units due and only `per_profile` of them count.
CLAIM_DUE_SQL = """
WITH candidates AS (
    (SELECT s."id", s."profile_id", s."unit", {due_at} AS due_at FROM {units} s
     WHERE s."lease_until" IS NULL AND {due_at} <= %(now)s AND {wanted}
     ORDER BY {due_at} LIMIT %(window)s)
    UNION ALL
    (SELECT s."id", s."profile_id", s."unit", {due_at} AS due_at FROM {units} s
     WHERE s."lease_until" <= %(now)s AND {due_at} <= %(now)s AND {wanted}
     ORDER BY {due_at} LIMIT %(window)s)
), ranked AS (
    SELECT "id", due_at, row_number() OVER (
        PARTITION BY "profile_id" ORDER BY "unit" = 'history' DESC, due_at, "id"
    ) AS nth
    FROM candidates
), chosen AS (
    SELECT "id" FROM ranked WHERE nth <= %(per_profile)s ORDER BY due_at, "id" LIMIT %(limit)s
), locked AS (
    SELECT s."id" FROM {units} s
    WHERE s."id" IN (SELECT "id" FROM chosen)
      AND (s."lease_until" IS NULL OR s."lease_until" <= %(now)s)
    FOR UPDATE SKIP LOCKED
)
UPDATE {units} s
SET "lease_until" = %(until)s, "lease_token" = md5(random()::text || s."id"::text)
FROM locked WHERE s."id" = locked."id"
RETURNING s."id", s."profile_id", s."unit", s."lease_token"
"""
# The sync_state_due index's expression, word for word, so the planner uses the index.
DUE_AT_SQL = 'COALESCE(GREATEST(s."next_update", s."backoff_until"), %(ever)s)'
# Units of active profiles, and only the asked profiles' for "Refresh now". Archived profiles
# are few: PostgreSQL hashes their ids once and the due index's scan stays the plan's driver
# (EXISTS would be planned as a join over every profile).
WANTED_SQL = """s."profile_id" NOT IN (
         SELECT p."id" FROM {profiles} p WHERE p."archived_at" IS NOT NULL
     ) AND (%(every_profile)s OR s."profile_id" = ANY(%(profile_ids)s))"""


def _claim_due_in_one_statement(now, limit, per_profile, profile_ids):
    quote = connection.ops.quote_name
    sql = CLAIM_DUE_SQL.format(
        units=quote(SyncState._meta.db_table),
        due_at=DUE_AT_SQL,
        wanted=WANTED_SQL.format(profiles=quote(Profile._meta.db_table)),
    )
    params = {
        "now": now,
        "ever": DUE_SINCE_EVER,
        "until": now + timedelta(seconds=settings.SYNC_LEASE_SECONDS),
        "window": limit * -(-MOST_UNITS // per_profile),
        "per_profile": per_profile,
        "limit": limit,
        "every_profile": profile_ids is None,
        "profile_ids": list(profile_ids or ()),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _claim_due_one_by_one(now, limit, per_profile, profile_ids):
    """SQLite (the demo): the same choice, then a conditional UPDATE per unit."""
    due = due_states(now)
    if profile_ids is not None:
        due = due.filter(profile_id__in=profile_ids)
    due = list(
        due.order_by(F("next_update").asc(nulls_first=True), "pk").values_list(
            "pk", "profile_id", "unit"
        )
    )
    taken = Counter()
    chosen = set()
    for state_id, profile_id, _unit in sorted(due, key=lambda row: row[2] != "history"):
        if taken[profile_id] < per_profile:
            taken[profile_id] += 1
            chosen.add(state_id)
    rows = []
    for state_id, profile_id, unit in due:
        if len(rows) == limit:
            break
        token = claim(state_id, now) if state_id in chosen else None
        if token:
            rows.append((state_id, profile_id, unit, token))
    return rows


def release(leases):
    """Give back leases ([(state_id, token), ...]) whose units will not run after all (their
    tasks could not be queued, or their worker died); a lease taken since is left alone."""
    leases = [(state_id, token) for state_id, token in leases if token]
    if not leases:
        return 0
    # Tokens are random and never reused, so "one of these ids holding one of these tokens"
    # is each id with its own token, in one indexed lookup however many leases (an OR per
    # lease makes PostgreSQL test every row against every lease).
    ids, tokens = zip(*leases, strict=True)
    released = SyncState.objects.filter(pk__in=ids, lease_token__in=tokens).update(
        lease_until=None, lease_token=""
    )
    let_go(leases)
    return released


# Which worker holds a running unit's lease (and those of its chain, queued behind it in the same
# message): a worker that starts frees the leases of one that died, instead of the units waiting
# for SYNC_LEASE_SECONDS. Kept in the cache (Redis), where every worker sees it.
def _holder_key(token):
    return f"sync-lease-holder:{token}"


def hold(leases, holder):
    """Note that `holder` (a worker's id) runs these leases' units now."""
    keys = {_holder_key(token): holder for _, token in leases if token}
    try:
        cache.set_many(keys, timeout=settings.SYNC_LEASE_SECONDS)
    except Exception:  # the note only speeds up recovery; the lease still runs out
        logger.warning("could not note the holder of %d leases", len(keys), exc_info=True)


def let_go(leases):
    try:
        cache.delete_many([_holder_key(token) for _, token in leases if token])
    except Exception:
        logger.warning("could not clear the holder of %d leases", len(leases), exc_info=True)


def reclaim(is_alive, now=None):
    """Release the leases whose noted holder is no longer alive; returns how many.

    `is_alive(holder)` answers for one holder id. Leases without a noted holder (queued, or
    taken by a worker that could not note itself) are left to run out.
    """
    now = now or timezone.now()
    leased = list(
        SyncState.objects.filter(lease_until__gt=now)
        .exclude(lease_token="")
        .values_list("pk", "lease_token")
    )
    if not leased:
        return 0
    holders = cache.get_many([_holder_key(token) for _, token in leased])
    dead = {}
    for state_id, token in leased:
        holder = holders.get(_holder_key(token))
        if holder is not None and not is_alive(holder):
            dead.setdefault(holder, []).append((state_id, token))
    released = 0
    for holder, leases in dead.items():
        count = release(leases)
        logger.warning("released %d leases of worker %s, which is gone", count, holder)
        released += count
    return released


def _run_order(unit):
    kind = unit.partition(":")[0]
    return list(HANDLERS).index(kind) if kind in HANDLERS else len(HANDLERS)


def run_unit(state_id, token=None, *, force=False):
    """Run one unit; returns a short word for logs: ok, busy, not-due, paused or failed."""
    now = timezone.now()
    if token is None:
        token = claim(state_id, now)
        if token is None:
            return "busy"
    state = (
        SyncState.objects.select_related("profile__workspace")
        .filter(pk=state_id, lease_token=token)
        .first()
    )
    if state is None:
        return "busy"  # the lease ran out and another worker took the unit
    result = None
    try:
        if not force and not _is_due(state, now):
            return "not-due"
        result = _run_claimed(state, now)
        # The unit's writes are committed: the whole-workspace overview may read them now.
        workspace_rollups.refresh(state.profile.workspace_id)
        return result
    finally:
        if result != "ok":  # a success gave the lease back in the UPDATE that recorded it
            SyncState.objects.filter(pk=state_id, lease_token=token).update(
                lease_until=None, lease_token=""
            )


def _is_due(state, now):
    if state.backoff_until and state.backoff_until > now:
        return False
    return state.next_update is None or state.next_update <= now


def _run_claimed(state, now):
    profile = state.profile
    budget = Budget(profile.pk)
    client = client_for(profile, budget, stop_at=time.monotonic() + settings.SYNC_UNIT_DEADLINE)
    kind, _, arg = state.unit.partition(":")
    handler = HANDLERS.get(kind)
    if handler is None:
        _record_failure(
            state, now, "unknown-unit", "This version of the dashboard cannot update this data."
        )
        return "failed"
    try:
        outcome = handler(client, state, now, arg)
    except BudgetExhausted as exc:
        # Only before a call's first attempt. A retry the budget refuses ends the call with the
        # error it met (AyrshareError below): the unit backs off instead of forgetting it.
        wait = float(exc.args[0]) if exc.args else 60.0
        _pause(state, now + timedelta(seconds=wait))
        logger.info("%s: request budget spent, resuming in %.0fs", state, wait)
        return "paused"
    except OutOfTime:
        # Not a failure: what it read is saved with its cursor, the next beat carries on.
        _pause(state, timezone.now())
        logger.info(
            "%s: stopped at its %g s deadline, resuming at the next beat",
            state,
            settings.SYNC_UNIT_DEADLINE,
        )
        return "paused"
    except PlanRefused as exc:
        _record_failure(state, now, "plan", str(exc), at_least=PLAN_RETRY.total_seconds())
        return "failed"
    except RateLimitError as exc:
        # First the shared budget, so units of this profile running elsewhere stop at once.
        budget.pause(max(exc.retry_after, 1))
        _pause_profile(state, now, exc)
        return "paused"
    except AyrshareError as exc:
        code = exc.code or type(exc).__name__
        # A 5xx that said when to come back (Retry-After) is not asked again sooner.
        at_least = getattr(exc, "retry_after", None) or 0
        _record_failure(state, now, code, _plain_words(exc), at_least=at_least)
        if isinstance(exc, NoAnswerError):
            _defer_profile(state)
        return "failed"
    except Exception as exc:
        if _database_gone(exc):
            raise  # not the unit's fault: tasks.run_unit runs it again on a new connection
        # One bad row must not crash-loop the unit: record it and push the next attempt back.
        logger.exception("%s failed unexpectedly", state)
        _record_failure(
            state,
            now,
            "unexpected",
            "Something unexpected went wrong reading Ayrshare's answer; it is logged and will be"
            " tried again.",
        )
        return "failed"
    _record_success(state, now, outcome)
    logger.info("%s ok: %s (next %s)", state, outcome.summary, outcome.next_update.isoformat())
    return "ok"


# What a query raises when the database ended the connection (restarted, failed over,
# pg_terminate_backend), among other errors.
DATABASE_GONE = (OperationalError, InterfaceError)


def _database_gone(exc):
    """The database ended this process's connection: the unit is not at fault.

    Django has reconnected already when a transaction.atomic block could not roll back, so the
    error itself says it: SQLSTATE class 08 (connection exception) or 57P (the server shut
    down), or none at all when psycopg found the connection broken before the server said why.
    """
    if not isinstance(exc, DATABASE_GONE) or connection.vendor != "postgresql":
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith(("08", "57P"))


def client_for(profile, budget, stop_at=None):
    workspace = profile.workspace
    return AyrshareClient(
        workspace.api_key,
        profile.profile_key,
        x_api_key=workspace.x_api_key,
        x_api_secret=workspace.x_api_secret,
        before_request=lambda: _before_call(budget),
        stop_at=stop_at,
    )


def _before_call(budget):
    """Charge the profile's budget and, with a connection pool, give the database connection back
    while the call waits on Ayrshare: a worker's threads then share a few connections instead of
    each holding one through hundreds of milliseconds of network wait. Inside a transaction the
    connection must stay (no call is made inside one, but the rule is the database's)."""
    if connection.settings_dict["OPTIONS"].get("pool") and not connection.in_atomic_block:
        connection.close()
    budget.charge()


# --- recording outcomes ---------------------------------------------------------------------


def _this_run(state):
    """The unit's row while this run holds its lease. A run whose lease was taken from it (its
    worker judged gone, the unit queued again) records nothing: the run that took it does."""
    return SyncState.objects.filter(pk=state.pk, lease_token=state.lease_token)


def _save_cursor(state, cursor):
    """Store the unit's progress, unless the row holds it already (most steady runs)."""
    if cursor != (state.cursor or {}):
        _this_run(state).update(cursor=cursor)
        state.cursor = dict(cursor)


def _record_success(state, now, outcome):
    # The lease goes with it: one statement fewer for every unit that succeeds.
    _this_run(state).update(
        lease_until=None,
        lease_token="",
        last_attempt=now,
        last_success=now,
        last_updated=outcome.last_updated or now,
        next_update=outcome.next_update,
        last_error="",
        last_error_code="",
        consecutive_failures=0,
        backoff_until=None,
    )


def _record_failure(state, now, code, message, at_least=0):
    failures = state.consecutive_failures + 1
    base = timedelta(seconds=settings.SYNC_RETRY_BASE_SECONDS)
    delay = min(base * 2 ** (failures - 1), MAX_BACKOFF)
    delay *= random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security
    delay = max(delay, timedelta(seconds=at_least))
    _this_run(state).update(
        last_attempt=now,
        last_error=message[:1000],
        last_error_code=str(code)[:64],
        consecutive_failures=failures,
        # From now, not from the unit's start: a call that hung for its whole deadline must not
        # come back with its backoff already spent.
        backoff_until=timezone.now() + delay,
    )
    logger.warning("%s failed (%s): %s", state, code, message)


def _defer_profile(state):
    """Ayrshare left one of this profile's calls unanswered: its other units wait as well.

    The units chained behind the failed one then end at once as not due, instead of each holding
    the worker for a call deadline of its own while other profiles wait. The wait doubles with
    each of the profile's units whose last try went unanswered: one network that hangs costs the
    others a short wait, a profile where everything hangs soon waits hours.
    """
    unanswered = SyncState.objects.filter(
        profile_id=state.profile_id, last_error_code=NoAnswerError.__name__
    ).count()
    base = timedelta(seconds=settings.SYNC_RETRY_BASE_SECONDS)
    until = timezone.now() + min(base * 2 ** max(unanswered - 1, 0), MAX_BACKOFF)
    SyncState.objects.filter(profile_id=state.profile_id).exclude(pk=state.pk).filter(
        Q(backoff_until__isnull=True) | Q(backoff_until__lt=until)
    ).update(backoff_until=until)
    logger.warning(
        "%s: Ayrshare did not answer; the profile's other units wait until %s",
        state,
        until.isoformat(),
    )


def _pause(state, until):
    _this_run(state).update(last_attempt=timezone.now(), next_update=until)


def _pause_profile(state, now, exc):
    """A 429 pauses every unit of that profile (the limit is per profile), and only those."""
    until = now + timedelta(seconds=max(exc.retry_after, 1))
    SyncState.objects.filter(profile_id=state.profile_id).filter(
        Q(backoff_until__isnull=True) | Q(backoff_until__lt=until)
    ).update(backoff_until=until)
    _this_run(state).update(
        last_attempt=now,
        # The page shows when it tries again (backoff_until), in the reader's zone.
        last_error="Ayrshare asked for a pause (too many requests); this will be tried again.",
        last_error_code="rate-limited",
        consecutive_failures=state.consecutive_failures + 1,
    )
    logger.warning("%s rate limited until %s", state, until.isoformat())


def _plain_words(exc):
    if isinstance(exc, AuthError):
        return f"Ayrshare rejected the API key or Profile-Key: {exc.message}"
    if isinstance(exc, NotFoundError):
        return f"Ayrshare does not know this resource: {exc.message}"
    return str(exc)


def _next(api_next_update, now, kind):
    """When to ask again: the API's nextUpdate, or our default where it gives none."""
    if api_next_update and api_next_update > now:
        return api_next_update
    if api_next_update:
        # The API says new data exists already; ask at the next beat, not in a tight loop.
        return now + timedelta(seconds=settings.SYNC_BEAT_SECONDS)
    return now + DEFAULT_INTERVALS[kind]


# --- the units --------------------------------------------------------------------------------


def sync_history(client, state, now, _arg):
    """GET /history: a full backfill the first time, then a recent window and open posts."""
    cursor = dict(state.cursor or {})
    profile = state.profile
    future = now + timedelta(days=400)
    last = None
    if not cursor.get("backfilled"):
        last = _history_pages(client, state, cursor, "backfill_end", start=EPOCH, end=future)
        cursor["backfilled"] = True
        cursor.pop("backfill_end", None)
        cursor["deleted_checked_at"] = None
    else:
        window = now - timedelta(days=settings.SYNC_HISTORY_WINDOW_DAYS)
        last = _history_pages(client, state, cursor, "window_end", start=window, end=future)
        cursor.pop("window_end", None)
    # Saved at once: a run that stops later (its deadline, the budget) must not read it again.
    _save_cursor(state, cursor)
    checked = normalize.parse_time(cursor.get("deleted_checked_at"))
    if checked is None or now - checked >= DELETED_CHECK_INTERVAL:
        # The dates filter on a post's schedule date, not on when it was deleted, and a post
        # may be deleted long after it went out: read every deleted post (only those come back).
        _history_pages(client, state, cursor, "deleted_end", start=EPOCH, end=future, deleted=True)
        cursor.pop("deleted_end", None)
        cursor["deleted_checked_at"] = now.isoformat()
        _save_cursor(state, cursor)
    rechecked = _recheck_open_posts(client, profile, now)
    next_update = normalize.parse_time((last or {}).get("nextUpdate"))
    last_updated = normalize.parse_time((last or {}).get("lastUpdated"))
    # Ayrshare renews /history every minute, but a new post's numbers come from the hourly units:
    # asking every minute would be most of an installation's calls for a list that rarely moved.
    at_least = now + timedelta(seconds=settings.SYNC_HISTORY_INTERVAL)
    return Outcome(
        max(_next(next_update, now, "history"), at_least),
        last_updated,
        f"{rechecked} open posts re-checked",
    )


def _history_pages(client, state, cursor, cursor_key, *, start, end, deleted=False):
    """Page backwards through /history by date; progress is saved with each page."""
    end = normalize.parse_time(cursor.get(cursor_key)) or end
    response = None
    while True:
        response = client.history(
            start_date=start,
            end_date=end,
            limit=HISTORY_PAGE,
            status="deleted" if deleted else None,
        )
        items = response.get("history") or []
        posts = normalize.history_posts(response)
        oldest = min((p.schedule_date for p in posts if p.schedule_date), default=None)
        with transaction.atomic():
            upsert.upsert_posts(state.profile, posts, timezone.now())
            if len(items) >= HISTORY_PAGE and oldest is not None:
                # endDate is inclusive: step one second back so a full page of posts sharing
                # one timestamp cannot loop forever (their duplicates are upserted anyway).
                end = oldest if oldest < end else oldest - timedelta(seconds=1)
                cursor[cursor_key] = end.isoformat()
                _save_cursor(state, cursor)
        if len(items) < HISTORY_PAGE or oldest is None:
            return response


def _recheck_open_posts(client, profile, now):
    """Scheduled posts whose time has passed but that /history did not report as sent."""
    stale = Post.objects.filter(
        profile=profile,
        status__in=upsert.OPEN_STATUSES,
        schedule_date__lte=now,
        synced_at__lt=now,
    ).order_by("schedule_date")[:RECHECKS_PER_RUN]
    count = 0
    for post in stale:
        try:
            item = client.history_post(post.ayrshare_id)
        except OutOfTime:
            break  # the oldest were re-checked; the rest are at the next run
        except NotFoundError:
            Post.objects.filter(pk=post.pk).update(status="deleted", synced_at=now)
            continue
        with transaction.atomic():
            upsert.upsert_posts(profile, [normalize.history_post(item)], now)
        count += 1
    return count


def sync_platform(client, state, now, platform):
    """GET /history/{platform}: the bulk source of metrics, including posts made elsewhere."""
    if platform not in state.profile.platforms:
        # Unlinked since this unit was queued (the user unit drops it): no call.
        return Outcome(now + DEFAULT_INTERVALS["platform"], None, "network no longer linked")
    response = client.platform_history(platform, limit=PLATFORM_PAGE)
    posts = normalize.platform_posts(platform, response)
    with transaction.atomic():
        written = upsert.upsert_network_posts(state.profile, posts, now, source="history")
        _save_cursor(state, _reach(posts))
    next_update = normalize.parse_time(response.get("nextUpdate"))
    last_updated = normalize.parse_time(response.get("lastUpdated"))
    return Outcome(_next(next_update, now, "platform"), last_updated, f"{written} posts")


def _reach(posts):
    """Ayrshare gives a network's newest PLATFORM_PAGE posts and no more: after a full page, the
    posts made on the network before its oldest may never reach the cache, and the pages say so
    (networks.native_limits)."""
    dates = [post.published_at for post in posts if post.published_at]
    if len(posts) < PLATFORM_PAGE or not dates:
        return {}
    return {"reaches_back": min(dates).isoformat()}


def analytics_due_at(published_at, now, api_next_update=None):
    """The decaying schedule: hourly while a post is young, daily for a month, then weekly."""
    age = now - published_at if published_at else timedelta(days=365)
    if age < timedelta(days=2):
        due = now + timedelta(hours=1)
    elif age < timedelta(days=30):
        due = now + timedelta(days=1)
    else:
        due = now + timedelta(days=7)
    if api_next_update and api_next_update > due:
        return api_next_update
    return due


def _due_analytics_posts(profile, now, limit):
    """Ayrshare posts whose network posts are due for POST /analytics/post, newest first."""
    rows = (
        PlatformPost.objects.filter(profile=profile, post__isnull=False, status="success")
        .filter(Q(analytics_due_at__isnull=True) | Q(analytics_due_at__lte=now))
        .exclude(social_id__startswith="ayrshare:")
        .order_by("-published_at")
        .values_list("post_id", "post__ayrshare_id", "published_at")[: limit * 4]
    )
    chosen = {}
    for post_id, ayrshare_id, published_at in rows:
        chosen.setdefault(post_id, (ayrshare_id, published_at))
        if len(chosen) == limit:
            break
    return chosen


def sync_post_analytics(client, state, now, _arg):
    """POST /analytics/post for the posts due on the decaying schedule, within the budget."""
    profile = state.profile
    asked = 0
    answers = []
    try:
        for post_id, (ayrshare_id, published_at) in _due_analytics_posts(
            profile, now, settings.SYNC_POST_ANALYTICS_BATCH
        ).items():
            rows = PlatformPost.objects.filter(profile=profile, post_id=post_id)
            try:
                response = client.post_analytics(ayrshare_id)
            except OutOfTime:
                break  # a smaller batch this time: the posts left are still due at the next beat
            except (AuthError, TransientError):
                raise  # the whole profile or API is affected: let the unit back off
            except AyrshareError as exc:
                _analytics_failed(rows, exc, now)
            else:
                answers.append((rows, normalize.post_analytics(response), published_at))
            asked += 1
    finally:
        _store_analytics(profile, answers, now)
    tracked = PlatformPost.objects.filter(
        profile=profile, post__isnull=False, status="success"
    ).exclude(social_id__startswith="ayrshare:")
    return Outcome(
        _next_analytics(tracked, bool(_due_analytics_posts(profile, now, 1)), now),
        now,
        f"{asked} posts' analytics",
    )


def _analytics_failed(rows, exc, now):
    """This one post's analytics failed; keep its numbers and try it again tomorrow."""
    rows.update(analytics_error=str(exc)[:500], analytics_due_at=now + timedelta(days=1))


def _store_analytics(profile, answers, now):
    """Store a run's answers, [(rows, network_posts, published_at)], in one transaction.

    One write per run, not per post: the upsert then recomputes each rollup day once, however
    many of the run's posts fell on it. Also when the run ends early (a 401, Ayrshare down),
    so the answers it was given are kept; a worker killed mid-run loses them, and those posts,
    still due, are asked again.
    """
    if not answers:
        return
    with transaction.atomic():
        upsert.upsert_network_posts(
            profile, [p for _, posts, _ in answers for p in posts], now, source="analytics"
        )
        for rows, network_posts, published_at in answers:
            api_next = min((p.next_update for p in network_posts if p.next_update), default=None)
            rows.update(
                analytics_error="", analytics_due_at=analytics_due_at(published_at, now, api_next)
            )


def _next_analytics(tracked, more_due, now):
    """Back next beat while posts are still due, else when the soonest of `tracked` is."""
    if more_due:
        return now + timedelta(seconds=settings.SYNC_BEAT_SECONDS)
    soonest = tracked.aggregate(soonest=Min("analytics_due_at"))["soonest"]
    return soonest or now + DEFAULT_INTERVALS["post_analytics"]


def _native_posts(profile):
    """Posts made outside Ayrshare on the linked networks that analytics by social id serves."""
    return PlatformPost.objects.filter(
        profile=profile,
        post__isnull=True,
        status="success",
        platform__in=[p for p in profile.platforms if p in SEARCH_ID_PLATFORMS],
    )


def _due_native_posts(profile, now, limit):
    """The native posts due for analytics by their social id, newest first."""
    return list(
        _native_posts(profile)
        .filter(Q(analytics_due_at__isnull=True) | Q(analytics_due_at__lte=now))
        .order_by("-published_at", "pk")
        .values_list("pk", "platform", "social_id", "published_at")[:limit]
    )


def sync_native_analytics(client, state, now, _arg):
    """POST /analytics/post with searchPlatformId for posts made directly on the networks, on
    the same decaying schedule as Ayrshare's own posts."""
    profile = state.profile
    due = _due_native_posts(profile, now, settings.SYNC_POST_ANALYTICS_BATCH)
    asked = len(due)
    answers = []
    try:
        for index, (pk, platform, social_id, published_at) in enumerate(due):
            rows = PlatformPost.objects.filter(pk=pk)
            try:
                response = client.post_analytics_by_social_id(social_id, platform)
            except OutOfTime:
                asked = index  # a smaller batch this time, as for Ayrshare's own posts
                break
            except (AuthError, RequestError) as exc:
                if _refused_by_plan(exc):
                    raise PlanRefused(
                        "Your Ayrshare plan does not include analytics of posts made outside "
                        f"Ayrshare (Ayrshare said: {exc.message}); asked again in a week."
                    ) from exc
                if isinstance(exc, AuthError):
                    raise
                _analytics_failed(rows, exc, now)
                continue
            except NotFoundError as exc:
                _analytics_failed(rows, exc, now)
                continue
            found = [p for p in normalize.post_analytics(response) if p.platform == platform]
            answers.append((rows, found, published_at))
    finally:
        _store_analytics(profile, answers, now)
    return Outcome(
        _next_analytics(_native_posts(profile), bool(_due_native_posts(profile, now, 1)), now),
        now,
        f"{asked} native posts' analytics",
    )


def _refused_by_plan(exc):
    words = exc.message.lower()
    return "plan" in words or "upgrade" in words or "subscription" in words


def sync_social(client, state, now, _arg):
    """POST /analytics/social: followers and account totals per network, one row a day."""
    platforms = [p for p in state.profile.platforms if p in SOCIAL_PLATFORMS]
    response = client.social_analytics(platforms)
    snapshots = normalize.social_analytics(response)
    with transaction.atomic():
        written = upsert.upsert_account_metrics(state.profile, snapshots, now.date())
    next_update = min((s.next_update for s in snapshots if s.next_update), default=None)
    return Outcome(_next(next_update, now, "social"), now, f"{written} networks")


def sync_links(client, state, now, _arg):
    """GET /links: clicks on shortened links; an API without it answers GET /analytics/links
    (the last 30 days)."""
    try:
        response = client.links()
    except NotFoundError:
        response = client.link_analytics(last_days=30)
    with transaction.atomic():
        written = upsert.upsert_links(state.profile, normalize.link_analytics(response), now)
    return Outcome(_next(_api_next_update(response), now, "links"), now, f"{written} links")


def sync_playlists(client, state, now, _arg):
    """GET /analytics/youTubePlaylists."""
    response = client.youtube_playlists()
    with transaction.atomic():
        written = upsert.upsert_playlists(state.profile, normalize.youtube_playlists(response), now)
    next_update = _next(_api_next_update(response), now, "playlists")
    return Outcome(next_update, now, f"{written} playlists")


def sync_user(client, state, now, _arg):
    """GET /user: networks linked or unlinked since, each account's name, link and warnings.

    A network linked since gets its units from now on; one unlinked loses them (they hold only
    scheduling state) but keeps its cached posts and numbers.
    """
    response = client.user()
    details = normalize.user_details(response)
    profile = state.profile
    with transaction.atomic():
        linked, unlinked = upsert.upsert_linked_accounts(profile, details, now)
        if details.networks is not None:
            # Only networks the dashboard knows; the rest (Telegram) are kept as accounts only.
            networks = [n for n in details.networks if n in NETWORK_NAMES]
            if sorted(networks) != sorted(profile.platforms):
                profile.platforms = networks
                profile.save(update_fields=["platforms"])
                ensure_units([profile])
                # The account numbers are a new question now (other networks): ask at once.
                SyncState.objects.filter(profile=profile, unit="social").update(next_update=now)
    interval = timedelta(seconds=settings.SYNC_USER_INTERVAL)
    summary = f"{len(details.networks or ())} networks linked"
    if linked or unlinked:
        summary += f" (new: {', '.join(linked) or 'none'}; gone: {', '.join(unlinked) or 'none'})"
    return Outcome(now + interval, now, summary)


def _api_next_update(response):
    """nextUpdate where an answer carries one; the links and playlists pages print none."""
    return normalize.parse_time(response.get("nextUpdate")) if isinstance(response, dict) else None


HANDLERS = {
    "history": sync_history,
    "platform": sync_platform,
    "post_analytics": sync_post_analytics,
    "social": sync_social,
    "links": sync_links,
    "playlists": sync_playlists,
    "user": sync_user,
    "native_analytics": sync_native_analytics,
}
