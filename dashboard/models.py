"""The cache: what Ayrshare told us, per profile, and how fresh it is.

Nothing here is authoritative; every row can be rebuilt from the API. Syncs only ever insert or
update, so a failed or partial response can never delete or zero what is already cached.
"""

from datetime import UTC, datetime

from django.db import models
from django.db.models.functions import Coalesce, Greatest

from accounts.models import Profile, Workspace
from dashboard.metrics import METRICS  # each is a nullable column: None = not reported


class MetricColumns(models.Model):
    impressions = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    views = models.BigIntegerField(null=True, blank=True)
    likes = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    shares = models.BigIntegerField(null=True, blank=True)
    saves = models.BigIntegerField(null=True, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)
    engagements = models.BigIntegerField(null=True, blank=True)
    engagement_rate = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True

    def metrics(self):
        return {name: getattr(self, name) for name in METRICS}


class Post(models.Model):
    """A post sent through Ayrshare, from GET /history (top-level Ayrshare id)."""

    profile = models.ForeignKey(Profile, models.CASCADE, related_name="posts")
    ayrshare_id = models.CharField(max_length=64)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=32, blank=True)
    post_type = models.CharField(max_length=16, blank=True)
    schedule_date = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    platforms = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    media_urls = models.JSONField(default=list, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "ayrshare_id"], name="post_unique_per_profile"
            )
        ]
        indexes = [
            # History filtered by profile, newest first.
            models.Index(fields=["profile", "-schedule_date"], name="post_profile_date"),
            # "Which open posts should have been published by now?" (status re-checks).
            models.Index(fields=["profile", "status", "schedule_date"], name="post_profile_status"),
        ]

    def __str__(self):
        return self.ayrshare_id


class PlatformPost(MetricColumns):
    """A post as it lives on one network, with its latest unified metrics.

    Comes from a Post's postIds and from GET /history/{platform}, which also returns posts made
    directly on the network (those have no Post).
    """

    profile = models.ForeignKey(Profile, models.CASCADE, related_name="platform_posts")
    post = models.ForeignKey(
        Post, models.SET_NULL, null=True, blank=True, related_name="platform_posts"
    )
    platform = models.CharField(max_length=32)
    social_id = models.CharField(max_length=255)
    status = models.CharField(max_length=32, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True)
    url = models.CharField(max_length=2000, blank=True)
    media_type = models.CharField(max_length=32, blank=True)
    thumbnail_url = models.CharField(max_length=2000, blank=True)
    error_message = models.TextField(blank=True)
    raw = models.JSONField(default=dict, blank=True)
    analytics_raw = models.JSONField(default=dict, blank=True)
    # Why a metric is None where that is not self-evident, e.g. {"reach": "expired"}.
    metric_notes = models.JSONField(default=dict, blank=True)
    # The counters each answer carried last time, {"history": [...], "analytics": [...]}: one
    # that an answer never sends is not stale when it is missing from that answer (see upsert).
    reported = models.JSONField(default=dict, blank=True)
    # metrics.VIDEO_METRICS, where the network reports them: seconds, and a fraction.
    watch_time = models.FloatField(null=True, blank=True)
    avg_watch_time = models.FloatField(null=True, blank=True)
    completion_rate = models.FloatField(null=True, blank=True)
    last_updated = models.DateTimeField(null=True, blank=True)
    next_update = models.DateTimeField(null=True, blank=True)
    # When POST /analytics/post should next be asked about this post (decaying schedule).
    analytics_due_at = models.DateTimeField(null=True, blank=True)
    analytics_error = models.TextField(blank=True)
    synced_at = models.DateTimeField()
    # The history's default sort key: published_at, else (a placeholder not yet published) its
    # Ayrshare post's schedule_date. Stored, because Coalesce(published_at, post.schedule_date)
    # spans a join that no index can serve; with it, page 1 and page 20,000 cost the same.
    # save() fills it; bulk writes call fill_sort_time() on the rows they wrote.
    sort_time = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "platform", "social_id"], name="platform_post_unique"
            )
        ]
        # The history's keyset pages (queries.paginate): ORDER BY <sort column>, id, seeking
        # past the last row shown. One (column, id) index per sort serves both directions
        # (scanned backward for descending); NULLs are read as a separate run at its end.
        # The profile-first one serves a single visible profile (a client) by date.
        indexes = [
            models.Index(fields=["sort_time", "id"], name="pp_hist_sort_time"),
            models.Index(fields=["profile", "sort_time", "id"], name="pp_hist_profile_time"),
            *[models.Index(fields=[name, "id"], name=f"pp_hist_{name}"[:30]) for name in METRICS],
            # The post history: a profile's posts, newest first, optionally one network.
            models.Index(fields=["profile", "-published_at"], name="pp_profile_published"),
            models.Index(
                fields=["profile", "platform", "-published_at"], name="pp_profile_platform_pub"
            ),
            models.Index(fields=["profile", "status"], name="pp_profile_status"),
            # The posts page counts the few posts not out yet (queries.SHOW_CONDITIONS) on every
            # view: without it, that count reads every post of the period.
            models.Index(
                fields=["profile", "sort_time"],
                condition=models.Q(social_id__startswith="ayrshare:"),
                name="pp_not_out_yet",
            ),
            # The post-analytics unit: which posts are due, newest first.
            models.Index(fields=["profile", "analytics_due_at"], name="pp_analytics_due"),
        ]

    def __str__(self):
        return f"{self.platform}:{self.social_id}"

    def save(self, *args, **kwargs):
        self.sort_time = self.published_at or (self.post.schedule_date if self.post else None)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sort_time"}
        super().save(*args, **kwargs)

    @staticmethod
    def fill_sort_time(rows):
        """Recompute sort_time for the PlatformPost queryset `rows` (one UPDATE)."""
        schedule = Post.objects.filter(pk=models.OuterRef("post_id")).values("schedule_date")
        return rows.update(
            sort_time=Coalesce(models.F("published_at"), models.Subquery(schedule[:1]))
        )


