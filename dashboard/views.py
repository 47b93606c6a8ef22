from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.shortcuts import render
from django.utils import timezone

from accounts.access import membership_for, memberships, visible_profiles
from dashboard.models import PlatformPost

RECENT_POSTS = 25


@login_required
def home(request):
    membership = membership_for(request.user, request.GET.get("workspace"))
    profiles = visible_profiles(membership).annotate(
        network_posts=Count("platform_posts", distinct=True),
        last_sync=Max("sync_states__last_success"),
        failing_units=Count(
            "sync_states", filter=Q(sync_states__consecutive_failures__gt=0), distinct=True
        ),
    )
    recent = (
        PlatformPost.objects.filter(
            profile__in=visible_profiles(membership), published_at__lte=timezone.now()
        )
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
