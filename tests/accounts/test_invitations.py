"""Inviting people by link: creating, emailing, accepting (signed in or by signing up), closing."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import invitations
from accounts.models import Invitation, Membership
from tests.accounts.factories import (
    MembershipFactory,
    ProfileFactory,
    UserFactory,
    WorkspaceFactory,
)

Role = Membership.Role
PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture
def owner(db):
    return MembershipFactory(
        role=Role.OWNER,
        workspace=WorkspaceFactory(name="Northwind Agency"),
        user__username="olivia",
    )


@pytest.fixture
def acme(owner):
    return ProfileFactory(workspace=owner.workspace, title="Acme Coffee")


def invite_url(membership):
    return reverse("invite", args=[membership.workspace.slug])


def invite(client, owner, **data):
    client.force_login(owner.user)
    return client.post(invite_url(owner), data)


def link_in(response):
    match = re.search(r'id="invitation-link"[^>]*value="([^"]+)"', response.content.decode())
    assert match, "the page shows the invitation link"
    return match.group(1)


def path_of(link):
    return link.removeprefix("http://testserver")


def make_invitation(owner, *, role=Role.ANALYST, profiles=(), email="guest@example.com", **options):
    return invitations.create_invitation(
        owner, email=email, role=role, profiles=profiles, **options
    )


# --- creating ----------------------------------------------------------------------------------


def test_inviting_a_client_shows_the_link_once_and_emails_it(client, owner, acme, mailoutbox):
    response = invite(client, owner, email="clara@example.com", role="client", profiles=[acme.pk])

    assert response.status_code == 200
    link = link_in(response)
    assert link.startswith("http://testserver/invitations/")
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("clara@example.com", Role.CLIENT)
    assert list(invitation.profiles.all()) == [acme]
    assert invitation.invited_by == owner.user
    assert invitation.bound_to_email  # the default: only clara@example.com may accept
    assert "Only an account with the address clara@example.com can accept it." in (
        response.content.decode()
    )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["clara@example.com"]
    assert link in mailoutbox[0].body and "Northwind Agency" in mailoutbox[0].body
    # Not shown again: the members page lists the invitation, never its link.
    members_page = client.get(reverse("members", args=[owner.workspace.slug])).content.decode()
    assert "clara@example.com" in members_page
    assert path_of(link) not in members_page


def test_the_invite_form_binds_to_the_address_unless_the_open_link_is_ticked(client, owner):
    client.force_login(owner.user)
    form = client.get(invite_url(owner)).content.decode()
    assert "Anyone with the link may join (not only this address)" in form
    checkbox = re.search(r'<input[^>]*name="open_link"[^>]*>', form).group(0)
    assert "checked" not in checkbox  # bound to the address unless someone chooses otherwise

    response = invite(client, owner, email="anyone@example.com", role="analyst", open_link="on")

    assert Invitation.objects.get().bound_to_email is False
    assert "Anyone with this link can accept it." in response.content.decode()


def test_the_token_is_stored_only_as_a_hash(client, owner, acme):
    link = link_in(invite(client, owner, email="a@example.com", role="analyst"))
    token = link.rstrip("/").rsplit("/", 1)[1]
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    assert token not in dump.getvalue()
    assert Invitation.objects.get().token_hash == Invitation.hash_token(token)


def test_an_invitation_expires_after_the_configured_days(client, owner, settings):
    settings.INVITATION_DAYS = 2
    invite(client, owner, email="a@example.com", role="analyst")
    lifetime = Invitation.objects.get().expires_at - timezone.now()
    assert timedelta(days=1, hours=23) < lifetime <= timedelta(days=2)


def test_a_client_invitation_needs_a_profile(client, owner, acme):
    response = invite(client, owner, email="a@example.com", role="client")
    assert response.status_code == 400
    assert "Pick at least one profile" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_bad_email_is_a_message_not_a_crash(client, owner):
    response = invite(client, owner, email="not an email", role="analyst")
    assert response.status_code == 400
    assert "valid email" in response.content.decode()


def test_a_manager_cannot_invite_an_owner(client, owner):
    manager = MembershipFactory(workspace=owner.workspace, role=Role.MANAGER)
    client.force_login(manager.user)
    assert '<option value="owner"' not in client.get(invite_url(manager)).content.decode()
    response = invite(client, manager, email="boss@example.com", role="owner")
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    with pytest.raises(invitations.MembershipRuleError):
        make_invitation(manager, role=Role.OWNER)


def test_a_new_invitation_replaces_the_open_one_for_that_address(owner):
    first, first_token = make_invitation(owner, email="Guest@Example.com")
    make_invitation(owner, email="guest@example.com")
    first.refresh_from_db()
    assert first.revoked_at is not None


def test_when_email_fails_the_link_is_still_shown(client, owner, settings):
    # Nothing listens on port 1: the SMTP connection is refused at once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    response = invite(client, owner, email="a@example.com", role="analyst")
    assert response.status_code == 200
    assert link_in(response)
    assert "could not be sent" in response.content.decode()


# --- accepting ---------------------------------------------------------------------------------


def test_an_anonymous_visitor_sees_the_workspace_role_and_a_sign_up_form(client, owner, acme):
    _, token = make_invitation(owner, role=Role.CLIENT, profiles=[acme])
    url = reverse("invitation", args=[token])

    response = client.get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Join Northwind Agency" in page and "<strong>client</strong>" in page
    assert 'value="guest@example.com"' in page
    assert f'href="{reverse("login")}?next=/invitations/{token}/"' in page


def test_signing_up_creates_the_account_signs_in_and_joins(client, owner, acme):
    invitation, token = make_invitation(owner, role=Role.CLIENT, profiles=[acme])
    response = client.post(
        reverse("invitation", args=[token]),
        {
            "username": "clara",
            "email": "guest@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home", args=[owner.workspace.slug])
    user = get_user_model().objects.get(username="clara")
    membership = Membership.objects.get(user=user)
    assert (membership.workspace, membership.role) == (owner.workspace, Role.CLIENT)
    assert list(membership.profiles.all()) == [acme]
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert client.get(response["Location"]).status_code == 200  # signed in


def test_a_bad_sign_up_keeps_the_invitation_open_and_creates_nobody(client, owner):
    invitation, token = make_invitation(owner)
    response = client.post(
        reverse("invitation", args=[token]),
        {
            "username": "guest",
            "email": "guest@example.com",
            "password1": PASSWORD,
            "password2": "x",
        },
    )
    assert response.status_code == 400
    assert "didn’t match" in response.content.decode()
    assert not get_user_model().objects.filter(username="guest").exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_a_signed_in_person_accepts_with_one_click_and_twice_is_harmless(client, owner, acme):
    invitation, token = make_invitation(owner, role=Role.CLIENT, profiles=[acme])
    person = UserFactory(email="Guest@Example.com")  # addresses match whatever their case
    client.force_login(person)
    url = reverse("invitation", args=[token])
    home = reverse("home", args=[owner.workspace.slug])

    assert "Accept as" in client.get(url).content.decode()
    assert client.post(url)["Location"] == home
    assert client.post(url)["Location"] == home
    assert client.get(url)["Location"] == home

    membership = Membership.objects.get(user=person)
    assert membership.role == Role.CLIENT and list(membership.profiles.all()) == [acme]


def test_accepting_never_lowers_a_role_and_adds_client_profiles(owner, acme):
    borealis = ProfileFactory(workspace=owner.workspace, title="Borealis Bikes")
    invitation, _ = make_invitation(
        owner, role=Role.CLIENT, profiles=[acme], email=owner.user.email
    )
    assert invitations.accept(invitation, owner.user).role == Role.OWNER

    existing_client = MembershipFactory(
        workspace=owner.workspace, role=Role.CLIENT, user__email="c@example.com"
    )
    existing_client.profiles.set([borealis])
    invitation, _ = make_invitation(owner, role=Role.CLIENT, profiles=[acme], email="c@example.com")
    invitations.accept(invitation, existing_client.user)
    assert set(existing_client.profiles.all()) == {acme, borealis}

    invitation, _ = make_invitation(owner, role=Role.ANALYST, email="c@example.com")
    membership = invitations.accept(invitation, existing_client.user)
    assert membership.role == Role.ANALYST and membership.profiles.count() == 0
    assert Membership.objects.filter(user=existing_client.user).count() == 1


def test_an_invitation_can_be_used_only_once(owner):
    invitation, _ = make_invitation(owner, bound_to_email=False)
    invitations.accept(invitation, UserFactory())
    with pytest.raises(invitations.InvitationClosed):
        invitations.accept(invitation, UserFactory())


@pytest.mark.parametrize(
    ("close", "message"),
    [
        ({"expires_at": timezone.now() - timedelta(seconds=1)}, "This invitation expired on"),
        ({"revoked_at": timezone.now()}, "This invitation was withdrawn"),
        ({"accepted_at": timezone.now()}, "already been used"),
    ],
    ids=["expired", "revoked", "used"],
)
def test_a_closed_invitation_says_so_and_cannot_be_accepted(client, owner, close, message):
    invitation, token = make_invitation(owner)
    Invitation.objects.filter(pk=invitation.pk).update(**close)
    url = reverse("invitation", args=[token])

    response = client.get(url)
    assert response.status_code == 410
    assert message in response.content.decode()

    signup = {"username": "late", "email": "g@example.com", "password1": PASSWORD}
    assert client.post(url, {**signup, "password2": PASSWORD}).status_code == 410
    person = UserFactory()
    client.force_login(person)
    assert client.post(url).status_code == 410
    assert not Membership.objects.filter(workspace=owner.workspace).exclude(pk=owner.pk).exists()
    assert not get_user_model().objects.filter(username="late").exists()


def test_an_unknown_token_is_a_404_page(client, db):
    response = client.get(reverse("invitation", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


# --- bound to an address, or open to anyone with the link ----------------------------------------


def test_a_bound_invitation_refuses_a_signed_in_account_with_another_address(client, owner):
    invitation, token = make_invitation(owner, email="x@example.com")
    client.force_login(UserFactory(email="someone.else@example.com"))
    url = reverse("invitation", args=[token])
    refusal = "This invitation is for x@example.com: sign in as that address."

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert refusal in html and "Accept as" not in html
    # Signing out leads to the sign-in page, and from there back to the invitation.
    assert 'action="/accounts/logout/"' in html
    assert f'name="next" value="/accounts/login/?next=/invitations/{token}/"' in html

    refused = client.post(url)
    assert refused.status_code == 403 and refusal in refused.content.decode()
    invitation.refresh_from_db()
    assert invitation.is_open
    assert not Membership.objects.filter(workspace=owner.workspace).exclude(pk=owner.pk).exists()
    with pytest.raises(invitations.InvitationForAnotherAddress, match="sign in as that address"):
        invitations.accept(invitation, UserFactory(email="third@example.com"))


def test_signing_out_from_the_refusal_comes_back_to_the_sign_in_for_the_invitation(client, owner):
    _, token = make_invitation(owner, email="x@example.com")
    client.force_login(UserFactory(email="someone.else@example.com"))
    switch = f"/accounts/login/?next=/invitations/{token}/"

    response = client.post(reverse("logout"), {"next": switch})

    assert response.status_code == 302 and response["Location"] == switch


def test_signing_up_through_a_bound_invitation_keeps_the_invited_address(client, owner):
    invitation, token = make_invitation(owner, email="guest@example.com")
    url = reverse("invitation", args=[token])
    form = client.get(url).content.decode()
    assert "This invitation is for guest@example.com" in form
    assert re.search(r'<input[^>]*name="email"[^>]*disabled', form)

    response = client.post(
        url,
        {
            "username": "sly",
            "email": "sly@example.com",  # ignored: the field is not editable
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302
    user = get_user_model().objects.get(username="sly")
    assert user.email == "guest@example.com"
    assert Membership.objects.filter(user=user, workspace=owner.workspace).exists()


def test_an_open_link_lets_anyone_join_with_any_address(client, owner):
    _, token = make_invitation(owner, email="guest@example.com", bound_to_email=False)
    url = reverse("invitation", args=[token])
    person = UserFactory(email="colleague@example.com")
    client.force_login(person)

    assert "Accept as" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert Membership.objects.filter(user=person, workspace=owner.workspace).exists()

    client.logout()
    _, token = make_invitation(owner, email="other@example.com", bound_to_email=False)
    signup = {"username": "pat", "email": "pat@example.com", "password1": PASSWORD}
    assert client.post(reverse("invitation", args=[token]), {**signup, "password2": PASSWORD})[
        "Location"
    ] == reverse("home", args=[owner.workspace.slug])
    assert get_user_model().objects.get(username="pat").email == "pat@example.com"


def test_the_email_says_which_address_may_join(owner, mailoutbox):
    invitation, _ = make_invitation(owner, email="x@example.com")
    invitations.send_invitation_email(invitation, "http://testserver/invitations/t/")
    assert "Join with an account that uses this address, x@example.com." in mailoutbox[0].body


@pytest.mark.parametrize("bound", [True, False])
def test_signing_up_with_an_address_another_account_has_is_refused_with_a_way_in(
    client, owner, bound
):
    UserFactory(email="Guest@Example.com")
    invitation, token = make_invitation(owner, email="guest@example.com", bound_to_email=bound)

    response = client.post(
        reverse("invitation", args=[token]),
        {
            "username": "second",
            "email": "guest@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 400
    assert "An account with this address exists already: sign in with it" in (
        response.content.decode()
    )
    assert not get_user_model().objects.filter(username="second").exists()
    invitation.refresh_from_db()
    assert invitation.is_open
