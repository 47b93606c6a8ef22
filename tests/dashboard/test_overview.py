import pytest
from django.db.models import Sum

from dashboard.models import PlatformPost
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory

pytestmark = pytest.mark.django_db


def _home(membership, query=""):
    return f"/w/{membership.workspace.slug}/{query}"


def test_kpi_cards_show_the_direct_aggregate_and_coverage(client):
    membership = MembershipFactory()
    profile = ProfileFactory(workspace=membership.workspace)
    PlatformPostFactory(profile=profile, impressions=1234, engagements=5)
    PlatformPostFactory(profile=profile, impressions=None, engagements=4)
    client.force_login(membership.user)

    page = client.get(_home(membership)).content.decode()

    total = PlatformPost.objects.filter(profile=profile).aggregate(i=Sum("impressions"))["i"]
    assert f">{total:,}<" in page
    assert "1 of 2 posts report this" in page
    assert "too few to compare" in page
    assert "Engagements ÷ impressions" in page


def test_bad_period_values_are_a_400_with_a_message(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    assert client.get(_home(membership, "?range=abc")).status_code == 400
    response = client.get(_home(membership, "?start=2026-03-10&end=2026-03-01"))
    assert response.status_code == 400
    assert "after" in response.content.decode()


def test_query_count_does_not_grow_with_posts(client, django_assert_max_num_queries):
    membership = MembershipFactory()
    profile = ProfileFactory(workspace=membership.workspace)
    PlatformPostFactory.create_batch(10, profile=profile, impressions=3)
    client.force_login(membership.user)
    with django_assert_max_num_queries(20):
        client.get(_home(membership))
    PlatformPostFactory.create_batch(190, profile=profile, impressions=3)
    with django_assert_max_num_queries(20):
        assert client.get(_home(membership)).status_code == 200


def test_a_client_sees_only_their_profiles_numbers(client):
    from accounts.models import Membership

    membership = MembershipFactory(role=Membership.Role.CLIENT)
    mine = ProfileFactory(workspace=membership.workspace)
    other = ProfileFactory(workspace=membership.workspace)
    membership.profiles.add(mine)
    PlatformPostFactory(profile=mine, impressions=111)
    PlatformPostFactory(profile=other, impressions=98765)
    client.force_login(membership.user)

    page = client.get(_home(membership)).content.decode()

    assert ">111<" in page
    assert "98,765" not in page
    assert client.get(_home(membership, f"?profiles={other.pk}")).status_code == 400
