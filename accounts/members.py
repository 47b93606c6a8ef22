"""Pages for members and invitations: the members list, inviting, and accepting an invitation.

The rules live in accounts/invitations.py; these views load objects through the gate, call the
rules and show the outcome.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import invitations
from accounts.access import MANAGERS, workspace_member
from accounts.invitations import InvitationClosed, MembershipRuleError
from accounts.member_forms import InviteForm, RoleForm, SignupForm
from accounts.models import Membership

# --- members page ------------------------------------------------------------------------------


def _member_form(actor, member, data=None):
    initial = {"role": member.role, "profiles": list(member.profiles.all())}
    return RoleForm(actor, data, initial=initial, auto_id=f"member-{member.pk}-%s")


def _members_page(request, membership, *, bound_forms=None, error=None, status=200):
    bound_forms = bound_forms or {}
    members = sorted(
        Membership.objects.filter(workspace=membership.workspace)
        .select_related("user")
        .prefetch_related("profiles"),
        key=lambda m: (-invitations.ROLE_RANK[m.role], m.user.get_username().lower()),
    )
    rows = []
    for member in members:
        form = None
        if invitations.may_manage(membership, member):
            form = bound_forms.get(member.pk) or _member_form(membership, member)
        rows.append({"member": member, "form": form})
    pending = (
        invitations.open_invitations(membership.workspace)
        .select_related("invited_by")
        .prefetch_related("profiles")
    )
    context = {"membership": membership, "rows": rows, "pending": pending, "error": error}
    return render(request, "accounts/members.html", context, status=status)


def _back_to_members(membership):
    return redirect("members", workspace=membership.workspace.slug)


def _workspace_member(membership, membership_id):
    return get_object_or_404(
        Membership.objects.filter(workspace=membership.workspace).select_related("user"),
        pk=membership_id,
    )


@workspace_member(*MANAGERS)
def members(request, membership):
    return _members_page(request, membership)


@workspace_member(*MANAGERS)
@require_POST
def member_update(request, membership, membership_id):
    target = _workspace_member(membership, membership_id)
    if not invitations.may_manage(membership, target):
        return _members_page(
            request, membership, error="Only an owner can change an owner.", status=403
        )
    form = _member_form(membership, target, request.POST)
    if not form.is_valid():
        return _members_page(request, membership, bound_forms={target.pk: form}, status=400)
    role = form.cleaned_data["role"]
    try:
        invitations.change_member(
            membership, target, role=role, profiles=form.cleaned_data["profiles"]
        )
    except MembershipRuleError as error:
        return _members_page(request, membership, error=str(error), status=403)
    messages.success(request, f"{target.user.get_username()} is now {target.get_role_display()}.")
    if target.pk == membership.pk and role not in MANAGERS:
        # They just gave up the right to see this page.
        return redirect("home", workspace=membership.workspace.slug)
    return _back_to_members(membership)


@workspace_member(*MANAGERS)
@require_POST
def member_remove(request, membership, membership_id):
    target = _workspace_member(membership, membership_id)
    leaving = target.pk == membership.pk
    try:
        invitations.remove_member(membership, target)
    except MembershipRuleError as error:
        return _members_page(request, membership, error=str(error), status=403)
    if leaving:
        return redirect("start")
    messages.success(request, f"{target.user.get_username()} no longer belongs to this workspace.")
    return _back_to_members(membership)


@workspace_member(*MANAGERS)
@require_POST
def invitation_revoke(request, membership, invitation_id):
    invitation = get_object_or_404(membership.workspace.invitations, pk=invitation_id)
    if invitations.revoke(invitation):
        messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    else:
        messages.info(request, f"The invitation to {invitation.email} was no longer open.")
    return _back_to_members(membership)


# --- inviting ----------------------------------------------------------------------------------


@workspace_member(*MANAGERS)
@never_cache
def invite(request, membership):
    form = InviteForm(membership, request.POST or None)
    if request.method != "POST" or not form.is_valid():
        status = 400 if form.errors else 200
        context = {"membership": membership, "form": form, "days": settings.INVITATION_DAYS}
        return render(request, "accounts/invite.html", context, status=status)
    invitation, token = invitations.create_invitation(
        membership,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        profiles=form.cleaned_data["profiles"],
        bound_to_email=not form.cleaned_data["open_link"],
    )
    # Rendered, not redirected: the link exists only in this response (the database has its hash).
    link = request.build_absolute_uri(reverse("invitation", args=[token]))
    emailed = invitations.send_invitation_email(invitation, link)
    context = {"membership": membership, "invitation": invitation, "link": link, "emailed": emailed}
    return render(request, "accounts/invite.html", context)


# --- accepting ---------------------------------------------------------------------------------


def _closed_page(request, invitation, state):
    context = {"invitation": invitation, "state": state}
    return render(request, "accounts/invitation_accept.html", context, status=410)


def _enter(invitation):
    return redirect("home", workspace=invitation.workspace.slug)


@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation(request, token):
    """Public: whoever the link is for may join, by signing in or signing up. A bound invitation
    is for an account with its email only; an open link is for anyone who has it."""
    invitation = invitations.find_invitation(token)
    if invitation is None:
        context = {"state": "unknown"}
        return render(request, "accounts/invitation_accept.html", context, status=404)
    user = request.user
    if user.is_authenticated and invitation.accepted_by_id == user.pk:
        # A second click on "Accept" (or the link reopened) just goes in.
        return _enter(invitation)
    state = invitations.invitation_state(invitation)
    if state != "open":
        return _closed_page(request, invitation, state)
    if user.is_authenticated:
        return _accept_signed_in(request, invitation)
    return _sign_up(request, invitation)


def _accept_signed_in(request, invitation):
    if not invitations.is_for(invitation, request.user):
        return _another_address_page(request, invitation)
    if request.method == "POST":
        try:
            invitations.accept(invitation, request.user)
        except InvitationClosed as closed:
            return _closed_page(request, invitation, str(closed))
        return _enter(invitation)
    current = Membership.objects.filter(user=request.user, workspace=invitation.workspace).first()
    context = {"invitation": invitation, "state": "open", "current": current}
    return render(request, "accounts/invitation_accept.html", context)


def _another_address_page(request, invitation):
    """Signed in with another email: say whom the invitation is for, offer to switch account."""
    context = {
        "invitation": invitation,
        "state": "open",
        "refused": str(invitations.InvitationForAnotherAddress(invitation)),
        "switch_to": _login_url(request),
    }
    # A GET is only told; a POST tried to accept and is refused.
    status = 403 if request.method == "POST" else 200
    return render(request, "accounts/invitation_accept.html", context, status=status)


def _login_url(request):
    return f"{reverse('login')}?{urlencode({'next': request.path}, safe='/')}"


def _sign_up(request, invitation):
    form = SignupForm(
        request.POST or None,
        initial={"email": invitation.email},
        bound_to=invitation.email if invitation.bound_to_email else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                invitations.accept(invitation, user)
        except InvitationClosed as closed:
            return _closed_page(request, invitation, str(closed))
        login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        return _enter(invitation)
    context = {
        "invitation": invitation,
        "state": "open",
        "form": form,
        "login_url": _login_url(request),
    }
    return render(
        request, "accounts/invitation_accept.html", context, status=400 if form.errors else 200
    )
