"""Share links: a report opened by people without an account, through a long random token.

Only the token's sha256 is stored. A visit looks the hash up in one indexed query and then
checks revoked and expiry in Python, so a guessed token, a revoked one and an expired one take
the same path and get the same page. The email helper calls create_link and link_path.
"""

import datetime
import hashlib
import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from dashboard.reports.models import ShareLink


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(report, *, label, expires=None, password="", created_by=None):
    """(the new link, its token): the token exists only in this return value.

    `expires` is the last day the link opens: a date, or a datetime standing for its local day.
    """
    if isinstance(expires, datetime.datetime):
        expires = timezone.localdate(expires)
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        report=report,
        label=label,
        token_hash=hash_token(token),
        password=make_password(password) if password else "",
        expires_on=expires,
        created_by=created_by,
    )
    return link, token


def link_path(token):
    return reverse("shared_report", args=[token])


def find(token, today=None):
    """The link of `token` if it opens today (not revoked, not past its last day), else None."""
    today = today or timezone.localdate()
    # The link's row alone: joining the report and workspace (whose key is decrypted on load)
    # would make a revoked token measurably slower than a guessed one.
    link = ShareLink.objects.filter(token_hash=hash_token(token)).first()
    opens = (
        link is not None
        and link.revoked_at is None
        and (link.expires_on is None or link.expires_on >= today)
    )
    return link if opens else None


def record_view(link):
    # One UPDATE: two visitors at once both count.
    ShareLink.objects.filter(pk=link.pk).update(
        view_count=F("view_count") + 1, last_viewed_at=timezone.now()
    )


def revoke(link):
    ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


# A visitor who typed the right password is remembered in their session, for that link only.
# The value derives from the stored password hash, so a changed password asks again.


def _session_key(link):
    return f"share-link-{link.pk}"


def _unlock_value(link):
    return salted_hmac("dashboard.reports.sharing.unlock", link.password).hexdigest()


def check_link_password(link, password):
    return check_password(password, link.password)


def unlock(session, link):
    session[_session_key(link)] = _unlock_value(link)


def is_unlocked(session, link):
    if not link.needs_password:
        return True
    return constant_time_compare(session.get(_session_key(link), ""), _unlock_value(link))
