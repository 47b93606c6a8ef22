"""A whole session with real keys, then a search for them everywhere they must not be.

The keys are canaries: a sync against the sandbox, every page of the project as its owner, the
logs of all of it, the raw database and a Django dump must not contain any of them in clear.
"""

import logging

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import Membership, Profile
from dashboard import sync
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.models import SyncState
from tests.accounts.factories import MembershipFactory, WorkspaceFactory
from tests.urls import PARAM, body, fill, project_patterns

X_KEY = "XAPPKEY-CANARY-0123456789"
X_SECRET = "XAPPSECRET-CANARY-9876543210"


@pytest.fixture
def sandbox():
    with start_sandbox(profiles=2, posts=15, seed=3) as sb:
        yield sb


@pytest.fixture
def session(db, sandbox, settings, tmp_path):
    settings.AYRSHARE_API_URL = sandbox.url
    settings.DATA_DIR = tmp_path
    settings.REDIS_URL = ""
    keys = sandbox.keys()
    workspace = WorkspaceFactory(api_key=keys["apiKey"], x_api_key=X_KEY, x_api_secret=X_SECRET)
    for entry in keys["profiles"]:
        Profile.objects.create(
            workspace=workspace,
            title=entry["title"],
            profile_key=entry["profileKey"],
            platforms=entry["platforms"],
        )
    owner = MembershipFactory(workspace=workspace, role=Membership.Role.OWNER)
    canaries = [keys["apiKey"], X_KEY, X_SECRET, *(p["profileKey"] for p in keys["profiles"])]
    return workspace, owner, canaries


def database_text():
    """Every row of every table, as the database stores it."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_no_key_in_clear_in_pages_logs_database_or_dumps(client, session, caplog, tmp_path):
    workspace, owner, canaries = session
    caplog.set_level(logging.DEBUG)

    sync.ensure_units()
    for state in SyncState.objects.all():
        sync.run_unit(state.pk, force=True)

    client.force_login(owner.user)
    values = {
        "workspace": workspace.slug,
        "profile_id": workspace.profiles.first().pk,
        "membership_id": owner.pk,
    }
    pages = []
    for route, _ in project_patterns():
        if set(PARAM.findall(route)) - {(c, n) for c, n in PARAM.findall(route) if n in values}:
            continue  # public pages that need a token carry nothing of a workspace
        pages.append(body(client.get(fill(route, **values))).decode(errors="replace"))
    dump = tmp_path / "dump.json"
    call_command("dumpdata", output=str(dump), verbosity=0)

    seen = {
        "pages": "\n".join(pages),
        "logs": caplog.text,
        "database": database_text(),
        "dumpdata": dump.read_text(),
    }
    assert len(seen["pages"]) > 1000 and "sandbox" in caplog.text.lower()
    for where, text in seen.items():
        for canary in canaries:
            assert canary not in text, f"a key appears in clear in the {where}"
