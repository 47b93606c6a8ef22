from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import membership_for, memberships, visible_profiles, workspace_member
from dashboard.models import PlatformPost

RECENT_POSTS = 25


@login_required
def start(request):
    """The person's first workspace (a person with none gets a 404, not an empty page)."""
    return redirect("home", workspace=membership_for(request.user).workspace.slug)


@workspace_member()
def home(request, membership):
    visible = visible_profiles(membership)
    profiles = visible.annotate(
        network_posts=Count("platform_posts", distinct=True),
        last_sync=Max("sync_states__last_success"),
        failing_units=Count(
            "sync_states", filter=Q(sync_states__consecutive_failures__gt=0), distinct=True
        ),
    )
    recent = (
        PlatformPost.objects.filter(profile__in=visible, published_at__lte=timezone.now())
        .select_related("profile")
        .order_by("-published_at", "-pk")[:RECENT_POSTS]
    )
    return render(
        request,
        "dashboard/home.html",
        {
            "membership": membership,
            "workspaces": memberships(request.user),
            "profiles": profiles,
            "recent": recent,
        },
    )
