"""Pages that set up a workspace: its name and keys, and the Ayrshare profiles it reports on.

Two of them talk to Ayrshare while the person waits (test connection, import), because their
whole point is a live answer; everything else reads only our own tables. Keys are write-only:
no page, message or log line ever carries one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts import connection, logos
from accounts.access import MANAGERS, Role, visible_profile, visible_profiles, workspace_member
from accounts.forms import (
    ImportProfilesForm,
    ProfileForm,
    WorkspaceNewForm,
    WorkspaceSettingsForm,
    parse_id,
    set_logo,
)
from accounts.models import Membership, Profile, Workspace, WorkspaceLogo
from dashboard import networks, rollups, sync, tasks
from dashboard.ayrshare.client import (
    AyrshareError,
)
from dashboard.models import AccountMetrics, MetricSnapshot, PlatformPost, Post
from dashboard.queries import count_per_profile

# --- Workspaces -----------------------------------------------------------------------------


@login_required
def workspace_new(request):
    if request.method == "POST":
        form = WorkspaceNewForm(request.POST)
        if form.is_valid():
            with transaction.atomic():
                workspace = form.save()
                Membership.objects.create(user=request.user, workspace=workspace, role=Role.OWNER)
            messages.success(
                request, f"Workspace “{workspace.name}” created. Add its Ayrshare API key next."
            )
            return redirect("workspace_settings", workspace=workspace.slug)
    else:
        form = WorkspaceNewForm()
    return render(request, "accounts/workspace_new.html", {"form": form})


@workspace_member(*MANAGERS)
def workspace_settings(request, membership):
    # A fresh copy: a rejected form must not rename the workspace shown in the page heading.
    workspace = Workspace.objects.get(pk=membership.workspace_id)
    if request.method == "POST":
        form = WorkspaceSettingsForm(request.POST, request.FILES, instance=workspace)
        if form.is_valid():
            form.save()
            message = "Workspace settings saved."
            if form.zone_changed:
                pk = workspace.pk
                transaction.on_commit(lambda: tasks.rebuild_rollups_in_zone.delay(pk))
                message += " Totals are being recounted in the new time zone."
            messages.success(request, message)
            return redirect("workspace_settings", workspace=workspace.slug)
    else:
        form = WorkspaceSettingsForm(instance=workspace)
    return render(
        request,
        "accounts/workspace_settings.html",
        {
            "membership": membership,
            "workspace": workspace,
            "form": form,
            "profiles": visible_profiles(membership),
        },
        status=400 if form.is_bound else 200,
    )


@workspace_member(*MANAGERS)
@require_POST
def workspace_logo_remove(request, membership):
    set_logo(membership.workspace, None, "")
    messages.success(request, "Logo removed.")
    return redirect("workspace_settings", workspace=membership.workspace.slug)


# A year: the URL names the image's hash, so a new logo is a new URL and nothing goes stale.
LOGO_CACHE = "public, max-age=31536000, immutable"


@require_GET
def workspace_logo(request, sha256, extension):
    """A workspace's logo by its content hash, for anyone who has the URL.

    Signed-out visitors of a shared report need it. The hash is unguessable and names only
    an image its workspace chose to put on the reports it shares, nothing more.
    """
    logo = (
        WorkspaceLogo.objects.filter(workspace__logo_sha256=sha256)
        .values_list("data", "workspace__logo_type")
        .first()
    )
    if logo is None or logos.EXTENSIONS.get(logo[1]) != extension:
        raise Http404("No such logo.")
    response = HttpResponse(bytes(logo[0]), content_type=logo[1])
    response["Cache-Control"] = LOGO_CACHE
    response["Content-Disposition"] = "inline"
    return response


@workspace_member(*MANAGERS)
@require_POST
def test_connection(request, membership):
    """Call GET /user with the workspace's key (and a profile's key) and say how it went."""
    profile = None
    profile_id = request.GET.get("profile") or request.POST.get("profile")
    if profile_id:
        pk = parse_id(profile_id)
        if pk is None:
            return _connection_refused(request, membership, f"“{profile_id}” is not a profile id.")
        profile = visible_profile(membership, pk, include_archived=True)
    result = connection.check_connection(membership.workspace, profile)
    if request.htmx:
        return render(
            request, "accounts/workspace_settings.html#connection-result", {"result": result}
        )
    messages.add_message(request, result["level"], result["text"])
    if profile is not None:
        return redirect("profile_edit", workspace=membership.workspace.slug, profile_id=profile.pk)
    return redirect("workspace_settings", workspace=membership.workspace.slug)


def _connection_refused(request, membership, text):
    """Bad input is a 400 with the message where the test's answer goes; htmx swaps no 4xx,
    so its fragment answers 200."""
    result = {"level": messages.ERROR, "ok": False, "text": f"No test was made: {text}"}
    if request.htmx:
        return render(
            request, "accounts/workspace_settings.html#connection-result", {"result": result}
        )
    workspace = Workspace.objects.get(pk=membership.workspace_id)
    context = {
        "membership": membership,
        "form": WorkspaceSettingsForm(instance=workspace),
        "profiles": visible_profiles(membership),
        "result": result,
    }
    return render(request, "accounts/workspace_settings.html", context, status=400)


# --- Profiles -------------------------------------------------------------------------------


@workspace_member()
def profiles(request, membership):
    show_archived = request.GET.get("archived") == "1"
    rows = visible_profiles(membership, include_archived=show_archived).annotate(
        posts_count=count_per_profile(Post.objects.filter(profile=OuterRef("pk"))),
        network_posts_count=count_per_profile(PlatformPost.objects.filter(profile=OuterRef("pk"))),
    )
    archived = visible_profiles(membership, include_archived=True).filter(archived_at__isnull=False)
    rows = list(rows)
    accounts = networks.linked_accounts([p.pk for p in rows])
    for profile in rows:
        profile.accounts = accounts.get(profile.pk, [])
    return render(
        request,
        "accounts/profiles.html",
        {
            "membership": membership,
            "profiles": rows,
            "show_archived": show_archived,
            "archived_count": archived.count(),
            "can_manage": membership.role in MANAGERS,
        },
    )


@workspace_member(*MANAGERS)
def profile_add(request, membership):
    form = ProfileForm(workspace=membership.workspace)
    if request.method == "POST":
        form = ProfileForm(request.POST, workspace=membership.workspace)
        if form.is_valid():
            profile = form.save()
            sync.ensure_units([profile])
            messages.success(request, f"Profile “{profile.title}” added; its first sync is due.")
            return redirect("profiles", workspace=membership.workspace.slug)
    return render(
        request,
        "accounts/profile_form.html",
        {"membership": membership, "form": form, "profile": None, "heading": "Add a profile"},
    )


@workspace_member(*MANAGERS)
def profile_edit(request, membership, profile_id):
    profile = visible_profile(membership, profile_id, include_archived=True)
    # Taken before binding: a rejected new title must not show up as the page's heading.
    heading = profile.title
    form = ProfileForm(instance=profile, workspace=membership.workspace)
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=profile, workspace=membership.workspace)
        if form.is_valid():
            profile = form.save()
            sync.ensure_units([profile])
            messages.success(request, f"Profile “{profile.title}” saved.")
            return redirect("profiles", workspace=membership.workspace.slug)
    return render(
        request,
        "accounts/profile_form.html",
        {"membership": membership, "form": form, "profile": profile, "heading": heading},
    )


@workspace_member(*MANAGERS)
@require_POST
def profile_archive(request, membership, profile_id):
    profile = visible_profile(membership, profile_id, include_archived=True)
    archiving = profile.archived_at is None
    with transaction.atomic():
        profile.archived_at = timezone.now() if archiving else None
        profile.save(update_fields=["archived_at"])
        _leave_totals(profile)
    if archiving:
        messages.success(
            request, f"Profile “{profile.title}” archived: it is no longer synced or shown."
        )
    else:
        sync.ensure_units([profile])
        messages.success(request, f"Profile “{profile.title}” is active again.")
    return redirect("profiles", workspace=membership.workspace.slug)


def _leave_totals(profile):
    """The profile joins or leaves its workspace's overview totals: recompute its days there."""
    rollups.mark_profile(profile)
    workspace = profile.workspace_id
    transaction.on_commit(lambda: tasks.refresh_rollups.delay(workspace))


