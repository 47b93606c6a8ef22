"""The bulk write path: normalized records into the cache, idempotently.

Every function here inserts or updates in a few statements per batch (no row-by-row loops) and
never deletes. A value the API did not send this time (None) never overwrites one we already
have: networks drop fields (TikTok after 7 idle days), and a partial response must not zero the
dashboard. Metric snapshots are appended only when a post's numbers changed.
"""

import datetime
import functools
import json

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, JSONField, Q

from dashboard import followers, rollups
from dashboard.metrics import AUDIENCE_METRICS, COUNTERS, METRICS, VIDEO_METRICS, with_engagement
from dashboard.models import (
    AccountMetrics,
    LinkedAccount,
    MetricSnapshot,
    PlatformPost,
    Post,
    ShortLink,
    UnmappedField,
    YouTubePlaylist,
)

OPEN_STATUSES = ("pending", "processing")
_POST_FIELDS = [
    "text",
    "status",
    "post_type",
    "schedule_date",
    "created_at",
    "notes",
    "platforms",
    "errors",
    "media_urls",
    "raw",
    "synced_at",
]
# What a stored Post is compared on: all but its raw item and synced_at.
_POST_VALUES = _POST_FIELDS[:-2]
_DESCRIPTIVE_FIELDS = ("published_at", "text", "url", "media_type", "thumbnail_url")


def placeholder_id(ayrshare_id):
    """The social id a network post has before the network gave it one (scheduled, failed)."""
    return f"ayrshare:{ayrshare_id}"


def upsert_posts(profile, history_posts, now):
    """Store posts from /history and their per-network entries; returns {ayrshare_id: Post.pk}.

    Only posts that are new or whose values change are written (with their raw item); of the
    rest, the open ones get only their synced_at, which _recheck_open_posts reads as "seen in
    this run".
    """
    history_posts = [hp for hp in history_posts if hp.ayrshare_id]
    if not history_posts:
        return {}
    stored = {
        r["ayrshare_id"]: r
        for r in Post.objects.filter(
            profile=profile, ayrshare_id__in=[hp.ayrshare_id for hp in history_posts]
        ).values(
            "pk",
            "ayrshare_id",
            *_POST_VALUES,
            has_raw=ExpressionWrapper(~Q(raw={}), output_field=BooleanField()),
        )
    }
    rows = [_post_row(profile, hp, now) for hp in history_posts]
    written = [row for row in rows if _post_changed(stored.get(row.ayrshare_id), row)]
    if written:
        Post.objects.bulk_create(
            written,
            update_conflicts=True,
            unique_fields=["profile", "ayrshare_id"],
            update_fields=_POST_FIELDS,
        )
    post_ids = {ayrshare_id: r["pk"] for ayrshare_id, r in stored.items()}
    post_ids.update({row.ayrshare_id: row.pk for row in written})
    if None in post_ids.values():  # a backend whose bulk upsert returns no ids
        post_ids = dict(
            Post.objects.filter(profile=profile, ayrshare_id__in=list(post_ids)).values_list(
                "ayrshare_id", "pk"
            )
        )
    # Only an open post's synced_at has a reader; the others' would be a write per run.
    seen = {row.ayrshare_id for row in rows if row.status in OPEN_STATUSES}
    seen -= {row.ayrshare_id for row in written}
    if seen:
        Post.objects.filter(pk__in=[post_ids[a] for a in seen]).update(synced_at=now)
    # A new post, or one whose schedule moved: its network rows' sort key follows.
    moved = {post_ids[row.ayrshare_id] for row in written}
    _upsert_network_entries(profile, history_posts, post_ids, now, moved)
    return post_ids


def _post_row(profile, hp, now):
    return Post(
        profile=profile,
        ayrshare_id=hp.ayrshare_id,
        text=hp.text,
        status=hp.status,
        post_type=hp.post_type,
        schedule_date=hp.schedule_date,
        created_at=hp.created_at,
        notes=hp.notes,
        platforms=list(hp.platforms),
        errors=list(hp.errors),
        media_urls=list(hp.media_urls),
        raw=hp.raw,
        synced_at=now,
    )


def _post_changed(old, row):
    if old is None or not old["has_raw"]:
        return True
    return any(old[name] != getattr(row, name) for name in _POST_VALUES)


