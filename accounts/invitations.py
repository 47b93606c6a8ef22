"""Who belongs to a workspace and how that changes: invitations, role changes and removals.

Plain functions holding the rules that protect owners; views only call them and show the outcome.
An invitation token is a secret: only its hash is stored, and it is never logged.
"""

import logging
import smtplib
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.access import MANAGERS
from accounts.models import Invitation, Membership

logger = logging.getLogger(__name__)

Role = Membership.Role
# Higher outranks lower; accepting an invitation never lowers someone's role.
ROLE_RANK = {Role.CLIENT: 0, Role.ANALYST: 1, Role.MANAGER: 2, Role.OWNER: 3}


class MembershipRuleError(Exception):
    """A change the rules forbid; the message says why, for the person who tried it."""


class InvitationClosed(Exception):
    """The invitation expired, was withdrawn or was already used."""


class InvitationForAnotherAddress(Exception):
    """The invitation is bound to its email, and this account has another one."""

    def __init__(self, invitation):
        super().__init__(f"This invitation is for {invitation.email}: sign in as that address.")


# --- rules -------------------------------------------------------------------------------------


def assignable_roles(actor):
    """Roles this member may give to others: only owners make owners."""
    if actor.role == Role.OWNER:
        return list(Role)
    return [role for role in Role if role != Role.OWNER]


def may_manage(actor, target):
    """Whether actor may change or remove target: an owner is changed only by an owner."""
    if actor.role not in MANAGERS:
        return False
    return actor.role == Role.OWNER or target.role != Role.OWNER


def _check_may_manage(actor, target):
    if not may_manage(actor, target):
        raise MembershipRuleError("Only an owner can change or remove an owner.")


def _check_may_give(actor, role):
    if role not in assignable_roles(actor):
        raise MembershipRuleError("Only an owner can make someone an owner.")


def _check_another_owner_remains(target):
    # Locking every owner row makes two owners demoting each other at once wait for each other,
    # so the second one sees that it would be the last.
    owner_ids = list(
        Membership.objects.select_for_update()
        .filter(workspace_id=target.workspace_id, role=Role.OWNER)
        .values_list("pk", flat=True)
    )
    if owner_ids == [target.pk]:
        raise MembershipRuleError(
            "A workspace needs at least one owner: make someone else an owner first."
        )


# --- members -----------------------------------------------------------------------------------


def change_member(actor, target, *, role, profiles=()):
    """Give target a new role; a client's profiles are replaced by `profiles`."""
    _check_may_manage(actor, target)
    _check_may_give(actor, role)
    with transaction.atomic():
        if target.role == Role.OWNER and role != Role.OWNER:
            _check_another_owner_remains(target)
        target.role = role
        target.save(update_fields=["role"])
        # Assignments only mean something for clients; others see every profile anyway.
        target.profiles.set(profiles if role == Role.CLIENT else [])
    return target


def remove_member(actor, target):
    """Take target out of the workspace (their user account stays)."""
    _check_may_manage(actor, target)
    with transaction.atomic():
        if target.role == Role.OWNER:
            _check_another_owner_remains(target)
        target.delete()


# --- invitations -------------------------------------------------------------------------------


def open_invitations(workspace):
    return workspace.invitations.filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def create_invitation(actor, *, email, role, profiles=(), bound_to_email=True):
    """Invite `email` to actor's workspace. Returns (invitation, token); the token is shown once.

    A bound invitation can be accepted only by an account with that email; otherwise anyone
    with the link may join.
    """
    _check_may_give(actor, role)
    token = Invitation.new_token()
    now = timezone.now()
    with transaction.atomic():
        # Only the latest link for an address works, so an old forwarded link cannot be used.
        open_invitations(actor.workspace).filter(email__iexact=email).update(revoked_at=now)
        invitation = Invitation.objects.create(
            workspace=actor.workspace,
            email=email,
            role=role,
            token_hash=Invitation.hash_token(token),
            invited_by=actor.user,
            expires_at=now + timedelta(days=settings.INVITATION_DAYS),
            bound_to_email=bound_to_email,
        )
        if role == Role.CLIENT:
            invitation.profiles.set(profiles)
    logger.info("Invitation %s to workspace %s created", invitation.pk, actor.workspace.slug)
    return invitation, token


def send_invitation_email(invitation, link):
    """Email the link; True if it went out. A mail server being down must not lose the link."""
    inviter = invitation.invited_by.get_username() if invitation.invited_by else "Someone"
    body = (
        f"{inviter} invited you to the workspace {invitation.workspace.name} "
        f"as {invitation.get_role_display().lower()}.\n\n"
        f"Open this link to join (valid until {invitation.expires_at:%Y-%m-%d %H:%M} UTC):\n"
        f"{link}\n"
    )
    if invitation.bound_to_email:
        body += f"\nJoin with an account that uses this address, {invitation.email}.\n"
    subject = f"Invitation to {invitation.workspace.name}"
    try:
        send_mail(subject, body, None, [invitation.email])
    except (OSError, smtplib.SMTPException) as error:
        logger.warning("Could not email invitation %s: %s", invitation.pk, type(error).__name__)
        return False
    return True


def find_invitation(token):
    """The invitation this token opens, or None."""
    return (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


def invitation_state(invitation):
    """One of "open", "accepted", "revoked", "expired"."""
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "open"


def _plain_address(address):
    # As Django compares addresses for password resets: "Ａnn@Example.com" is ann@example.com.
    return unicodedata.normalize("NFKC", address.strip()).casefold()


def is_for(invitation, user):
    """Whether user may accept: anyone, for an open link; else only the invited address."""
    if not invitation.bound_to_email:
        return True
    return _plain_address(user.email or "") == _plain_address(invitation.email)


def accept(invitation, user):
    """Make user a member as the invitation says and mark it used. Returns the Membership.

    Raises InvitationForAnotherAddress if it is bound to an email user's account does not have,
    InvitationClosed if it is no longer open. Someone who already belongs to the workspace keeps
    a higher role; a client gains the invitation's profiles on top of theirs.
    """
    if not is_for(invitation, user):
        raise InvitationForAnotherAddress(invitation)
    now = timezone.now()
    with transaction.atomic():
        # The conditional update claims the invitation, so two clicks cannot both use it.
        claimed = Invitation.objects.filter(
            pk=invitation.pk,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        ).update(accepted_at=now, accepted_by=user)
        if not claimed:
            raise InvitationClosed(invitation_state(Invitation.objects.get(pk=invitation.pk)))
        membership, created = Membership.objects.get_or_create(
            user=user, workspace=invitation.workspace, defaults={"role": invitation.role}
        )
        if not created and ROLE_RANK[invitation.role] > ROLE_RANK[membership.role]:
            membership.role = invitation.role
            membership.save(update_fields=["role"])
            membership.profiles.clear()
        if membership.role == Role.CLIENT:
            membership.profiles.add(*invitation.profiles.all())
    invitation.refresh_from_db()
    logger.info("Invitation %s accepted by user %s", invitation.pk, user.pk)
    return membership


def revoke(invitation):
    """Withdraw an open invitation; False if it was no longer open."""
    return bool(
        Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
    )
