from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import membership_for, memberships, visible_profiles, workspace_member
from dashboard import fragments, overview, picker, workspace_rollups
from dashboard.filters import PostFilters, with_defaults
from dashboard.metrics import network_name
from dashboard.models import PlatformPost, SyncState
from dashboard.moments import zone_name
from dashboard.queries import count_per_profile, ids_or_subquery

# An agency's hundreds of cards would be a wall, not an overview: the cards show the first ones
# (failing syncs first) and the agency view compares them all.
PROFILE_CARDS = 24
RECENT_POSTS = 10
OVERVIEW_TARGET = "overview"
LIFETIME, ACTIVITY = overview.LIFETIME, overview.ACTIVITY


class OverviewOptions(forms.Form):
    """The overview's own switches; PostFilters stays the shared post filter."""

    totals = forms.ChoiceField(
        label="Totals",
        choices=[
            (LIFETIME, "Lifetime totals of posts published in the period"),
            (ACTIVITY, "Activity during the period"),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    every = forms.ChoiceField(
        label="Group charts by",
        choices=[("day", "Day"), ("week", "Week")],
        required=False,
        widget=forms.RadioSelect,
    )

    def error_text(self):
        return [f"{self[f].label}: {e}" for f, errors in self.errors.items() for e in errors]


@login_required
def start(request):
    """The person's first workspace (a person with none gets a 404, not an empty page)."""
    return redirect("home", workspace=membership_for(request.user).workspace.slug)


@workspace_member()
def home(request, membership):
    visible = visible_profiles(membership)
    filters = PostFilters(with_defaults(request.GET), profiles=visible)
    options = OverviewOptions(request.GET)
    fragment = fragments.wants(request, OVERVIEW_TARGET)
    context = {
        "membership": membership,
        "workspaces": memberships(request.user),
        "filters": filters,
        "options": options,
        "fragment": fragment,
        # The times in the tables are local times of this zone; their headings say which.
        "zone": zone_name(timezone.localtime()),
    }
    invalid = not (filters.is_valid() and options.is_valid())
    if invalid:
        context.update(errors=filters.error_text() + options.error_text(), profiles=[], recent=[])
    else:
        chosen = filters.cleaned_data["profiles"] or visible
        # Ids, not a subquery: PostgreSQL plans "profile_id IN (1, 2, …)" of posts far better
        # (up to queries.LISTED_PROFILES of them; overview.build decides).
        ids = list(chosen.values_list("pk", flat=True))
        workspace = membership.workspace_id
        whole = workspace_rollups.whole(workspace, ids)
        context["overview"] = overview.build(
            *filters.period(),
            ids,
            whole=whole,
            every=options.cleaned_data["every"] or None,
            totals=options.cleaned_data["totals"] or None,
        )
        if not fragment:
            context.update(_profile_sections(visible))
            context["welcome"] = not context["profiles"]
    return fragments.render_page(
        request, "dashboard/home.html", context, target=OVERVIEW_TARGET, invalid=invalid
    )


@workspace_member()
def profile_matches(request, membership):
    """The profile picker's chosen and matching profiles as the person types a name, for a
    workspace with too many profiles for one list (dashboard/picker.py)."""
    found = picker.search(
        visible_profiles(membership).order_by("title"),
        request.GET.getlist("profiles"),
        request.GET.get("profile_search", ""),
    )
    context = {"picker": found, "matches_only": True}
    return render(request, "dashboard/_profile_matches.html", context)


def _profile_sections(visible):
    shown = _card_profiles(visible)
    # Correlated subqueries, not joins: joining units would multiply the profiles' rows.
    units = SyncState.objects.filter(profile=OuterRef("pk"))
    cards = visible.filter(pk__in=shown).annotate(
        # Kept with the rollups: counting each profile's raw posts reads every post.
        network_posts=Coalesce(F("totals__posts"), 0),
        last_sync=Subquery(
            units.order_by(F("last_success").desc(nulls_last=True)).values("last_success")[:1]
        ),
        failing_units=count_per_profile(units.filter(consecutive_failures__gt=0)),
    )
    profiles = sorted(cards, key=lambda profile: shown.index(profile.pk))
    for profile in profiles:
        _describe(profile)
    ids = list(visible.values_list("pk", flat=True))
    # sort_time is published_at for published posts, and its (sort_time, id) index read
    # backward finds the newest ten without sorting every post of every profile.
    recent = (
        PlatformPost.objects.filter(
            profile__in=ids_or_subquery(ids, visible.values("pk")), published_at__lte=timezone.now()
        )
        .select_related("profile")
        .order_by("-sort_time", "-pk")[:RECENT_POSTS]
    )
    return {"profiles": profiles, "profile_count": len(ids), "recent": recent}


def _card_profiles(visible):
    """The ids of the profiles that get a card, in order: those with failing units first (the
    most failing first), then the others by title. Sorting every profile by its count of
    failing units took PostgreSQL 21 ms at 10,000 profiles; the failing ones are few."""
    failing = list(
        SyncState.objects.filter(profile__in=visible, consecutive_failures__gt=0)
        .values("profile")
        .annotate(n=Count("pk"))
        .order_by("-n", "profile__title", "profile")
        .values_list("profile", flat=True)[:PROFILE_CARDS]
    )
    others = visible.exclude(pk__in=failing).order_by("title", "pk").values_list("pk", flat=True)
    return failing + list(others[: PROFILE_CARDS - len(failing)])


def _describe(profile):
    """A profile card's text, formatted here rather than by filters in the template's loop."""
    profile.posts_label = f"{profile.network_posts:,}"
    names = [network_name(platform) for platform in profile.platforms]
    profile.networks_label = ", ".join(names) or "No networks linked"
    profile.synced_label = (
        f"Synced {naturaltime(profile.last_sync)}"
        if profile.last_sync
        else "Waiting for the first sync…"
    )