def _network_entries(hp):
    """One (platform, social_id, status, url, error) per network the post was sent to."""
    refs = {ref.platform: ref for ref in hp.network_refs if ref.social_id}
    errors = {e.get("platform"): e for e in hp.errors if isinstance(e, dict)}
    for platform in dict.fromkeys([*hp.platforms, *refs]):
        ref = refs.get(platform)
        error = errors.get(platform)
        if hp.status == "deleted":
            status = "deleted"
        elif ref is not None:
            status = ref.status or "success"
        elif error is not None or hp.status == "success":
            status = "error"
        else:
            status = hp.status
        message = ""
        if error is not None:
            message = str(error.get("message") or error.get("code") or "")
        social_id = ref.social_id if ref else placeholder_id(hp.ayrshare_id)
        yield platform, social_id, status, (ref.url if ref else ""), message


def _upsert_network_entries(profile, history_posts, post_ids, now, moved):
    rows = []
    promoted = []
    for hp in history_posts:
        for platform, social_id, status, url, message in _network_entries(hp):
            if not social_id.startswith("ayrshare:"):
                promoted.append((platform, social_id, placeholder_id(hp.ayrshare_id)))
            rows.append(
                PlatformPost(
                    profile=profile,
                    post_id=post_ids[hp.ayrshare_id],
                    platform=platform,
                    social_id=social_id,
                    status=status,
                    published_at=hp.schedule_date or hp.created_at,
                    text=hp.text,
                    url=url,
                    error_message=message,
                    synced_at=now,
                )
            )
    renamed = _promote_placeholders(profile, promoted)
    stored = _stored_entries(profile, [(r.platform, r.social_id) for r in rows])
    # As for upsert_network_posts: a row that repeats what we hold is not written, synced_at
    # included (no reader of a network row's synced_at needs it to move).
    written = [
        r
        for r in rows
        if stored.get((r.platform, r.social_id)) != (r.post_id, r.status, r.error_message)
    ]
    if written:
        PlatformPost.objects.bulk_create(
            written,
            update_conflicts=True,
            unique_fields=["profile", "platform", "social_id"],
            update_fields=["post", "status", "error_message", "synced_at"],
        )
    keys = {(r.platform, r.social_id) for r in written} | renamed
    touched = moved | {r.post_id for r in rows if (r.platform, r.social_id) in keys}
    if touched:
        # The history's sort key follows the posts' (possibly moved) schedule dates.
        PlatformPost.fill_sort_time(PlatformPost.objects.filter(post_id__in=touched))
    # New network posts and promoted placeholders count in the rollups from now on.
    rollups.recompute_posts(profile, sorted(keys))


def _stored_entries(profile, keys):
    """{(platform, social_id): (post_id, status, error_message)} of the rows we hold."""
    condition = Q()
    for platform in {p for p, _ in keys}:
        condition |= Q(platform=platform, social_id__in=[s for p, s in keys if p == platform])
    rows = PlatformPost.objects.filter(condition, profile=profile).values_list(
        "platform", "social_id", "post_id", "status", "error_message"
    )
    return {(p, s): tuple(rest) for p, s, *rest in rows}


def _promote_placeholders(profile, promoted):
    """A scheduled post went live: its placeholder row takes the real social id.

    Returns the (platform, social_id) of the rows renamed.
    """
    if not promoted:
        return set()
    placeholders = {p for _, _, p in promoted}
    existing = set(
        PlatformPost.objects.filter(profile=profile, social_id__in=placeholders).values_list(
            "platform", "social_id"
        )
    )
    renamed = set()
    for platform, social_id, placeholder in promoted:
        if (platform, placeholder) not in existing:
            continue
        taken = PlatformPost.objects.filter(
            profile=profile, platform=platform, social_id=social_id
        ).exists()
        rows = PlatformPost.objects.filter(
            profile=profile, platform=platform, social_id=placeholder
        )
        if taken:
            # The network post arrived first through /history/{platform}; the placeholder only
            # ever held what /history already told us again, so nothing is lost.
            rows.delete()
        else:
            rows.update(social_id=social_id)
            renamed.add((platform, social_id))
    return renamed


