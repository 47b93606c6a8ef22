"""Keep the rollups and follower series exact when a single row is saved outside the sync.

The sync's bulk writes call rollups and followers themselves; these receivers cover the rest
(admin, shell, tests). They live here, not in models.py, so the models import none of the
modules that write them. DashboardConfig.ready() connects them.
"""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from dashboard import followers, rollups
from dashboard.models import AccountMetrics, PlatformPost


@receiver(pre_save, sender=PlatformPost)
def remember_rollup_group(sender, instance, raw=False, **kwargs):
    """A single-row save may move a post out of its day: note the old one."""
    if raw or instance.pk is None:
        return
    instance._old_rollup_groups = rollups.stored_groups([instance.pk])


@receiver(post_save, sender=PlatformPost)
def refresh_rollup_group(sender, instance, raw=False, **kwargs):
    if raw:
        return
    groups = set(getattr(instance, "_old_rollup_groups", ()))
    groups |= rollups.groups_of([(instance.profile_id, instance.platform, instance.published_at)])
    rollups.recompute(groups)


@receiver(post_save, sender=AccountMetrics)
def refresh_follower_series(sender, instance, raw=False, **kwargs):
    """Daily rows are deleted only with their profile, which takes its series with it; a
    post_delete receiver would make every profile removal load its rows one by one."""
    if raw:
        return
    followers.note_reports(instance.profile_id, [instance.platform])
