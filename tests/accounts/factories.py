import factory
from django.contrib.auth import get_user_model

from accounts.models import Membership, Profile, Workspace


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    api_key = factory.Sequence(lambda n: f"TESTAPIKEY-{n:04d}-ABCDEFGH")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    workspace = factory.SubFactory(WorkspaceFactory)
    title = factory.Sequence(lambda n: f"Client {n}")
    profile_key = factory.Sequence(lambda n: f"TESTPROFILEKEY-{n:04d}-XYZ")
    platforms = factory.LazyFunction(lambda: ["facebook", "instagram", "twitter"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    workspace = factory.SubFactory(WorkspaceFactory)
    role = Membership.Role.OWNER