def upsert_network_posts(profile, network_posts, now, *, source="history"):
    """Store NetworkPosts from /history/{platform} or /analytics/post; returns how many the
    answer held (stored or confirmed).

    source "history" keeps the item in `raw`, "analytics" in `analytics_raw`. Only rows that are
    new or whose values change are written, and only their days are recomputed: in steady state
    most of a page repeats what we hold, and the unit's cost follows what changed.
    """
    by_key = {}
    for np in network_posts:
        if np.social_id:  # a platform's error entry carries no post to store
            by_key[(np.platform, np.social_id)] = np  # a repeated item: the last one wins
    if not by_key:
        return 0
    existing = _existing_rows(profile, by_key.keys(), source)
    rows = []
    changed = []
    for key, np in by_key.items():
        old = existing.get(key)
        row = _merged_row(profile, np, old, now, source)
        if not _values_changed(old, row, source):
            continue
        rows.append(row)
        if _metrics_changed(old, row):
            changed.append(row)
    _note_unmapped(profile, by_key.values(), now)
    if not rows:
        return len(by_key)
    # Bookkeeping (last_updated, next_update, synced_at, the raw item) is written with the
    # values, not on its own: a row that repeats its values keeps the lastUpdated of the answer
    # they came from. Moving them on every call would rewrite every row of the page and, through
    # the rollups' oldest/newest_update, recompute every day it touches and the workspace's.
    # Readers: the overview's and posts page's "as of" (oldest/newest last_updated), which then
    # says since when the numbers shown are known (the unit's own time is SyncState's); the next
    # per-post update (kpis, a fallback after the units' schedule), which skips past times; and
    # renormalize, whose raw item differs only in what the normalizer does not map.
    update_fields = [
        *_DESCRIPTIVE_FIELDS,
        "sort_time",
        *METRICS,
        *VIDEO_METRICS,
        "metric_notes",
        "reported",
        "last_updated",
        "next_update",
        "synced_at",
        "analytics_raw" if source == "analytics" else "raw",
    ]
    _write_network_posts(rows, update_fields)
    unpublished = {r.social_id for r in rows if r.published_at is None}
    if unpublished:
        # Their sort key is their Ayrshare post's schedule date, which needs a join.
        PlatformPost.fill_sort_time(
            PlatformPost.objects.filter(profile=profile, social_id__in=unpublished)
        )
    _append_snapshots(profile, changed, now)
    # Old days too: a post whose published_at moved leaves its old day's group.
    written = {(r.platform, r.social_id) for r in rows}
    rollups.recompute(
        rollups.groups_of(
            [(profile.pk, k[0], old["published_at"]) for k, old in existing.items() if k in written]
            + [(profile.pk, r.platform, r.published_at) for r in rows]
        )
    )
    return len(by_key)


def _write_network_posts(rows, update_fields):
    """Insert the rows, or update `update_fields` of the stored ones; sets each row's pk (the
    snapshots use it).

    On PostgreSQL the batch goes as one JSON document, read by jsonb_to_recordset. bulk_create
    sends an array per column instead, and psycopg quotes every item of the text and JSON
    arrays in Python: most of the sync's CPU (docs/performance.md, "Sync writes (P9)").
    """
    if connection.vendor != "postgresql":
        PlatformPost.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["profile", "platform", "social_id"],
            update_fields=update_fields,
        )
        return
    records = [{f.column: _cell(f, getattr(row, f.attname)) for f in _WRITTEN} for row in rows]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(tuple(update_fields)), [json.dumps(records)])
        ids = {(platform, social_id): pk for pk, platform, social_id in cursor.fetchall()}
    for row in rows:
        row.pk = ids[row.platform, row.social_id]


_WRITTEN = [f for f in PlatformPost._meta.concrete_fields if not f.primary_key]


def _cell(field, value):
    """A field's value as bulk_create would bind it (int(), float(), str()), written as JSON."""
    if value is None or isinstance(field, JSONField):
        return value
    value = field.get_prep_value(value)
    return value.isoformat() if isinstance(value, datetime.datetime) else value


