"""The members page: who may change whom, and the rules that keep a workspace owned."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts import invitations
from accounts.models import Invitation, Membership
from tests.accounts.factories import MembershipFactory, ProfileFactory, WorkspaceFactory

Role = Membership.Role


@pytest.fixture
def cast(db):
    """A workspace with one person per role, two profiles, and a member of another workspace."""
    workspace = WorkspaceFactory(name="Northwind Agency")
    acme = ProfileFactory(workspace=workspace, title="Acme Coffee")
    borealis = ProfileFactory(workspace=workspace, title="Borealis Bikes")
    client_member = MembershipFactory(workspace=workspace, role=Role.CLIENT, user__username="clara")
    client_member.profiles.set([acme])
    return SimpleNamespace(
        workspace=workspace,
        acme=acme,
        borealis=borealis,
        owner=MembershipFactory(workspace=workspace, role=Role.OWNER, user__username="olivia"),
        manager=MembershipFactory(workspace=workspace, role=Role.MANAGER, user__username="manu"),
        analyst=MembershipFactory(workspace=workspace, role=Role.ANALYST, user__username="ana"),
        client=client_member,
        outsider=MembershipFactory(role=Role.OWNER, user__username="otto"),
    )


def members_url(cast):
    return reverse("members", args=[cast.workspace.slug])


def update_url(cast, member):
    return reverse("member_update", args=[cast.workspace.slug, member.pk])


def remove_url(cast, member):
    return reverse("member_remove", args=[cast.workspace.slug, member.pk])


def role_of(member):
    return Membership.objects.get(pk=member.pk).role


def row_of(page, member):
    return page.split(f'id="member-{member.pk}"')[1].split("</tr>")[0]


def open_invitation(cast, email="new@example.com"):
    return Invitation.objects.create(
        workspace=cast.workspace,
        email=email,
        role=Role.ANALYST,
        token_hash=Invitation.hash_token(Invitation.new_token()),
        invited_by=cast.owner.user,
        expires_at=timezone.now() + timedelta(days=3),
    )


# --- who may use the member pages --------------------------------------------------------------


def member_endpoints(cast):
    invitation = open_invitation(cast)
    slug = cast.workspace.slug
    return [
        ("get", members_url(cast)),
        ("get", reverse("invite", args=[slug])),
        ("post", update_url(cast, cast.analyst)),
        ("post", remove_url(cast, cast.analyst)),
        ("post", reverse("invitation_revoke", args=[slug, invitation.pk])),
    ]


def test_analysts_and_clients_get_403_on_every_member_endpoint(client, cast):
    for person in (cast.analyst, cast.client):
        client.force_login(person.user)
        for method, url in member_endpoints(cast):
            response = getattr(client, method)(url, {"role": "owner"})
            assert response.status_code == 403, (person.role, url)
    assert role_of(cast.analyst) == Role.ANALYST
    assert Invitation.objects.filter(revoked_at__isnull=False).count() == 0


def test_a_member_of_another_workspace_gets_404_on_every_member_endpoint(client, cast):
    client.force_login(cast.outsider.user)
    for method, url in member_endpoints(cast):
        response = getattr(client, method)(url, {"role": "owner"})
        assert response.status_code == 404, url
        assert b"Acme Coffee" not in response.content
    assert role_of(cast.analyst) == Role.ANALYST
    assert Membership.objects.filter(pk=cast.analyst.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, cast):
    for method, url in member_endpoints(cast):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_another_workspaces_member_or_invitation_cannot_be_reached_through_mine(client, cast):
    stranger = MembershipFactory(role=Role.ANALYST)
    foreign_invitation = Invitation.objects.create(
        workspace=stranger.workspace,
        email="x@example.com",
        role=Role.ANALYST,
        token_hash="f" * 64,
        expires_at=timezone.now() + timedelta(days=1),
    )
    client.force_login(cast.owner.user)
    slug = cast.workspace.slug
    assert client.post(update_url(cast, stranger), {"role": "client"}).status_code == 404
    assert client.post(remove_url(cast, stranger)).status_code == 404
    revoke = reverse("invitation_revoke", args=[slug, foreign_invitation.pk])
    assert client.post(revoke).status_code == 404
    assert role_of(stranger) == Role.ANALYST
    assert Invitation.objects.get(pk=foreign_invitation.pk).revoked_at is None


def test_member_actions_refuse_get(client, cast):
    client.force_login(cast.owner.user)
    assert client.get(remove_url(cast, cast.analyst)).status_code == 405
    assert Membership.objects.filter(pk=cast.analyst.pk).exists()


# --- the page ----------------------------------------------------------------------------------


def test_the_page_lists_members_client_profiles_and_open_invitations(client, cast):
    pending = open_invitation(cast, email="pending@example.com")
    expired = open_invitation(cast, email="expired@example.com")
    expired.expires_at = timezone.now() - timedelta(minutes=1)
    expired.save()
    client.force_login(cast.manager.user)

    response = client.get(members_url(cast))

    page = response.content.decode()
    assert response.status_code == 200
    for name in ("olivia", "manu", "ana", "clara"):
        assert name in page
    assert "otto" not in page
    clara_row = row_of(page, cast.client)
    assert "Acme Coffee" in clara_row
    assert "pending@example.com" in page
    assert pending.expires_at.strftime("%b") in page
    assert "expired@example.com" not in page


def test_a_manager_sees_no_controls_for_an_owner(client, cast):
    client.force_login(cast.manager.user)
    page = client.get(members_url(cast)).content.decode()
    owner_row = row_of(page, cast.owner)
    analyst_row = row_of(page, cast.analyst)
    assert "<form" not in owner_row and "Only an owner can change an owner" in owner_row
    assert update_url(cast, cast.analyst) in analyst_row
    assert '<option value="owner"' not in page


def test_the_workspace_nav_shows_members_only_to_owners_and_managers(client, cast):
    home = reverse("home", args=[cast.workspace.slug])
    for person, sees_members in ((cast.owner, True), (cast.manager, True), (cast.analyst, False)):
        client.force_login(person.user)
        page = client.get(home).content.decode()
        assert (members_url(cast) in page) is sees_members, person.role


# --- changing roles ----------------------------------------------------------------------------


def test_an_owner_makes_an_analyst_a_client_of_one_profile(client, cast):
    client.force_login(cast.owner.user)
    response = client.post(
        update_url(cast, cast.analyst), {"role": "client", "profiles": [cast.borealis.pk]}
    )
    assert response.status_code == 302 and response["Location"] == members_url(cast)
    assert role_of(cast.analyst) == Role.CLIENT
    assert list(cast.analyst.profiles.all()) == [cast.borealis]
    assert "ana is now Client" in client.get(members_url(cast)).content.decode()


def test_a_client_needs_at_least_one_profile(client, cast):
    client.force_login(cast.owner.user)
    response = client.post(update_url(cast, cast.analyst), {"role": "client"})
    assert response.status_code == 400
    assert "Pick at least one profile" in response.content.decode()
    assert role_of(cast.analyst) == Role.ANALYST


def test_a_profile_of_another_workspace_cannot_be_assigned(client, cast):
    foreign = ProfileFactory(title="Foreign Brand")
    client.force_login(cast.owner.user)
    response = client.post(
        update_url(cast, cast.client), {"role": "client", "profiles": [foreign.pk]}
    )
    assert response.status_code == 400
    assert list(cast.client.profiles.all()) == [cast.acme]


def test_leaving_the_client_role_drops_the_assignments(client, cast):
    client.force_login(cast.owner.user)
    client.post(update_url(cast, cast.client), {"role": "analyst", "profiles": [cast.acme.pk]})
    assert role_of(cast.client) == Role.ANALYST
    assert cast.client.profiles.count() == 0


def test_a_manager_cannot_promote_anyone_to_owner(client, cast):
    client.force_login(cast.manager.user)
    for member in (cast.analyst, cast.manager):
        response = client.post(update_url(cast, member), {"role": "owner"})
        assert response.status_code == 400
        assert role_of(member) != Role.OWNER


def test_a_manager_cannot_demote_or_remove_an_owner(client, cast):
    client.force_login(cast.manager.user)
    response = client.post(update_url(cast, cast.owner), {"role": "analyst"})
    assert response.status_code == 403
    assert "Only an owner can change an owner" in response.content.decode()
    assert client.post(remove_url(cast, cast.owner)).status_code == 403
    assert role_of(cast.owner) == Role.OWNER


def test_a_manager_manages_the_other_roles(client, cast):
    client.force_login(cast.manager.user)
    client.post(update_url(cast, cast.client), {"role": "client", "profiles": [cast.borealis.pk]})
    assert list(cast.client.profiles.all()) == [cast.borealis]
    assert client.post(remove_url(cast, cast.analyst)).status_code == 302
    assert not Membership.objects.filter(pk=cast.analyst.pk).exists()
    # Their account stays; only the membership goes.
    assert get_user_model().objects.filter(username="ana").exists()


def test_the_last_owner_can_neither_be_demoted_nor_removed(client, cast):
    client.force_login(cast.owner.user)
    response = client.post(update_url(cast, cast.owner), {"role": "manager"})
    assert response.status_code == 403
    assert "at least one owner" in response.content.decode()
    response = client.post(remove_url(cast, cast.owner))
    assert response.status_code == 403
    assert role_of(cast.owner) == Role.OWNER


def test_with_a_second_owner_an_owner_may_step_down_or_leave(client, cast):
    client.force_login(cast.owner.user)
    client.post(update_url(cast, cast.manager), {"role": "owner"})
    assert role_of(cast.manager) == Role.OWNER

    response = client.post(update_url(cast, cast.owner), {"role": "analyst"})
    # An analyst may no longer see the members page, so the page sends them home.
    assert response["Location"] == reverse("home", args=[cast.workspace.slug])
    assert role_of(cast.owner) == Role.ANALYST

    client.force_login(cast.manager.user)
    response = client.post(remove_url(cast, cast.manager))
    assert response.status_code == 403  # now the last owner


def test_an_owner_removing_themselves_leaves_the_workspace(client, cast):
    second = MembershipFactory(workspace=cast.workspace, role=Role.OWNER)
    client.force_login(second.user)
    response = client.post(remove_url(cast, second))
    assert response["Location"] == reverse("start")
    assert not Membership.objects.filter(pk=second.pk).exists()


def test_two_owners_cannot_demote_each_other_into_no_owner(cast):
    second = MembershipFactory(workspace=cast.workspace, role=Role.OWNER)
    # Loaded while still an owner, as by a request that started at the same moment.
    second_as_seen_earlier = Membership.objects.get(pk=second.pk)
    invitations.change_member(cast.owner, second, role=Role.MANAGER)
    with pytest.raises(invitations.MembershipRuleError, match="at least one owner"):
        invitations.change_member(second_as_seen_earlier, cast.owner, role=Role.MANAGER)
    assert role_of(cast.owner) == Role.OWNER


# --- withdrawing invitations -------------------------------------------------------------------


def test_withdrawing_an_invitation_closes_its_link(client, cast):
    invitation = open_invitation(cast)
    client.force_login(cast.manager.user)
    revoke = reverse("invitation_revoke", args=[cast.workspace.slug, invitation.pk])

    response = client.post(revoke, follow=True)

    assert "was withdrawn" in response.content.decode()
    assert "new@example.com" not in response.content.decode().split("Pending invitations")[1]
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None and not invitation.is_open
    assert "no longer open" in client.post(revoke, follow=True).content.decode()
