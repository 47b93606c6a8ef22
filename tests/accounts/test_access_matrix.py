"""Every URL of the project, for every role and for outsiders, from the resolver itself.

A view added later is covered without editing this test: a URL under /w/<workspace>/ must go
through the gate (accounts.access.workspace_member, which records the roles it allows), and the
expectation for each person is read from there. Only GET requests are sent (no data changes);
POST-only views answer 405 to the people they admit and 403/404 to everyone else.
"""

import datetime

import pytest

from accounts.models import Invitation, Membership
from dashboard.reports import sharing
from dashboard.reports.models import Recipient, Report, ReportFile, Send
from tests.accounts.factories import MembershipFactory, ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import PlatformPostFactory
from tests.urls import body, fill, project_patterns

Role = Membership.Role
SECRET_OTHER = "OTHER-WORKSPACE-SECRET-POST"
SECRET_B = "UNASSIGNED-PROFILE-SECRET-POST"
# Reached without signing in, on purpose.
PUBLIC = {"login", "password_reset", "password_reset_done", "password_reset_complete"}


@pytest.fixture
def cast(db):
    """A workspace with one person per role, two profiles (the client sees only A), and an
    outsider who belongs to another workspace with posts of its own."""
    workspace = WorkspaceFactory()
    a = ProfileFactory(workspace=workspace, title="Profile A")
    b = ProfileFactory(workspace=workspace, title="Profile B")
    posts = {
        a: PlatformPostFactory(profile=a, text="Assigned profile post"),
        b: PlatformPostFactory(profile=b, text=SECRET_B),
    }
    people = {role: MembershipFactory(workspace=workspace, role=role) for role in Role.values}
    people[Role.CLIENT].profiles.add(a)
    other = WorkspaceFactory()
    PlatformPostFactory(profile=ProfileFactory(workspace=other), text=SECRET_OTHER)
    outsider = MembershipFactory(workspace=other, role=Role.OWNER)
    invitation = Invitation.objects.create(
        workspace=workspace,
        email="new@example.com",
        role=Role.ANALYST,
        token_hash=Invitation.hash_token("matrix-token"),
        expires_at="2099-01-01T00:00:00Z",
    )
    # A report the client may open (profile A only); the report page admits every role.
    report = Report.objects.create(
        workspace=workspace, title="Report of A", sections=["kpis"], clients_may_view=True
    )
    report.profiles.add(a)
    # A send with its PDF (the log's download answers 200) and a recipient (re-add is POST).
    send = Send.objects.create(
        report=report, due_at="2026-06-01T07:00:00Z", pdf=b"%PDF-1.4", pdf_name="a.pdf"
    )
    recipient = Recipient.objects.create(report=report, email="client@example.com")
    link, _token = sharing.create_link(report, label="For the matrix")
    day = datetime.date(2026, 3, 1)
    file = ReportFile.objects.create(
        report=report, paper="A4", first=day, last=day, as_of=day, status="ready", pdf=b"%PDF"
    )
    return {
        "link": link,
        "report": report,
        "file": file,
        "send": send,
        "recipient": recipient,
        "workspace": workspace,
        "other": other,
        "a": a,
        "b": b,
        "people": people,
        "posts": posts,
        "outsider": outsider,
        "invitation": invitation,
    }


def url_for(route, cast, *, profile=None, workspace=None):
    return fill(
        route,
        workspace=(workspace or cast["workspace"]).slug,
        profile_id=(profile or cast["a"]).pk,
        post_id=cast["posts"][profile or cast["a"]].pk,
        membership_id=cast["people"][Role.ANALYST].pk,
        invitation_id=cast["invitation"].pk,
        report_id=cast["report"].pk,
        send_id=cast["send"].pk,
        recipient_id=cast["recipient"].pk,
        link_id=cast["link"].pk,
        file_id=cast["file"].pk,
        token="matrix-token",
    )


def get(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url)


def gated(pattern):
    return getattr(pattern.callback, "allowed_roles", None)


def test_every_workspace_url_goes_through_the_gate():
    ungated = [
        route
        for route, pattern in project_patterns()
        if route.startswith("w/") and gated(pattern) is None
    ]
    assert not ungated, f"views under /w/ that skip accounts.access.workspace_member: {ungated}"


def test_each_role_gets_exactly_what_its_role_allows(client, cast):
    for route, pattern in project_patterns():
        allowed = gated(pattern)
        if allowed is None:
            continue
        url = url_for(route, cast)
        for role, membership in cast["people"].items():
            response = get(client, membership.user, url)
            if role in allowed:
                assert response.status_code in (200, 405), (url, role, response.status_code)
            else:
                assert response.status_code in (403, 404), (url, role, response.status_code)
            assert SECRET_OTHER.encode() not in body(response), (url, role)
            if role == Role.CLIENT:
                assert SECRET_B.encode() not in body(response), (url, role)


def test_outsiders_and_strangers_get_nothing(client, cast):
    for route, pattern in project_patterns():
        if gated(pattern) is None:
            continue
        url = url_for(route, cast)
        outsider = get(client, cast["outsider"].user, url)
        assert outsider.status_code == 404, (url, outsider.status_code)
        anonymous = get(client, None, url)
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"], url


def test_a_client_cannot_reach_an_unassigned_profile_or_its_post_by_editing_the_url(client, cast):
    client_user = cast["people"][Role.CLIENT].user
    for route, pattern in project_patterns():
        if gated(pattern) is None or not ("<int:profile_id>" in route or "<int:post_id>" in route):
            continue
        response = get(client, client_user, url_for(route, cast, profile=cast["b"]))
        assert response.status_code in (403, 404), (route, response.status_code)


def test_a_member_cannot_open_another_workspace(client, cast):
    owner = cast["people"][Role.OWNER].user
    for route, pattern in project_patterns():
        if gated(pattern) is None:
            continue
        response = get(client, owner, url_for(route, cast, workspace=cast["other"]))
        assert response.status_code == 404, (route, response.status_code)
        assert SECRET_OTHER.encode() not in body(response)


def test_public_pages_open_without_signing_in(client, cast):
    names = {pattern.name for _, pattern in project_patterns()}
    for name in PUBLIC & names:
        route = next(r for r, p in project_patterns() if p.name == name)
        assert get(client, None, url_for(route, cast)).status_code == 200, name


def test_the_admin_is_for_staff_only(client, cast):
    response = get(client, cast["people"][Role.OWNER].user, "/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
