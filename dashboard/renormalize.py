"""Re-derive the cache from the raw answers it stored, with the current normalizer.

Every network post keeps the last /history/{platform} item (`raw`) and the last /analytics/post
entry (`analytics_raw`) it came from; account rows and links keep theirs too. When a mapping
changes (a new Ayrshare field, a fixed reading), this brings every cached row up to it without
asking the API anything. A value the raw answers no longer give is kept, as the sync keeps it.

Safe beside running workers: each batch is read and written inside one transaction that locks
its rows, so a sync that writes the same row waits, and whichever writes last wrote from the
newer answer or the same one.
"""

from dataclasses import dataclass, field

from django.db import transaction

from dashboard import followers, rollups, workspace_rollups
from dashboard.ayrshare import normalize
from dashboard.metrics import COUNTERS, METRICS, VIDEO_METRICS, with_engagement
from dashboard.models import AccountMetrics, PlatformPost, ShortLink
from dashboard.upsert import ACCOUNT_FIELDS, counters_sent

BATCH = 500
LINK_FIELDS = ("short_url", "original_url", "clicks", "clicks_by_platform", "created_at")


@dataclass
class Changes:
    """What a run changed, per kind of row: rows read, rows changed, values filled/changed."""

    read: dict = field(default_factory=dict)
    changed: dict = field(default_factory=dict)
    filled: int = 0  # a value where there was none
    corrected: int = 0  # a different value where there was one

    def count(self, kind, old, new):
        """Compare one row's values before and after; True when any changed."""
        self.read[kind] = self.read.get(kind, 0) + 1
        differs = False
        for name, value in new.items():
            before = old.get(name)
            if value == before:
                continue
            differs = True
            if before is None or before in ("", {}):
                self.filled += 1
            else:
                self.corrected += 1
        if differs:
            self.changed[kind] = self.changed.get(kind, 0) + 1
        return differs


def run(profiles=None, network=None):
    """Renormalize the rows of `profiles` (a queryset; None: all) and `network` (None: all)."""
    changes = Changes()
    _posts(_filtered(PlatformPost.objects, profiles, network), changes)
    _accounts(_filtered(AccountMetrics.objects, profiles, network), changes)
    if network is None:
        links = ShortLink.objects.all()
        if profiles is not None:
            links = links.filter(profile__in=profiles)
        _links(links, changes)
    workspace_rollups.refresh_all()
    return changes


def _filtered(rows, profiles, network):
    if profiles is not None:
        rows = rows.filter(profile__in=profiles)
    if network is not None:
        rows = rows.filter(platform=network)
    return rows