@functools.cache
def _upsert_sql(update_fields):
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in _WRITTEN)
    shape = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in _WRITTEN)
    updated = [PlatformPost._meta.get_field(name).column for name in update_fields]
    assignments = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in updated)
    # Only quoted names from the model go into the text; the rows are one parameter.
    return (
        f"INSERT INTO {quote(PlatformPost._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r({shape}) "
        "ON CONFLICT (profile_id, platform, social_id) "
        f"DO UPDATE SET {assignments} RETURNING id, platform, social_id"
    )


# What a stored row is compared on: everything the pages and rollups read but the bookkeeping.
_UNSORTED = (*_DESCRIPTIVE_FIELDS, *METRICS, *VIDEO_METRICS, "metric_notes", "reported")
_OTHER = {"history": "analytics", "analytics": "history"}
_COMPARED = (*_UNSORTED, "sort_time")


def _existing_rows(profile, keys, source="history"):
    condition = Q()
    for platform in {p for p, _ in keys}:
        ids = [s for p, s in keys if p == platform]
        condition |= Q(platform=platform, social_id__in=ids)
    has_analytics = ExpressionWrapper(~Q(analytics_raw={}), output_field=BooleanField())
    # Whether this source's raw item is stored yet: the first one is always kept.
    raw_field = "analytics_raw" if source == "analytics" else "raw"
    has_source = ExpressionWrapper(~Q(**{raw_field: {}}), output_field=BooleanField())
    rows = PlatformPost.objects.filter(condition, profile=profile)
    return {
        (r["platform"], r["social_id"]): r
        for r in rows.values(
            "platform", "social_id", *_COMPARED, has_analytics=has_analytics, has_source=has_source
        )
    }


def _values_changed(old, row, source):
    """Would writing `row` change what the pages and rollups read (or keep a first raw item)?"""
    raw = row.analytics_raw if source == "analytics" else row.raw
    if old is None or (raw and not old["has_source"]):
        return True
    # An unpublished row's sort key comes from its Ayrshare post (fill_sort_time), not from here.
    names = _COMPARED if row.published_at is not None else _UNSORTED
    return any(old[name] != getattr(row, name) for name in names)


def _merged_row(profile, np, old, now, source):
    old = old or {}
    notes = dict(old.get("metric_notes") or {})
    reported = dict(old.get("reported") or {})
    other = set(reported.get(_OTHER[source], ()))
    before = set(reported.get(source, ()))
    metrics = {}
    for name in COUNTERS:
        value, previous = np.metrics.get(name), old.get(name)
        if value is None and previous is not None:
            value = previous  # a number we had is never erased
            if name in before and name not in other:
                notes[name] = "stale"  # the network stopped sending it: the last value stays
        else:
            notes.pop(name, None)
        if value is not None and previous is not None and value < previous:
            # Lifetime totals: a lower figure from the other endpoint, or one that lags behind,
            # must not move the dashboard backwards.
            value = previous
        metrics[name] = value
    metrics = with_engagement(metrics)
    # The two answers carry different counters (Facebook's history item has no impressions,
    # its analytics answer has): when one leaves out what only the other sends, nothing went
    # stale. Judging by the last answer alone flipped such notes on every call, rewriting
    # most posts and their days each time.
    reported[source] = counters_sent([np])
    video = _merged_video(np, old, source)
    descriptive = {
        "published_at": np.published_at or old.get("published_at"),
        "text": np.text or old.get("text") or "",
        "url": np.url or old.get("url") or "",
        "media_type": _media_type(np.media_type, old.get("media_type")),
        "thumbnail_url": _thumbnail(np.thumbnail_url, old, source),
    }
    raw_field = "analytics_raw" if source == "analytics" else "raw"
    return PlatformPost(
        profile=profile,
        platform=np.platform,
        social_id=np.social_id,
        status="success",
        metric_notes=notes,
        reported=reported,
        last_updated=np.last_updated,
        next_update=np.next_update,
        synced_at=now,
        # What fill_sort_time() would compute for a published post, without a second UPDATE.
        sort_time=descriptive["published_at"],
        **descriptive,
        **metrics,
        **video,
        **{raw_field: np.raw},
    )


def _media_type(new, old):
    """ "text" is what an answer says when it shows no media: the other endpoint's answer may
    know better (LinkedIn's history item has the video, its analytics answer does not)."""
    if new in ("", "text") and old:
        return old
    return new or ""


