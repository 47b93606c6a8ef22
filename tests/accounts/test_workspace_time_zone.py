"""The workspace's time zone on its settings page: who may change it and what a change does."""

import pytest

from accounts.models import Membership, Workspace
from tests.accounts.factories import MembershipFactory

pytestmark = pytest.mark.django_db
Role = Membership.Role


def settings_url(workspace):
    return f"/w/{workspace.slug}/settings/"


@pytest.fixture
def owner(client):
    membership = MembershipFactory(role=Role.OWNER)
    client.force_login(membership.user)
    return membership


def test_a_new_workspace_is_in_the_default_zone_with_its_rollups(settings):
    settings.TIME_ZONE = "Europe/Lisbon"
    workspace = MembershipFactory().workspace
    assert (workspace.time_zone, workspace.rollups_zone) == ("Europe/Lisbon", "Europe/Lisbon")
    assert not workspace.recounting


def test_the_settings_page_offers_every_zone_with_the_current_one_chosen(client, owner):
    page = client.get(settings_url(owner.workspace)).content.decode()
    assert '<label for="id_time_zone">Time zone</label>' in page
    assert '<option value="UTC" selected>UTC</option>' in page
    assert '<option value="America/New_York">America/New York</option>' in page
    assert 'aria-describedby="id_time_zone_helptext"' in page


def test_choosing_a_zone_saves_it_and_recounts_the_totals_in_the_background(
    client, owner, django_capture_on_commit_callbacks
):
    workspace = owner.workspace
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            settings_url(workspace),
            {"name": workspace.name, "time_zone": "Europe/Berlin"},
            follow=True,
        )
    assert "Totals are being recounted in the new time zone." in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.time_zone == "Europe/Berlin"
    assert workspace.recounting  # until the rebuild marks its zone
    assert len(callbacks) == 1  # the rebuild, enqueued once the change is committed


def test_saving_other_settings_keeps_the_zone_and_enqueues_nothing(
    client, owner, django_capture_on_commit_callbacks
):
    workspace = owner.workspace
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(settings_url(workspace), {"name": "Renamed", "time_zone": "UTC"})
        client.post(settings_url(workspace), {"name": "Renamed again"})  # an older form
    workspace.refresh_from_db()
    assert (workspace.name, workspace.time_zone, workspace.recounting) == (
        "Renamed again",
        "UTC",
        False,
    )
    assert callbacks == []


def test_saving_never_writes_back_a_rollups_zone_read_before_a_rebuild_marked_it(client, owner):
    """The form's row was read before a rebuild committed its mark: saving the name must not
    put the old mark back."""
    workspace = owner.workspace
    Workspace.objects.filter(pk=workspace.pk).update(time_zone="Asia/Tokyo", rollups_zone="")
    form_workspace = Workspace.objects.get(pk=workspace.pk)
    Workspace.objects.filter(pk=workspace.pk).update(rollups_zone="Asia/Tokyo")  # rebuild done
    from accounts.forms import WorkspaceSettingsForm

    form = WorkspaceSettingsForm(
        {"name": "New name", "time_zone": "Asia/Tokyo"}, instance=form_workspace
    )
    assert form.is_valid(), form.errors
    form.save()
    workspace.refresh_from_db()
    assert (workspace.name, workspace.rollups_zone) == ("New name", "Asia/Tokyo")


@pytest.mark.parametrize("name", ["Mars/Olympus", "utc ", "Europe/Berlin<script>"])
def test_a_name_that_is_no_time_zone_is_a_form_error(client, owner, name):
    response = client.post(settings_url(owner.workspace), {"name": "X", "time_zone": name})
    page = response.content.decode()
    assert response.status_code == 400
    assert "is not a time zone. Choose one from the list." in page
    assert "Berlin<script>" not in page  # the name is shown escaped, if at all
    owner.workspace.refresh_from_db()
    assert owner.workspace.time_zone == "UTC"


def test_clients_and_analysts_cannot_change_the_zone(client, owner):
    for role in (Role.ANALYST, Role.CLIENT):
        member = MembershipFactory(workspace=owner.workspace, role=role)
        client.force_login(member.user)
        response = client.post(
            settings_url(owner.workspace), {"name": "X", "time_zone": "Asia/Tokyo"}
        )
        assert response.status_code == 403
    owner.workspace.refresh_from_db()
    assert owner.workspace.time_zone == "UTC"
