"""Pages that set up a workspace: its name and keys, and the Ayrshare profiles it reports on.

Two of them talk to Ayrshare while the person waits (test connection, import), because their
whole point is a live answer; everything else reads only our own tables. Keys are write-only:
no page, message or log line ever carries one.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import MANAGERS, Role, visible_profile, visible_profiles, workspace_member
from accounts.forms import (
    ImportProfilesForm,
    ProfileForm,
    WorkspaceNewForm,
    WorkspaceSettingsForm,
)
from accounts.models import Membership, Profile, Workspace
from dashboard import sync
from dashboard.ayrshare.client import (
    AuthError,
    AyrshareClient,
    AyrshareError,
    NotFoundError,
    RateLimitError,
    TransientError,
)
from dashboard.models import AccountMetrics, MetricSnapshot, PlatformPost, Post

# A person is waiting on these calls: answer within seconds and let them press the button again.
LIVE_TIMEOUT = (5.0, 20.0)
IMPORT_PAGE_SIZE = 100
# Stops a cursor that never ends (a broken API) from looping forever.
IMPORT_MAX_PAGES = 200
SUSPENDED_CODE = "163"


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
        form = WorkspaceSettingsForm(request.POST, instance=workspace)
        if form.is_valid():
            form.save()
            messages.success(request, "Workspace settings saved.")
            return redirect("workspace_settings", workspace=workspace.slug)
    else:
        form = WorkspaceSettingsForm(instance=workspace)
    return render(
        request,
        "accounts/workspace_settings.html",
        {
            "membership": membership,
            "form": form,
            "profiles": visible_profiles(membership),
        },
    )


@workspace_member(*MANAGERS)
@require_POST
def test_connection(request, membership):
    """Call GET /user with the workspace's key (and a profile's key) and say how it went."""
    profile = None
    profile_id = request.GET.get("profile") or request.POST.get("profile")
    if profile_id:
        if not profile_id.isdigit():
            raise Http404("No such profile.")
        profile = visible_profile(membership, profile_id, include_archived=True)
    result = check_connection(membership.workspace, profile)
    if request.htmx:
        return render(
            request, "accounts/workspace_settings.html#connection-result", {"result": result}
        )
    messages.add_message(request, result["level"], result["text"])
    if profile is not None:
        return redirect("profile_edit", workspace=membership.workspace.slug, profile_id=profile.pk)
    return redirect("workspace_settings", workspace=membership.workspace.slug)


def live_client(workspace, profile_key=""):
    return AyrshareClient(
        workspace.api_key,
        profile_key,
        x_api_key=workspace.x_api_key,
        x_api_secret=workspace.x_api_secret,
        timeout=LIVE_TIMEOUT,
        max_retries=0,
    )


def check_connection(workspace, profile=None):
    """GET /user, turned into {"level", "text", "user"} for a person to read."""
    if not workspace.api_key:
        return _result(messages.ERROR, "No Ayrshare API key is set for this workspace yet.")
    who = f"profile “{profile.title}”" if profile else "the primary profile"
    try:
        user = live_client(workspace, profile.profile_key if profile else "").user()
    except ValueError:
        return _result(
            messages.ERROR, "A stored key has spaces or control characters; enter it again."
        )
    except AuthError as exc:
        return _result(messages.ERROR, _auth_problem(exc, profile))
    except NotFoundError as exc:
        return _result(messages.ERROR, f"No such profile: Ayrshare answered “{exc.message}”.")
    except RateLimitError as exc:
        return _result(messages.ERROR, _rate_limited(exc))
    except TransientError as exc:
        return _result(messages.ERROR, f"Ayrshare is unreachable or not answering properly: {exc}.")
    except AyrshareError as exc:
        return _result(messages.ERROR, f"Ayrshare refused the request: {exc}.")
    return _connected(user, who, profile)


def _result(level, text, user=None):
    return {"level": level, "ok": level == messages.SUCCESS, "text": text, "user": user}


def _auth_problem(exc, profile):
    if exc.status == 401 or profile is None or not profile.profile_key:
        return (
            "Ayrshare rejected the API key: check it on Ayrshare's API Key page "
            f"(Ayrshare says “{exc.message}”)."
        )
    if _is_suspension(exc):
        return f"Ayrshare has suspended the profile “{profile.title}”: reactivate it in Ayrshare."
    return (
        f"No such profile: Ayrshare does not accept the Profile-Key of “{profile.title}” "
        "with this API key. Check it on Ayrshare's User Profiles page."
    )


def _is_suspension(exc):
    return exc.code == SUSPENDED_CODE or "suspend" in exc.message.lower()


def _rate_limited(exc):
    wait = round(exc.retry_after)
    at = timezone.localtime(timezone.now() + timedelta(seconds=wait))
    return (
        f"Rate limited: Ayrshare asks us to wait. Try again in {wait} seconds "
        f"(after {at:%H:%M:%S})."
    )


def _connected(user, who, profile):
    networks = [n for n in user.get("activeSocialAccounts") or [] if isinstance(n, str)]
    title = user.get("title") or user.get("displayTitle") or "(no title)"
    ref_id = user.get("refId") or "none"
    text = (
        f"Connected to {who}: Ayrshare calls it “{title}” (refId {ref_id}); linked networks: "
        f"{', '.join(networks) or 'none'}."
    )
    if profile is not None and profile.ref_id and user.get("refId") != profile.ref_id:
        text += f" Careful: this key belongs to refId {ref_id}, not the stored {profile.ref_id}."
        return _result(messages.WARNING, text, user)
    return _result(messages.SUCCESS, text, user)


# --- Profiles -------------------------------------------------------------------------------


def _count_of(model):
    rows = (
        model.objects.filter(profile=OuterRef("pk"))
        .order_by()
        .values("profile")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@workspace_member()
def profiles(request, membership):
    show_archived = request.GET.get("archived") == "1"
    rows = visible_profiles(membership, include_archived=show_archived).annotate(
        posts_count=_count_of(Post), network_posts_count=_count_of(PlatformPost)
    )
    archived = visible_profiles(membership, include_archived=True).filter(archived_at__isnull=False)
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
    if profile.archived_at is None:
        profile.archived_at = timezone.now()
        profile.save(update_fields=["archived_at"])
        messages.success(
            request, f"Profile “{profile.title}” archived: it is no longer synced or shown."
        )
    else:
        profile.archived_at = None
        profile.save(update_fields=["archived_at"])
        sync.ensure_units([profile])
        messages.success(request, f"Profile “{profile.title}” is active again.")
    return redirect("profiles", workspace=membership.workspace.slug)


def cached_data(profile):
    """What removing the profile deletes from our cache (Ayrshare itself is not touched)."""
    return {
        "posts": Post.objects.filter(profile=profile).count(),
        "network_posts": PlatformPost.objects.filter(profile=profile).count(),
        "snapshots": MetricSnapshot.objects.filter(platform_post__profile=profile).count(),
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
        profile.delete()
        messages.success(request, f"Profile “{title}” and its cached data were removed.")
        return redirect("profiles", workspace=membership.workspace.slug)
    return render(
        request,
        "accounts/profile_remove.html",
        {"membership": membership, "profile": profile, "cached": cached_data(profile)},
    )


# --- Import from GET /profiles --------------------------------------------------------------


def fetch_profiles(workspace):
    """Every user profile GET /profiles lists, following the cursor to the last page."""
    client = live_client(workspace)
    found, cursor, seen = [], None, set()
    for _ in range(IMPORT_MAX_PAGES):
        page = client.profiles(cursor=cursor, limit=IMPORT_PAGE_SIZE)
        found += [p for p in page.get("profiles") or [] if isinstance(p, dict) and p.get("refId")]
        pagination = page.get("pagination") or {}
        cursor = pagination.get("nextCursor")
        if not pagination.get("hasMore") or not cursor or cursor in seen:
            break
        seen.add(cursor)
    return [_listed(p) for p in found]


def _listed(item):
    networks = item.get("activeSocialAccounts") or []
    return {
        "refId": str(item["refId"]),
        "title": str(item.get("title") or item.get("displayTitle") or item["refId"])[:200],
        "platforms": [n for n in networks if isinstance(n, str)],
        "suspended": bool(item.get("suspended")),
    }


def _import_problem(exc):
    if isinstance(exc, ValueError):
        return "The stored API key has spaces or control characters; enter it again."
    if isinstance(exc, AuthError):
        return "Ayrshare rejected the workspace's API key; check it in the workspace settings."
    if isinstance(exc, RateLimitError):
        return _rate_limited(exc)
    if isinstance(exc, TransientError):
        return f"Ayrshare is unreachable or not answering properly: {exc}."
    return f"Ayrshare refused to list the profiles: {exc}."


def _verify_key(workspace, item, key):
    """An error sentence when the typed Profile-Key is not the key of this listed profile."""
    try:
        user = live_client(workspace, key).user()
    except AuthError as exc:
        if item["suspended"] and _is_suspension(exc):
            # A suspended profile answers nothing, so its key cannot be checked further.
            return None
        return "Ayrshare does not accept this Profile-Key."
    except (AyrshareError, ValueError) as exc:
        return _import_problem(exc)
    if user.get("refId") != item["refId"]:
        return "This Profile-Key belongs to another profile."
    return None


@workspace_member(*MANAGERS)
def profiles_import(request, membership):
    workspace = membership.workspace
    context = {"membership": membership, "loaded": False}
    # The list is fetched on request only: opening the page must not spend the API's budget.
    if request.method == "GET" and request.GET.get("load") != "1":
        return render(request, "accounts/profiles_import.html", context)
    if not workspace.api_key:
        messages.error(request, "Set the workspace's Ayrshare API key before importing.")
        return redirect("workspace_settings", workspace=workspace.slug)
    try:
        listed = fetch_profiles(workspace)
    except (AyrshareError, ValueError) as exc:
        messages.error(request, _import_problem(exc))
        return render(request, "accounts/profiles_import.html", context)

    present = set(
        Profile.objects.filter(
            workspace=workspace, ref_id__in=[p["refId"] for p in listed]
        ).values_list("ref_id", flat=True)
    )
    data = request.POST if request.method == "POST" else None
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
        problem = _verify_key(workspace, item, form.key_for(item))
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
