from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import membership_for, memberships, visible_profiles, workspace_member
from dashboard.models import PlatformPost, SyncState

RECENT_POSTS = 25


@login_required
def start(request):
    """The person's first workspace (a person with none gets a 404, not an empty page)."""
    return redirect("home", workspace=membership_for(request.user).workspace.slug)


@workspace_member()
def home(request, membership):
    visible = visible_profiles(membership)
    # Correlated subqueries, not joins: joining posts and units would multiply their rows.
    posts = PlatformPost.objects.filter(profile=OuterRef("pk"))
    units = SyncState.objects.filter(profile=OuterRef("pk"))
    profiles = visible.annotate(
        network_posts=_count(posts),
        last_sync=Subquery(
            units.order_by(F("last_success").desc(nulls_last=True)).values("last_success")[:1]
        ),
        failing_units=_count(units.filter(consecutive_failures__gt=0)),
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


def _count(queryset):
    counted = queryset.order_by().values("profile").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