class MetricSnapshot(MetricColumns):
    """Metrics of a PlatformPost at one point in time, appended only when values change."""

    platform_post = models.ForeignKey(PlatformPost, models.CASCADE, related_name="snapshots")
    # The post's profile, copied: "since when do these profiles have history?" then reads an
    # index instead of joining every snapshot to its post (490 ms at 500,000 posts).
    profile = models.ForeignKey(Profile, models.CASCADE, related_name="+", db_index=False)
    captured_at = models.DateTimeField()

    class Meta:
        constraints = [
            # A retried sync re-reads the same lastUpdated: it must not add a second row.
            models.UniqueConstraint(
                fields=["platform_post", "captured_at"], name="snapshot_unique_per_time"
            )
        ]
        indexes = [models.Index(fields=["profile", "captured_at"], name="snapshot_profile_time")]
        ordering = ["captured_at"]

    def __str__(self):
        return f"{self.platform_post_id}@{self.captured_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.profile_id is None and self.platform_post_id is not None:
            self.profile_id = (
                PlatformPost.objects.filter(pk=self.platform_post_id)
                .values_list("profile_id", flat=True)
                .get()
            )
        super().save(*args, **kwargs)


class AccountMetrics(models.Model):
    """Account-level numbers per profile, network and day, from POST /analytics/social."""

    profile = models.ForeignKey(Profile, models.CASCADE, related_name="account_metrics")
    platform = models.CharField(max_length=32)
    date = models.DateField()
    followers = models.BigIntegerField(null=True, blank=True)
    following = models.BigIntegerField(null=True, blank=True)
    posts_count = models.BigIntegerField(null=True, blank=True)
    impressions = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    views = models.BigIntegerField(null=True, blank=True)
    engagements = models.BigIntegerField(null=True, blank=True)
    # metrics.AUDIENCE_METRICS: over the network's own reporting period; watch time in seconds.
    followers_gained = models.BigIntegerField(null=True, blank=True)
    followers_lost = models.BigIntegerField(null=True, blank=True)
    organic_followers = models.BigIntegerField(null=True, blank=True)
    paid_followers = models.BigIntegerField(null=True, blank=True)
    watch_time = models.FloatField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    last_updated = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "platform", "date"], name="account_metrics_unique_per_day"
            )
        ]

    def __str__(self):
        return f"{self.platform} {self.date}"


class FollowerSeries(models.Model):
    """Each network's first and latest follower count per profile, kept with AccountMetrics.

    followers.py answers "followers now" and "since when" from here, and searches the daily
    rows only for a day inside a series' history.
    """

    profile = models.ForeignKey(Profile, models.CASCADE, related_name="follower_series")
    platform = models.CharField(max_length=32)
    first_date = models.DateField()
    first_followers = models.BigIntegerField()
    last_date = models.DateField()
    last_followers = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "platform"], name="follower_series_unique"),
            models.CheckConstraint(
                condition=models.Q(first_date__lte=models.F("last_date")),
                name="follower_series_in_order",
            ),
        ]

    def __str__(self):
        return f"{self.profile_id} {self.platform}: {self.first_date}–{self.last_date}"


