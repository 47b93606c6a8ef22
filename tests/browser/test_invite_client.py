"""In Chromium: an owner invites a client to one profile; the client joins and sees only it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Membership
from tests.accounts.factories import MembershipFactory, ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import PlatformPostFactory

pytestmark = pytest.mark.browser

ASSIGNED_TEXT = "ACME-ONLY espresso launch teaser"
OTHER_TEXT = "BOREALIS-ONLY spring bike sale"
CLIENT_PASSWORD = "a-long-and-unusual-passphrase"


@pytest.fixture
def agency(transactional_db):
    workspace = WorkspaceFactory(name="Northwind Agency", slug="northwind")
    owner = MembershipFactory(
        workspace=workspace, role=Membership.Role.OWNER, user__username="olivia"
    )
    acme = ProfileFactory(workspace=workspace, title="Acme Coffee")
    borealis = ProfileFactory(workspace=workspace, title="Borealis Bikes")
    for n in range(3):
        PlatformPostFactory(profile=acme, text=f"{ASSIGNED_TEXT} #{n}")
        PlatformPostFactory(profile=borealis, text=f"{OTHER_TEXT} #{n}", platform="instagram")
    return owner


def test_an_invited_client_signs_up_and_sees_only_the_assigned_profile(
    live_server, page, screenshot, agency
):
    home_url = live_server.url + reverse("home", args=["northwind"])

    # The owner signs in and sees both profiles.
    page.goto(live_server.url + reverse("login"))
    page.locator("input[name=username]").fill("olivia")
    page.locator("input[name=password]").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(home_url)
    expect(page.get_by_text(OTHER_TEXT).first).to_be_visible()
    screenshot("01-owner-home")

    # ...invites a client who may see Acme Coffee only.
    page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Members").click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Email").fill("clara@example.com")
    page.get_by_label("Role").select_option("client")
    page.get_by_label("Acme Coffee").check()
    screenshot("02-invite-form")
    page.get_by_role("button", name="Create invitation").click()
    link = page.locator("#invitation-link").input_value()
    assert link.startswith(live_server.url + "/invitations/")
    screenshot("03-invitation-link")
    page.get_by_role("link", name="Back to members").click()
    expect(page.get_by_role("cell", name="clara@example.com")).to_be_visible()
    screenshot("04-members")

    # ...and signs out from the account menu.
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    screenshot("05-signed-out")

    # The client opens the link and signs up.
    page.goto(link)
    expect(page.get_by_role("heading", name="Join Northwind Agency")).to_be_visible()
    expect(page.locator("strong", has_text="client")).to_be_visible()
    expect(page.locator("input[name=email]")).to_have_value("clara@example.com")
    page.locator("input[name=username]").fill("clara")
    page.locator("input[name=password1]").fill(CLIENT_PASSWORD)
    page.locator("input[name=password2]").fill(CLIENT_PASSWORD)
    screenshot("06-sign-up")
    page.get_by_role("button", name="Create account and join").click()

    # Signed in on the workspace home: Acme's posts, nothing of Borealis.
    expect(page).to_have_url(home_url)
    expect(page.get_by_text(ASSIGNED_TEXT).first).to_be_visible()
    screenshot("07-client-home")
    content = page.content()
    assert OTHER_TEXT not in content
    assert "Borealis Bikes" not in content
    assert "clara" in page.get_by_role("banner").inner_text()