def cached_data(profile):
    """What removing the profile deletes from our cache (Ayrshare itself is not touched)."""
    return {
        "posts": Post.objects.filter(profile=profile).count(),
        "network_posts": PlatformPost.objects.filter(profile=profile).count(),
        "snapshots": MetricSnapshot.objects.filter(profile=profile).count(),
        "account_days": AccountMetrics.objects.filter(profile=profile)
        .values("date")
        .distinct()
        .count(),
    }


@workspace_member(*MANAGERS)
def profile_remove(request, membership, profile_id):
    profile = visible_profile(membership, profile_id, include_archived=True)
    if request.method == "POST":
        title = profile.title
        with transaction.atomic():
            _leave_totals(profile)
            profile.delete()
        messages.success(request, f"Profile “{title}” and its cached data were removed.")
        return redirect("profiles", workspace=membership.workspace.slug)
    return render(
        request,
        "accounts/profile_remove.html",
        {"membership": membership, "profile": profile, "cached": cached_data(profile)},
    )


@workspace_member(*MANAGERS)
def profiles_import(request, membership):
    workspace = membership.workspace
    context = {"membership": membership, "loaded": False}
    # The list is fetched on request only, and only by a POST: opening the page (or a link, a
    # prefetch, a crawler) must not spend the API's budget.
    if request.method != "POST":
        return render(request, "accounts/profiles_import.html", context)
    if not workspace.api_key:
        messages.error(request, "Set the workspace's Ayrshare API key before importing.")
        return redirect("workspace_settings", workspace=workspace.slug)
    try:
        listed = connection.fetch_profiles(workspace)
    except (AyrshareError, ValueError) as exc:
        messages.error(request, connection.import_problem(exc))
        return render(request, "accounts/profiles_import.html", context)

    present = set(
        Profile.objects.filter(
            workspace=workspace, ref_id__in=[p["refId"] for p in listed]
        ).values_list("ref_id", flat=True)
    )
    # "Load the list" posts only `load`; the list's own form posts the ticked profiles.
    data = None if "load" in request.POST else request.POST
    form = ImportProfilesForm(data, listed=listed, present=present)
    if data is not None and form.is_valid():
        created = _import_chosen(form, workspace)
        if created is not None:
            sync.ensure_units(created)
            names = ", ".join(p.title for p in created)
            messages.success(request, f"Imported {len(created)} profile(s): {names}.")
            return redirect("profiles", workspace=workspace.slug)
    context.update({"loaded": True, "form": form})
    return render(request, "accounts/profiles_import.html", context)


def _import_chosen(form, workspace):
    """Create the chosen profiles after checking each key with Ayrshare; None if one fails."""
    taken = Profile.objects.filter(workspace=workspace).values_list("title", flat=True)
    titles = {title.lower() for title in taken}
    for item in form.chosen:
        if item["title"].lower() in titles:
            form.add_error(
                f"key_{item['refId']}",
                f"A profile titled “{item['title']}” exists already; rename it first.",
            )
            continue
        problem = connection.verify_key(workspace, item, form.key_for(item))
        if problem:
            form.add_error(f"key_{item['refId']}", problem)
    if not form.is_valid():
        return None
    with transaction.atomic():
        return [
            Profile.objects.create(
                workspace=workspace,
                title=item["title"],
                ref_id=item["refId"],
                profile_key=form.key_for(item),
                platforms=item["platforms"],
                suspended=item["suspended"],
            )
            for item in form.chosen
        ]
