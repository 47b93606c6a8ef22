"""The one gate: which workspaces and profiles a person may see, and what they may change.

Every page, fragment, chart, export and task trigger loads its workspace through
`workspace_member` (or `membership_for`) and its profiles through `visible_profiles`; nothing
else decides who sees what. A workspace the person is not a member of is a 404, so its existence
does not leak; a page above their role is a 403.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import zones
from accounts.models import Membership, Profile

Role = Membership.Role
# Who may change profiles, keys and members.
MANAGERS = (Role.OWNER, Role.MANAGER)


def memberships(user):
    return (
        Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")
    )


def membership_for(user, workspace_slug=None):
    """The person's membership in the named workspace (or their first one), else 404."""
    qs = memberships(user)
    if workspace_slug:
        qs = qs.filter(workspace__slug=workspace_slug)
    membership = qs.first()
    if membership is None:
        raise Http404("No such workspace.")
    return membership


def visible_profiles(membership, *, include_archived=False):
    """Profiles of the workspace this member may see: clients only their assigned ones.

    The Profile-Key is deferred: it is decrypted on load, some 0.1 ms a profile, and pages that
    list profiles never need it (the sync reads it itself). Reading it still works, by a query.
    """
    profiles = Profile.objects.filter(workspace=membership.workspace).defer("profile_key")
    if not include_archived:
        profiles = profiles.filter(archived_at__isnull=True)
    if membership.role == Role.CLIENT:
        profiles = profiles.filter(client_memberships=membership)
    return profiles


def visible_profile(membership, profile_id, *, include_archived=False):
    """One profile this member may see, else 404."""
    return get_object_or_404(
        visible_profiles(membership, include_archived=include_archived), pk=profile_id
    )


def workspace_member(*roles):
    """Decorator for views under /w/<workspace>/: loads the membership or 404s, checks the role.

    The view receives the Membership instead of the slug. The request's days become the
    workspace's (accounts/zones.py). Here rather than in a middleware: this is where the
    workspace is known (a middleware would load the membership a second time) and every page,
    fragment and export of a workspace passes through it.
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, workspace, *args, **kwargs):
            membership = membership_for(request.user, workspace)
            if roles and membership.role not in roles:
                raise PermissionDenied("Your role in this workspace does not allow this.")
            zones.activate(membership.workspace)
            return view(request, membership, *args, **kwargs)

        # Read by the access-matrix test, which checks every gated URL against it.
        wrapper.allowed_roles = tuple(roles) or tuple(Role.values)
        return wrapper

    return decorator
