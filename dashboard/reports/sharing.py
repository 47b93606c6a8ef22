"""PLACEHOLDER for the share helper's sharing.py: only the two names the scheduled email uses.

Dropped at merge in favour of the real module (hashed tokens, passwords, expiry, revoke).
"""

import secrets


def create_link(report, *, label, expires=None, password="", created_by=None):
    """(the new link, its token); the real module stores a ShareLink with the token's hash."""
    return None, secrets.token_urlsafe(32)


def link_path(token):
    return f"/r/{token}/"