def _batches(rows):
    """Primary keys in batches of BATCH, read once up front so that new rows do not shift."""
    pks = list(rows.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        yield pks[start : start + BATCH]


# --- network posts ---------------------------------------------------------------------------

POST_FIELDS = (*COUNTERS, *VIDEO_METRICS, "media_type", "thumbnail_url")


def _posts(rows, changes):
    for pks in _batches(rows):
        with transaction.atomic():
            batch = list(PlatformPost.objects.select_for_update().filter(pk__in=pks))
            written = []
            for post in batch:
                if _rederive_post(post, changes):
                    written.append(post)
            if written:
                fields = [*METRICS, *VIDEO_METRICS, "media_type", "thumbnail_url"]
                fields += ["metric_notes", "reported"]
                PlatformPost.objects.bulk_update(written, fields)
                groups = [(p.profile_id, p.platform, p.published_at) for p in written]
                rollups.recompute(rollups.groups_of(groups))


def _rederive_post(post, changes):
    """Set the post's numbers from its raw answers; True when anything changed."""
    by_source = {"history": _from_history(post), "analytics": _from_analytics(post)}
    derived = [*by_source["history"], *by_source["analytics"]]
    if not derived:
        changes.count("post", {}, {})
        return False
    old = {name: getattr(post, name) for name in (*METRICS, *VIDEO_METRICS)}
    old |= {"media_type": post.media_type, "thumbnail_url": post.thumbnail_url}
    new = dict(old)
    notes = dict(post.metric_notes or {})
    for name in COUNTERS:
        values = [np.metrics.get(name) for np in derived if np.metrics.get(name) is not None]
        if values:
            # The two endpoints may lag each other: the larger lifetime total is the later one.
            new[name] = max(values)
            notes.pop(name, None)
    for name in VIDEO_METRICS:
        # As upsert keeps them: watch time the larger total, the rest the analytics answer's
        # (read last) before the history item's.
        values = [np.video.get(name) for np in derived if np.video.get(name) is not None]
        if values:
            new[name] = max(values) if name == "watch_time" else values[-1]
    kinds = [np.media_type for np in derived if np.media_type]
    if kinds:
        # As upsert keeps it: "text" (no media in that answer) never hides a known kind.
        new["media_type"] = next((k for k in kinds if k != "text"), "text")
    thumbnail = next((np.thumbnail_url for np in reversed(derived) if np.thumbnail_url), "")
    if thumbnail:
        new["thumbnail_url"] = thumbnail
    new |= with_engagement({name: new[name] for name in COUNTERS})
    # What each answer carries, as upsert records it (whether a missing number went stale).
    reported = {source: counters_sent(posts) for source, posts in by_source.items() if posts}
    unchanged = notes == (post.metric_notes or {}) and reported == (post.reported or {})
    if not changes.count("post", old, new) and unchanged:
        return False
    for name, value in new.items():
        setattr(post, name, value)
    post.metric_notes, post.reported = notes, reported
    return True


def _from_history(post):
    if isinstance(post.raw, dict) and post.raw:
        return [normalize.platform_post(post.platform, post.raw)]
    return []


def _from_analytics(post):
    if post.analytics_raw and isinstance(post.analytics_raw, (dict, list)):
        return normalize.post_analytics({post.platform: post.analytics_raw})
    return []


# --- accounts and links ----------------------------------------------------------------------


def _accounts(rows, changes):
    touched = set()
    for pks in _batches(rows):
        with transaction.atomic():
            batch = list(AccountMetrics.objects.select_for_update().filter(pk__in=pks))
            written = [row for row in batch if _rederive_account(row, changes)]
            if written:
                AccountMetrics.objects.bulk_update(written, ACCOUNT_FIELDS)
                touched |= {(row.profile_id, row.platform) for row in written}
    for profile_id in {p for p, _ in touched}:
        followers.note_reports(profile_id, sorted({n for p, n in touched if p == profile_id}))


def _rederive_account(row, changes):
    snapshots = normalize.social_analytics({row.platform: row.raw}) if row.raw else []
    old = {name: getattr(row, name) for name in ACCOUNT_FIELDS}
    new = dict(old)
    for snapshot in snapshots:
        for name in ACCOUNT_FIELDS:
            value = getattr(snapshot, name)
            if value is not None:
                new[name] = value
    if not changes.count("account", old, new):
        return False
    for name, value in new.items():
        setattr(row, name, value)
    return True


def _links(rows, changes):
    for pks in _batches(rows):
        with transaction.atomic():
            batch = list(ShortLink.objects.select_for_update().filter(pk__in=pks))
            written = [row for row in batch if _rederive_link(row, changes)]
            if written:
                ShortLink.objects.bulk_update(written, LINK_FIELDS)


def _rederive_link(row, changes):
    links = normalize.link_analytics([row.raw]) if isinstance(row.raw, dict) and row.raw else []
    old = {name: getattr(row, name) for name in LINK_FIELDS}
    new = dict(old)
    for link in links:
        for name in LINK_FIELDS:
            value = getattr(link, name)
            if value not in (None, "", {}):
                new[name] = value
    if not changes.count("link", old, new):
        return False
    for name, value in new.items():
        setattr(row, name, value)
    return True
