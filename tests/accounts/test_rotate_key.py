"""`manage.py rotate_encryption_key`: after it, the new key alone reads every stored key."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Profile, Workspace
from tests.accounts.factories import ProfileFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


@pytest.fixture
def stored(settings):
    """A workspace with all three keys and two profiles (one primary), encrypted with OLD."""
    settings.FIELD_ENCRYPTION_KEY = OLD
    workspace = WorkspaceFactory(api_key="API-1", x_api_key="XK-1", x_api_secret="XS-1")
    keyed = ProfileFactory(workspace=workspace, profile_key="PK-1")
    ProfileFactory(workspace=workspace, profile_key="")
    return workspace, keyed


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def rotate():
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)
    return out.getvalue()


def test_after_rotation_the_new_key_alone_reads_every_stored_key(settings, stored):
    workspace, keyed = stored
    settings.FIELD_ENCRYPTION_KEY = NEW
    with pytest.raises(ImproperlyConfigured):
        Workspace.objects.get(pk=workspace.pk)  # the rotation below is what makes it readable

    settings.FIELD_ENCRYPTION_KEY = f"{NEW},{OLD}"
    output = rotate()
    settings.FIELD_ENCRYPTION_KEY = NEW

    workspace = Workspace.objects.get(pk=workspace.pk)
    assert (workspace.api_key, workspace.x_api_key, workspace.x_api_secret) == (
        "API-1",
        "XK-1",
        "XS-1",
    )
    assert Profile.objects.get(pk=keyed.pk).profile_key == "PK-1"
    token = raw("accounts_profile", "profile_key", keyed.pk)
    assert Fernet(NEW.encode()).decrypt(token.encode()) == b"PK-1"
    assert "Re-encrypted 3 key(s) in 1 workspaces." in output
    assert "Re-encrypted 1 key(s) in 1 profiles." in output
    assert "API-1" not in output and "PK-1" not in output


def test_a_primary_profile_stays_without_a_key(settings, stored):
    workspace, _ = stored
    settings.FIELD_ENCRYPTION_KEY = f"{NEW},{OLD}"
    rotate()
    settings.FIELD_ENCRYPTION_KEY = NEW
    assert Profile.objects.filter(workspace=workspace, profile_key="").count() == 1


def test_without_the_old_key_listed_nothing_changes(settings, stored):
    workspace, _ = stored
    settings.FIELD_ENCRYPTION_KEY = NEW
    before = raw("accounts_workspace", "api_key", workspace.pk)

    with pytest.raises(CommandError, match="Nothing was changed"):
        rotate()

    assert raw("accounts_workspace", "api_key", workspace.pk) == before
    settings.FIELD_ENCRYPTION_KEY = OLD
    assert Workspace.objects.get(pk=workspace.pk).api_key == "API-1"


def test_with_a_single_key_the_command_explains_how_to_rotate(settings, stored):
    settings.FIELD_ENCRYPTION_KEY = OLD
    output = rotate()
    assert 'set FIELD_ENCRYPTION_KEY="NEWKEY,OLDKEY"' in output
    assert Workspace.objects.get(pk=stored[0].pk).api_key == "API-1"