class ShortLink(models.Model):
    """A shortened link and its clicks, from GET /links (or GET /analytics/links)."""

    profile = models.ForeignKey(Profile, models.CASCADE, related_name="short_links")
    link_id = models.CharField(max_length=100)
    short_url = models.CharField(max_length=500, blank=True)
    original_url = models.CharField(max_length=2000, blank=True)
    clicks = models.BigIntegerField(null=True, blank=True)
    clicks_by_platform = models.JSONField(default=dict, blank=True)  # {"facebook": 6, ...}
    created_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "link_id"], name="short_link_unique")
        ]
        indexes = [
            # The links panel: a period's links of thousands of profiles are summed and ranked
            # from the index alone, without reading their wide rows (links.summary).
            models.Index(
                fields=["profile", "created_at"],
                include=["id", "clicks", "synced_at"],
                name="short_link_period",
            )
        ]

    def __str__(self):
        return self.short_url or self.link_id


class LinkedAccount(models.Model):
    """A network account linked to a profile in Ayrshare, from GET /user.

    A network unlinked since keeps its row (and its posts) with unlinked_at set, so the pages
    can say "unlinked on DATE" instead of losing its history.
    """

    profile = models.ForeignKey(Profile, models.CASCADE, related_name="linked_accounts")
    platform = models.CharField(max_length=32)
    display_name = models.CharField(max_length=300, blank=True)
    username = models.CharField(max_length=300, blank=True)
    profile_url = models.CharField(max_length=2000, blank=True)
    image_url = models.CharField(max_length=2000, blank=True)
    linked_at = models.DateTimeField(null=True, blank=True)
    # Days left before the network's authorization runs out (LinkedIn), as of checked_at.
    refresh_days_remaining = models.IntegerField(null=True, blank=True)
    checked_at = models.DateTimeField()
    unlinked_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "platform"], name="linked_account_unique")
        ]

    def __str__(self):
        return f"{self.platform}: {self.display_name or self.username}"

    def days_to_reconnect(self, now):
        """Days left to reconnect, counted down from the last check; None when not said."""
        if self.refresh_days_remaining is None or self.unlinked_at is not None:
            return None
        return max(0, self.refresh_days_remaining - (now - self.checked_at).days)


class UnmappedField(models.Model):
    """A field Ayrshare sent in a network's post answers that the normalizer does not read.

    Kept so that a new Ayrshare field is noticed (the sync page lists them), not silently lost;
    the answers themselves stay in PlatformPost.raw and analytics_raw.
    """

    profile = models.ForeignKey(Profile, models.CASCADE, related_name="unmapped_fields")
    platform = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "platform", "name"], name="unmapped_field_unique"
            )
        ]

    def __str__(self):
        return f"{self.platform}.{self.name}"


class YouTubePlaylist(models.Model):
    """A playlist of the profile's YouTube channel, from GET /analytics/youTubePlaylists."""

    profile = models.ForeignKey(Profile, models.CASCADE, related_name="youtube_playlists")
    playlist_id = models.CharField(max_length=100)
    title = models.CharField(max_length=500, blank=True)
    item_count = models.IntegerField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "playlist_id"], name="playlist_unique")
        ]

    def __str__(self):
        return self.title or self.playlist_id


# When a unit that never ran and is not backing off became due: before any real time.
DUE_SINCE_EVER = datetime(2000, 1, 1, tzinfo=UTC)


class SyncState(models.Model):
    """Freshness and health of one unit of work ("refresh endpoint E for profile P").

    The dispatcher reads only this table to decide what is due.
    """

    profile = models.ForeignKey(Profile, models.CASCADE, related_name="sync_states")
    unit = models.CharField(max_length=64)
    last_updated = models.DateTimeField(null=True, blank=True)
    next_update = models.DateTimeField(null=True, blank=True)
    last_attempt = models.DateTimeField(null=True, blank=True)
    last_success = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_code = models.CharField(max_length=64, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    backoff_until = models.DateTimeField(null=True, blank=True)
    # Claimed by a worker until then; a killed worker's claim simply runs out.
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    # Resumable progress of a multi-request unit (e.g. the /history backfill).
    cursor = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "unit"], name="sync_state_unique")
        ]
        indexes = [
            # The dispatcher, every beat (sync.claim_due): units nobody holds (lease_until NULL)
            # and due. A unit is due from the later of next_update and backoff_until (GREATEST
            # skips NULLs on PostgreSQL; a unit never run is due since DUE_SINCE_EVER), so its
            # due units are one range of this index, however many units back off or are leased.
            # The same index finds leases that ran out and, for sync.reclaim, those held now.
            # Not a partial index: PostgreSQL's estimates use the statistics of a full one only.
            models.Index(
                models.F("lease_until"),
                Coalesce(Greatest("next_update", "backoff_until"), models.Value(DUE_SINCE_EVER)),
                name="sync_state_due",
            ),
            # The overview's profile cards put profiles with failing units first: this index
            # holds only those units, so finding them does not read every unit of every profile.
            models.Index(
                fields=["profile"],
                condition=models.Q(consecutive_failures__gt=0),
                name="sync_state_failing",
            ),
        ]

    def __str__(self):
        return f"{self.profile_id}:{self.unit}"