def counters_sent(network_posts):
    """The counters these answers gave a number for, sorted (PlatformPost.reported)."""
    return sorted({n for np in network_posts for n in COUNTERS if np.metrics.get(n) is not None})


def _thumbnail(new, old, source):
    """The analytics answer's picture, once a post has one (YouTube's is hqdefault.jpg, its
    history item's default.jpg): taking each answer's in turn rewrote the post on every call."""
    kept = old.get("thumbnail_url") or ""
    if not new or (source == "history" and old.get("has_analytics") and kept):
        return kept
    return new


def _merged_video(np, old, source):
    """Watch time is a lifetime total: it never moves back. Averages and rates move both ways;
    the analytics answer is the fuller one, so once a post has one, /history/{platform} only
    fills what it lacks. A value the network did not send keeps the last one."""
    merged = {}
    for name in VIDEO_METRICS:
        value, previous = np.video.get(name), old.get(name)
        merged[name] = previous if _keeps(name, value, previous, source, old) else value
    return merged


def _keeps(name, value, previous, source, old):
    if previous is None:
        return False
    if value is None:
        return True
    if name == "watch_time":
        return value < previous
    return source == "history" and bool(old.get("has_analytics"))


def _note_unmapped(profile, network_posts, now):
    names = {(np.platform, name[:200]) for np in network_posts for name in np.unmapped}
    if not names:
        return
    UnmappedField.objects.bulk_create(
        [
            UnmappedField(profile=profile, platform=p, name=n, first_seen=now, last_seen=now)
            for p, n in sorted(names)
        ],
        update_conflicts=True,
        unique_fields=["profile", "platform", "name"],
        update_fields=["last_seen"],
    )


def _metrics_changed(old, row):
    if old is None:
        return any(getattr(row, name) is not None for name in METRICS)
    return any(old.get(name) != getattr(row, name) for name in METRICS)


def _append_snapshots(profile, rows, now):
    """Copy the changed rows' new numbers into MetricSnapshot, in one INSERT … SELECT.

    Read back from the rows just written rather than sent again: building and binding a model
    per snapshot cost the sync a third of its time.
    """
    if not rows:
        return
    if any(row.pk is None for row in rows):  # a backend whose bulk upsert returns no ids
        ids = _ids_for(profile, [(row.platform, row.social_id) for row in rows])
        for row in rows:
            row.pk = ids.get((row.platform, row.social_id))
    pks = [row.pk for row in rows if row.pk is not None]
    quote = connection.ops.quote_name
    metrics = ", ".join(quote(name) for name in METRICS)
    placeholders = ", ".join(["%s"] * len(pks))
    # Only quoted names from our models go into the text; values stay parameters. A retried
    # sync re-reads the same lastUpdated: the unique constraint makes that a no-op.
    sql = (
        f"INSERT INTO {quote(MetricSnapshot._meta.db_table)} "  # noqa: S608
        f"(platform_post_id, profile_id, captured_at, {metrics}) "
        f"SELECT id, profile_id, COALESCE(last_updated, %s), {metrics} "
        f"FROM {quote(PlatformPost._meta.db_table)} WHERE id IN ({placeholders}) "
        "ON CONFLICT (platform_post_id, captured_at) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, *pks])


def _ids_for(profile, keys):
    condition = Q()
    for platform in {p for p, _ in keys}:
        condition |= Q(platform=platform, social_id__in=[s for p, s in keys if p == platform])
    return {
        (p, s): pk
        for pk, p, s in PlatformPost.objects.filter(condition, profile=profile).values_list(
            "pk", "platform", "social_id"
        )
    }


def _first_known(new, old):
    return new if new is not None else old


# The numbers of an AccountMetrics row, as AccountSnapshot names them.
ACCOUNT_FIELDS = (
    "followers",
    "following",
    "posts_count",
    "impressions",
    "reach",
    "views",
    "engagements",
    *AUDIENCE_METRICS,
)


def upsert_account_metrics(profile, snapshots, today):
    """One row per network and day; a field missing today keeps the value we had."""
    if not snapshots:
        return 0
    fields = ACCOUNT_FIELDS
    existing = {
        r["platform"]: r
        for r in AccountMetrics.objects.filter(profile=profile, date=today).values(
            "platform", *fields
        )
    }
    rows = []
    for snap in snapshots:
        old = existing.get(snap.platform, {})
        values = {
            f: getattr(snap, f) if getattr(snap, f) is not None else old.get(f) for f in fields
        }
        rows.append(
            AccountMetrics(
                profile=profile,
                platform=snap.platform,
                date=today,
                raw=snap.raw,
                last_updated=snap.last_updated,
                **values,
            )
        )
    AccountMetrics.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["profile", "platform", "date"],
        update_fields=[*fields, "raw", "last_updated"],
    )
    followers.note_reports(profile.pk, [row.platform for row in rows])
    return len(rows)


