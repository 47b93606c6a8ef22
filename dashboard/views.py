from django.contrib.auth.decorators import login_required
from django.db.models import F, OuterRef, Subquery
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import membership_for, memberships, visible_profiles, workspace_member
from dashboard import kpis
from dashboard.filters import PostFilters
from dashboard.models import PlatformPost, SyncState
from dashboard.queries import count_per_profile

RECENT_POSTS = 25


@login_required
def start(request):
    """The person's first workspace (a person with none gets a 404, not an empty page)."""
    return redirect("home", workspace=membership_for(request.user).workspace.slug)


@workspace_member()
def home(request, membership):
    visible = visible_profiles(membership)
    data = request.GET.copy()
    if not (data.get("range") or data.get("start") or data.get("end")):
        data["range"] = "28"
    filters = PostFilters(data, profiles=visible)
    if not filters.is_valid():
        context = {"membership": membership, "workspaces": memberships(request.user)}
        context.update(filters=filters, errors=filters.error_text(), profiles=[], recent=[])
        return render(request, "dashboard/home.html", context, status=400)
    overview = _overview(filters, filters.cleaned_data["profiles"] or visible)
    # Correlated subqueries, not joins: joining posts and units would multiply their rows.
    posts = PlatformPost.objects.filter(profile=OuterRef("pk"))
    units = SyncState.objects.filter(profile=OuterRef("pk"))
    profiles = visible.annotate(
        network_posts=count_per_profile(posts),
        last_sync=Subquery(
            units.order_by(F("last_success").desc(nulls_last=True)).values("last_success")[:1]
        ),
        failing_units=count_per_profile(units.filter(consecutive_failures__gt=0)),
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
            "filters": filters,
            "overview": overview,
        },
    )


def _overview(filters, profiles):
    """KPI cards for the chosen period and the previous period of equal length."""
    first, last = filters.period()
    if first is None or last is None:
        first = first or last or timezone.localdate()
        last = last or timezone.localdate()
    before = kpis.previous_period(first, last)
    current = kpis.totals(profiles, first, last)
    previous = kpis.totals(profiles, *before)
    cards = []
    for key, label in (
        ("posts", "Posts published"),
        ("impressions", "Impressions"),
        ("reach", "Reach"),
        ("views", "Video views"),
        ("engagements", "Engagements"),
    ):
        cards.append(
            {
                "label": label,
                "value": current[key],
                "previous": previous[key],
                "reported": current.get(f"{key}_reported"),
                "change": kpis.change_percent(current[key], previous[key], previous["posts"]),
            }
        )
    return {
        "first": first,
        "last": last,
        "before": before,
        "posts": current["posts"],
        "cards": cards,
        "rate": _percent(current["engagement_rate"]),
        "previous_rate": _percent(previous["engagement_rate"]),
    }


def _percent(fraction):
    return None if fraction is None else fraction * 100