class RollupColumns(models.Model):
    """A rollup's numbers: post count, per metric its sum and how many posts reported it."""

    platform = models.CharField(max_length=32)
    day = models.DateField()
    posts = models.IntegerField(default=0)
    # Per metric: its sum (None when no post reported it) and how many posts reported it.
    sum_impressions = models.BigIntegerField(null=True, blank=True)
    impressions_reported = models.IntegerField(default=0)
    sum_reach = models.BigIntegerField(null=True, blank=True)
    reach_reported = models.IntegerField(default=0)
    sum_views = models.BigIntegerField(null=True, blank=True)
    views_reported = models.IntegerField(default=0)
    sum_engagements = models.BigIntegerField(null=True, blank=True)
    engagements_reported = models.IntegerField(default=0)
    # The engagement rate's parts (rollups.rate_parts): engagements and each post's own
    # denominator, over the posts that report both.
    rate_engagements = models.BigIntegerField(null=True, blank=True)
    # Named rate_impressions in the database, as when the rate was engagements ÷ impressions
    # (migration 0009): the older migrations that rebuild rollups keep working against it.
    rate_base = models.BigIntegerField(null=True, blank=True, db_column="rate_impressions")
    # Oldest and newest last_updated of the counted posts ("as of" on the overview).
    oldest_update = models.DateTimeField(null=True, blank=True)
    newest_update = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class DailyMetrics(RollupColumns):
    """Network-post totals per profile, network and local day (of the workspace's time zone).

    A rollup of PlatformPost for the overview, rebuilt group by group from the raw rows after
    every write (dashboard/rollups.py), so it always equals a direct aggregate over them.
    Placeholders (social_id "ayrshare:…") and posts without published_at are not counted.
    """

    # No index of its own: the unique constraint below starts with the profile.
    profile = models.ForeignKey(
        Profile, models.CASCADE, related_name="daily_metrics", db_index=False
    )

    class Meta:
        constraints = [
            # Day before platform: the same index serves "profile in (…) and day between".
            models.UniqueConstraint(
                fields=["profile", "day", "platform"], name="daily_metrics_unique"
            )
        ]
        # A workspace refresh reads one day of every profile: through the index above that is
        # a probe per profile, through this one the day's rows (rebuilding one day of a
        # 6,000-profile workspace: 41 ms without it, 20 ms with it; docs/performance.md).
        indexes = [models.Index(fields=["day"], name="daily_metrics_day")]

    def __str__(self):
        return f"{self.profile_id}:{self.platform}:{self.day}"


class WorkspaceDailyMetrics(RollupColumns):
    """DailyMetrics summed over a workspace's active (not archived) profiles.

    At agency density a year is some 650,000 DailyMetrics rows and 2,200 of these. Recomputed
    from DailyMetrics for the days in RollupBacklog (dashboard/workspace_rollups.py).
    """

    workspace = models.ForeignKey(
        Workspace, models.CASCADE, related_name="daily_metrics", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "day", "platform"], name="workspace_daily_unique"
            )
        ]

    def __str__(self):
        return f"{self.workspace_id}:{self.platform}:{self.day}"


class WorkspaceHourlyPosts(models.Model):
    """The heatmap's numbers per workspace, local day and hour, over its active profiles."""

    workspace = models.ForeignKey(
        Workspace, models.CASCADE, related_name="hourly_posts", db_index=False
    )
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    posts = models.IntegerField(default=0)
    sum_engagements = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "day", "hour"], name="workspace_hourly_unique"
            ),
            models.CheckConstraint(condition=models.Q(hour__lt=24), name="hour_of_a_day"),
        ]

    def __str__(self):
        return f"{self.workspace_id}:{self.day}:{self.hour}"


class RollupBacklog(models.Model):
    """A workspace's day whose DailyMetrics changed since the workspace rollups were computed.

    Written in the same transaction as the change; until a refresh takes its day in, readers of
    the workspace rollups read that day from DailyMetrics instead. A row per writing transaction
    and day, not one per day: a plain INSERT conflicts with nothing, so the writers of a
    workspace (thousands of profiles syncing at once) never wait on each other's row (see
    rollups.mark_backlog).
    """

    workspace = models.ForeignKey(
        Workspace, models.CASCADE, related_name="rollup_backlog", db_index=False
    )
    day = models.DateField()
    marked_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["workspace", "day"], name="rollup_backlog_day")]

    def __str__(self):
        return f"{self.workspace_id}:{self.day}"


class ProfileTotals(models.Model):
    """How many network posts a profile has published, kept with its DailyMetrics."""

    profile = models.OneToOneField(Profile, models.CASCADE, primary_key=True, related_name="totals")
    posts = models.IntegerField(default=0)

    def __str__(self):
        return f"{self.profile_id}: {self.posts}"
