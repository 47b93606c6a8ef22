import factory
from django.utils import timezone

from dashboard.models import PlatformPost, Post
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