# What a stored link is compared on: all but its raw item and synced_at.
LINK_COMPARED = ("short_url", "original_url", "clicks", "clicks_by_platform", "created_at")


def upsert_links(profile, links, now):
    """Write the links that are new or whose values changed; returns how many were written.

    GET /links answers with every link of the profile at each call, most of them unchanged:
    rewriting them all made each call cost its page size (and left a dead row behind for each).
    The clicks' "as of" time is the links unit's last success (links.summary), not a row's.
    """
    by_id = {link.link_id: link for link in links if link.link_id}
    stored = {
        row["link_id"]: row
        for row in ShortLink.objects.filter(profile=profile, link_id__in=by_id).values(
            "link_id", *LINK_COMPARED
        )
    }
    rows = [
        ShortLink(
            profile=profile,
            link_id=link.link_id,
            short_url=link.short_url,
            original_url=link.original_url,
            clicks=link.clicks,
            clicks_by_platform=link.clicks_by_platform,
            created_at=link.created_at,
            raw=link.raw,
            synced_at=now,
        )
        for link in by_id.values()
        if _link_changed(stored.get(link.link_id), link)
    ]
    ShortLink.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["profile", "link_id"],
        update_fields=[*LINK_COMPARED, "raw", "synced_at"],
    )
    return len(rows)


def _link_changed(stored, link):
    return stored is None or any(stored[name] != getattr(link, name) for name in LINK_COMPARED)


def upsert_playlists(profile, playlists, now):
    rows = [
        YouTubePlaylist(
            profile=profile,
            playlist_id=p.playlist_id,
            title=p.title,
            item_count=p.item_count,
            raw=p.raw,
            synced_at=now,
        )
        for p in playlists
        if p.playlist_id
    ]
    YouTubePlaylist.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["profile", "playlist_id"],
        update_fields=["title", "item_count", "raw", "synced_at"],
    )
    return len(rows)


def upsert_linked_accounts(profile, details, now):
    """Store GET /user's accounts; a network no longer listed is marked unlinked, not deleted.

    Returns (networks linked since the last check, networks unlinked since).
    """
    listed = {a.platform: a for a in details.accounts}
    for network in details.networks or ():
        listed.setdefault(network, None)  # linked, but without a displayNames entry
    before = dict(
        LinkedAccount.objects.filter(profile=profile).values_list("platform", "unlinked_at")
    )
    rows = [
        LinkedAccount(
            profile=profile,
            platform=platform,
            display_name=account.display_name if account else "",
            username=account.username if account else "",
            profile_url=account.profile_url if account else "",
            image_url=account.image_url if account else "",
            linked_at=account.linked_at if account else None,
            refresh_days_remaining=account.refresh_days_remaining if account else None,
            checked_at=now,
            unlinked_at=None,
            raw=account.raw if account else {},
        )
        for platform, account in listed.items()
    ]
    LinkedAccount.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["profile", "platform"],
        update_fields=[
            *("display_name", "username", "profile_url", "image_url", "linked_at"),
            *("refresh_days_remaining", "checked_at", "unlinked_at", "raw"),
        ],
    )
    gone = []
    if details.networks is not None:  # an answer without the list says nothing of the rest
        gone = [p for p, unlinked in before.items() if p not in listed and unlinked is None]
    LinkedAccount.objects.filter(profile=profile, platform__in=gone).update(unlinked_at=now)
    new = [p for p in listed if p not in before or before[p] is not None]
    return sorted(new), sorted(gone)
