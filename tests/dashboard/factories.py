import datetime

import factory
from django.utils import timezone

from accounts.models import Profile
from dashboard.models import AccountMetrics, PlatformPost, Post, ShortLink, YouTubePlaylist
from tests.accounts.factories import ProfileFactory


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    profile = factory.SubFactory(ProfileFactory)
    ayrshare_id = factory.Sequence(lambda n: f"AyrPost{n:06d}")
    text = factory.Sequence(lambda n: f"Post number {n}")
    status = "success"
    post_type = "now"
    schedule_date = factory.LazyFunction(timezone.now)
    synced_at = factory.LazyFunction(timezone.now)


class PlatformPostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlatformPost

    profile = factory.SubFactory(ProfileFactory)
    platform = "facebook"
    social_id = factory.Sequence(lambda n: f"1046194209_{n:08d}")
    status = "success"
    published_at = factory.LazyFunction(timezone.now)
    text = factory.Sequence(lambda n: f"Network post {n}")
    synced_at = factory.LazyFunction(timezone.now)


class AccountMetricsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountMetrics

    profile = factory.SubFactory(ProfileFactory)
    platform = "facebook"
    date = factory.LazyFunction(timezone.localdate)
    followers = 1000
    last_updated = factory.LazyFunction(timezone.now)


class ShortLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShortLink

    profile = factory.SubFactory(ProfileFactory)
    link_id = factory.Sequence(lambda n: f"link{n:05d}")
    short_url = factory.Sequence(lambda n: f"https://ayr.app/l/{n:05d}")
    original_url = factory.Sequence(lambda n: f"https://example.com/article-{n}")
    clicks = 10
    created_at = factory.LazyFunction(timezone.now)
    synced_at = factory.LazyFunction(timezone.now)


class YouTubePlaylistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = YouTubePlaylist

    profile = factory.SubFactory(ProfileFactory)
    playlist_id = factory.Sequence(lambda n: f"PL{n:08d}")
    title = factory.Sequence(lambda n: f"Playlist {n}")
    item_count = 12
    synced_at = factory.LazyFunction(timezone.now)


def sandbox_profiles(workspace, keys, indexes=()):
    """The sandbox's profiles (all, or those indexes) as Profiles of `workspace`, keys and
    networks as the sandbox's keys() says."""
    return [
        Profile.objects.create(
            workspace=workspace,
            title=entry["title"],
            profile_key=entry["profileKey"],
            ref_id=entry["refId"],
            platforms=entry["platforms"],
        )
        for entry in keys["profiles"]
        if not indexes or entry["index"] in indexes
    ]


def at(day, hour=12):
    """Noon (or the given hour) of a local day, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)
