from django.db import connection

from tests.accounts.factories import ProfileFactory


def test_keys_are_encrypted_at_rest_and_readable_in_python(db):
    profile = ProfileFactory(profile_key="PLAIN-PROFILE-KEY-1234")
    workspace = profile.workspace
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM accounts_workspace WHERE id = %s", [workspace.pk])
        (stored_api_key,) = cursor.fetchone()
        cursor.execute("SELECT profile_key FROM accounts_profile WHERE id = %s", [profile.pk])
        (stored_profile_key,) = cursor.fetchone()
    assert workspace.api_key not in stored_api_key
    assert "PLAIN-PROFILE-KEY-1234" not in stored_profile_key
    profile.refresh_from_db()
    assert profile.profile_key == "PLAIN-PROFILE-KEY-1234"
    assert profile.workspace.api_key == workspace.api_key


def test_blank_profile_key_stays_blank_for_the_primary_profile(db):
    profile = ProfileFactory(profile_key="")
    profile.refresh_from_db()
    assert profile.profile_key == ""


def test_dumps_carry_ciphertext_and_load_back(db, tmp_path):
    from django.core.management import call_command

    from accounts.models import Profile

    profile = ProfileFactory(profile_key="DUMPED-PROFILE-KEY-9876")
    dump = tmp_path / "dump.json"
    call_command("dumpdata", "accounts", output=str(dump), verbosity=0)
    assert "DUMPED-PROFILE-KEY-9876" not in dump.read_text()
    assert profile.workspace.api_key not in dump.read_text()

    Profile.objects.all().delete()
    call_command("loaddata", str(dump), verbosity=0)
    assert Profile.objects.get(pk=profile.pk).profile_key == "DUMPED-PROFILE-KEY-9876"
