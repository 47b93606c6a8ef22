"""Live answers from Ayrshare for a person who is waiting: "Test connection" and the import.

Everything else in the dashboard reads the cache; these two calls exist to tell a person, now and
in plain words, whether a key works and which profiles the account holds. No retries: the person
can press the button again.
"""

from datetime import timedelta

from django.contrib import messages
from django.utils import timezone

from dashboard.ayrshare.client import (
    AuthError,
    AyrshareClient,
    AyrshareError,
    NotFoundError,
    RateLimitError,
    TransientError,
)

# A person is waiting on these calls: answer within seconds and let them press the button again.
LIVE_TIMEOUT = (5.0, 20.0)
IMPORT_PAGE_SIZE = 100
# Stops a cursor that never ends (a broken API) from looping forever.
IMPORT_MAX_PAGES = 200
SUSPENDED_CODE = "163"


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
        f"Connected to {who}: Ayrshare calls it “{title}” (Ayrshare reference {ref_id}); "
        f"linked networks: {', '.join(networks) or 'none'}."
    )
    if profile is not None and profile.ref_id and user.get("refId") != profile.ref_id:
        text += (
            f" Careful: this key belongs to Ayrshare reference {ref_id},"
            f" not the stored {profile.ref_id}."
        )
        return _result(messages.WARNING, text, user)
    return _result(messages.SUCCESS, text, user)


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
        # Today's answers say status "active" or "suspended"; older ones a suspended boolean.
        "suspended": item.get("suspended") is True
        or str(item.get("status") or "").strip().lower() == "suspended",
    }


def import_problem(exc):
    if isinstance(exc, ValueError):
        return "The stored API key has spaces or control characters; enter it again."
    if isinstance(exc, AuthError):
        return "Ayrshare rejected the workspace's API key; check it in the workspace settings."
    if isinstance(exc, RateLimitError):
        return _rate_limited(exc)
    if isinstance(exc, TransientError):
        return f"Ayrshare is unreachable or not answering properly: {exc}."
    return f"Ayrshare refused to list the profiles: {exc}."


def verify_key(workspace, item, key):
    """An error sentence when the typed Profile-Key is not the key of this listed profile."""
    try:
        user = live_client(workspace, key).user()
    except AuthError as exc:
        if item["suspended"] and _is_suspension(exc):
            # A suspended profile answers nothing, so its key cannot be checked further.
            return None
        return "Ayrshare does not accept this Profile-Key."
    except (AyrshareError, ValueError) as exc:
        return import_problem(exc)
    if user.get("refId") != item["refId"]:
        return "This Profile-Key belongs to another profile."
    return None
