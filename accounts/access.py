"""The one gate: which workspaces and profiles a person may see.

Every page, fragment, chart, export and task trigger asks these functions; nothing else decides.
"""

from django.http import Http404

from accounts.models import Membership, Profile


def memberships(user):
    return Membership.objects.filter(user=user).select_related("workspace")


def membership_for(user, workspace_slug=None):
    """The person's membership in the named workspace (or their first one), else 404."""
    qs = memberships(user).order_by("workspace__name")
    if workspace_slug:
        qs = qs.filter(workspace__slug=workspace_slug)
    membership = qs.first()
    if membership is None:
        raise Http404("No such workspace.")
    return membership


def visible_profiles(membership):
    """Active profiles of the workspace this member may see: clients only their assigned ones."""
    profiles = Profile.objects.filter(workspace=membership.workspace, archived_at__isnull=True)
    if membership.role == Membership.Role.CLIENT:
        profiles = profiles.filter(client_memberships=membership)
    return profiles
