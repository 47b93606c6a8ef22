"""Share links: who may make them, what a link opens, and what it never opens."""

import datetime
import hashlib
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from dashboard.reports import sharing
from dashboard.reports.models import SECTION_KEYS, Report, ShareLink
from tests.accounts.factories import MembershipFactory, ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import PlatformPostFactory, at
from tests.urls import body, fill, project_patterns

pytestmark = pytest.mark.django_db
Role = Membership.Role
POST_A = "ASSIGNED-PROFILE-POST-OF-LAST-MONTH"
SECRET_B = "UNASSIGNED-PROFILE-SECRET-POST"
SECRET_OTHER = "OTHER-WORKSPACE-SECRET-POST"


def last_month_day():
    return timezone.localdate().replace(day=1) - datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def private_cache(settings):
    # Wrong-password counters of one test must not lock out another's.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "share"}
    }


@pytest.fixture
def cast(db):
    """A workspace with a person per role, a report of profile A (B has posts too), and another
    workspace with posts of its own."""
    workspace = WorkspaceFactory(name="Acme Agency")
    a = ProfileFactory(workspace=workspace, title="Acme Coffee")
    b = ProfileFactory(workspace=workspace, title="Other Client")
    day = at(last_month_day())
    post_a = PlatformPostFactory(profile=a, text=POST_A, engagements=40, published_at=day)
    PlatformPostFactory(profile=b, text=SECRET_B, engagements=90, published_at=day)
    PlatformPostFactory(
        profile=ProfileFactory(workspace=WorkspaceFactory()),
        text=SECRET_OTHER,
        engagements=99,
        published_at=day,
    )
    people = {role: MembershipFactory(workspace=workspace, role=role) for role in Role.values}
    people[Role.CLIENT].profiles.add(a)
    report = Report.objects.create(
        workspace=workspace, title="Acme monthly", sections=list(SECTION_KEYS)
    )
    report.profiles.add(a)
    return {
        "workspace": workspace,
        "a": a,
        "post_a": post_a,
        "people": people,
        "report": report,
    }


def share_url(cast, *parts):
    base = f"/w/{cast['workspace'].slug}/reports/{cast['report'].pk}/share/"
    return base + "".join(f"{part}/" for part in parts)


def page_text(response):
    return response.content.decode()


# What a link opens


def test_a_valid_link_shows_its_report_and_nothing_of_the_app(client, cast):
    _, token = sharing.create_link(cast["report"], label="For Acme")
    response = client.get(sharing.link_path(token))
    page = page_text(response)
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "reports/shared.html"
    assert "Acme monthly" in page and "Acme Coffee" in page and POST_A in page
    assert SECRET_B not in page and SECRET_OTHER not in page
    # No app navigation, no link or htmx request into the app; the charts' data is in the page.
    assert 'id="workspace-nav"' not in page
    assert all(
        href.startswith(("/static/", "https://")) for href in re.findall(r'href="([^"]*)"', page)
    )
    assert "hx-" not in page
    assert 'id="chart-engagements" type="application/json"' in page
    assert '<meta name="robots" content="noindex, nofollow">' in page


def test_every_answer_of_a_link_is_private_unindexed_and_sends_no_referrer(client, cast):
    _, token = sharing.create_link(cast["report"], label="For Acme")
    _, locked = sharing.create_link(cast["report"], label="Locked", password="opensesame")
    pages = [
        (sharing.link_path(token), "no-referrer"),
        ("/s/guessed/", "no-referrer"),
        # The password form's POST must carry its Origin for the CSRF check (see the view).
        (sharing.link_path(locked), "same-origin"),
    ]
    for path, referrer_policy in pages:
        response = client.get(path)
        assert response["Referrer-Policy"] == referrer_policy, path
        assert response["X-Robots-Tag"] == "noindex, nofollow", path
        assert response["Cache-Control"] == "private, no-store", path


def test_each_token_opens_its_own_report_only(client, cast):
    other = Report.objects.create(
        workspace=cast["workspace"], title="Second report", sections=["commentary"]
    )
    _, first = sharing.create_link(cast["report"], label="First")
    _, second = sharing.create_link(other, label="Second")
    assert "Acme monthly" in page_text(client.get(sharing.link_path(first)))
    page = page_text(client.get(sharing.link_path(second)))
    assert "Second report" in page and "Acme monthly" not in page and POST_A not in page


def test_the_period_rolls_forward_by_the_rule(client, cast, monkeypatch):
    _, token = sharing.create_link(cast["report"], label="For Acme")
    for now, period in (
        (datetime.datetime(2026, 3, 3, 12, tzinfo=datetime.UTC), "2026-02-01/2026-02-28"),
        (datetime.datetime(2026, 4, 2, 12, tzinfo=datetime.UTC), "2026-03-01/2026-03-31"),
    ):
        monkeypatch.setattr(timezone, "now", lambda now=now: now)
        assert f'data-period="{period}"' in page_text(client.get(sharing.link_path(token)))


# Links that do not open


def invalid_links(cast):
    """(what, token) of a revoked, an expired and a guessed token."""
    revoked, revoked_token = sharing.create_link(cast["report"], label="Revoked")
    sharing.revoke(revoked)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    _, expired_token = sharing.create_link(cast["report"], label="Old", expires=yesterday)
    guessed = sharing.hash_token("x")[:43]  # as long as a real token
    return [("revoked", revoked_token), ("expired", expired_token), ("guessed", guessed)]


def test_revoked_expired_and_guessed_tokens_get_one_and_the_same_404(client, cast):
    answers = []
    for what, token in invalid_links(cast):
        response = client.get(sharing.link_path(token))
        assert response.status_code == 404, what
        assert [t.name for t in response.templates][0] == "reports/shared_invalid.html", what
        assert "This link is not valid" in page_text(response)
        assert "Acme" not in page_text(response), what
        answers.append(page_text(response))
    assert len(set(answers)) == 1


def test_find_asks_one_indexed_query_whatever_the_token(cast, django_assert_num_queries):
    _, valid = sharing.create_link(cast["report"], label="Valid")
    for what, token in [*invalid_links(cast), ("valid", valid)]:
        with django_assert_num_queries(1):
            link = sharing.find(token)
        assert (link is not None) == (what == "valid"), what


def test_a_link_opens_through_its_last_day(client, cast):
    _, token = sharing.create_link(cast["report"], label="Today", expires=timezone.localdate())
    assert client.get(sharing.link_path(token)).status_code == 200


def test_an_expiry_given_as_a_time_counts_by_its_day(client, cast):
    a_day_ago = timezone.now() - datetime.timedelta(days=1)
    link, token = sharing.create_link(cast["report"], label="Mail", expires=a_day_ago)
    assert link.expires_on == timezone.localdate(a_day_ago)
    assert client.get(sharing.link_path(token)).status_code == 404


def test_the_token_is_stored_only_as_its_hash(client, cast):
    link, token = sharing.create_link(cast["report"], label="For Acme", password="opensesame")
    client.post(sharing.link_path(token), {"password": "opensesame"})
    client.get(sharing.link_path(token))
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert token not in dump.getvalue() and "opensesame" not in dump.getvalue()
    link.refresh_from_db()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43


def test_views_are_counted_with_the_time_of_the_last(client, cast):
    link, token = sharing.create_link(cast["report"], label="For Acme")
    assert link.view_count == 0 and link.last_viewed_at is None
    before = timezone.now()
    client.get(sharing.link_path(token))
    client.get(sharing.link_path(token))
    link.refresh_from_db()
    assert link.view_count == 2 and link.last_viewed_at >= before


# Passwords


def test_a_password_link_asks_first_refuses_a_wrong_one_then_remembers_the_right_one(client, cast):
    link, token = sharing.create_link(cast["report"], label="Locked", password="opensesame")
    path = sharing.link_path(token)
    asked = client.get(path)
    assert asked.status_code == 200 and "This report needs a password" in page_text(asked)
    assert POST_A not in page_text(asked) and "Acme monthly" not in page_text(asked)

    wrong = client.post(path, {"password": "open sesame"})
    assert wrong.status_code == 403
    assert "Wrong password" in page_text(wrong) and POST_A not in page_text(wrong)

    right = client.post(path, {"password": "opensesame"})
    assert right.status_code == 302 and right["Location"] == path
    remembered = client.get(path)
    assert remembered.status_code == 200 and POST_A in page_text(remembered)
    link.refresh_from_db()
    assert link.view_count == 1  # the password pages are not views of the report


def test_an_empty_password_is_a_400_and_not_counted(client, cast, settings):
    settings.SHARE_PASSWORD_LIMIT = 1
    _, token = sharing.create_link(cast["report"], label="Locked", password="opensesame")
    empty = client.post(sharing.link_path(token), {"password": ""})
    assert empty.status_code == 400 and "This field is required" in page_text(empty)
    assert client.post(sharing.link_path(token), {"password": "opensesame"}).status_code == 302


def test_a_remembered_password_opens_that_link_only(client, cast):
    _, first = sharing.create_link(cast["report"], label="One", password="opensesame")
    _, second = sharing.create_link(cast["report"], label="Two", password="opensesame")
    client.post(sharing.link_path(first), {"password": "opensesame"})
    assert "This report needs a password" in page_text(client.get(sharing.link_path(second)))


def test_wrong_passwords_are_throttled_even_for_the_right_one_after(client, cast, settings):
    settings.SHARE_PASSWORD_LIMIT = 3
    _, token = sharing.create_link(cast["report"], label="Locked", password="opensesame")
    path = sharing.link_path(token)
    for _ in range(2):
        assert client.post(path, {"password": "guess"}).status_code == 403
    assert client.post(path, {"password": "guess"}).status_code == 403  # the third: now locked
    refused = client.post(path, {"password": "opensesame"})
    assert refused.status_code == 429
    assert "Too many wrong passwords" in page_text(refused)
    assert int(refused["Retry-After"]) > 0
    assert POST_A not in page_text(client.get(path))


def test_the_password_form_needs_the_csrf_token(cast):
    _, token = sharing.create_link(cast["report"], label="Locked", password="opensesame")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(sharing.link_path(token), {"password": "opensesame"})
    assert response.status_code == 403
    assert POST_A not in page_text(strict.get(sharing.link_path(token)))


# With a link, nothing else


def test_no_other_url_answers_with_the_visitors_session(client, cast):
    link, token = sharing.create_link(cast["report"], label="Locked", password="opensesame")
    client.post(sharing.link_path(token), {"password": "opensesame"})
    assert POST_A in page_text(client.get(sharing.link_path(token)))
    values = {
        "workspace": cast["workspace"].slug,
        "profile_id": cast["a"].pk,
        "post_id": cast["post_a"].pk,
        "membership_id": cast["people"][Role.CLIENT].pk,
        "invitation_id": 1,
        "report_id": cast["report"].pk,
        "link_id": link.pk,
        "file_id": 1,
        "send_id": 1,
        "recipient_id": 1,
        "token": token,
        "uidb64": "MQ",
        # Logos are public by their content hash; the workspace has none.
        "sha256": "0" * 64,
        "extension": "png",
    }
    data = [POST_A, "Acme monthly", "Acme Coffee", "Acme Agency", token]
    asked = 0
    for route, pattern in project_patterns():
        if pattern.name == "shared_report":
            continue
        path = fill(route, **values)
        response = client.get(path)
        asked += 1
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login") + "?"), path
            continue
        assert response.status_code in (200, 400, 404, 405, 503), (path, response.status_code)
        # Sign-in, password reset, health: pages for anybody, with nothing of the report.
        for text in data:
            assert text.encode() not in body(response), (path, text)
    assert asked > 20


# The Share page


def test_an_owner_makes_a_link_sees_its_url_once_and_finds_it_in_the_list(client, cast):
    client.force_login(cast["people"][Role.OWNER].user)
    last_day = timezone.localdate() + datetime.timedelta(days=30)
    made = client.post(share_url(cast), {"label": "For Acme", "expires_on": last_day})
    assert made.status_code == 201
    link = ShareLink.objects.get()
    shown = made.context["new_url"]
    assert shown.startswith("http://testserver/s/") and shown in page_text(made)
    token = shown.removeprefix("http://testserver/s/").rstrip("/")
    assert sharing.find(token) == link
    assert "Copy it now: it will not be shown again." in page_text(made)
    assert (link.label, link.expires_on, link.created_by) == (
        "For Acme",
        last_day,
        cast["people"][Role.OWNER].user,
    )

    client.logout()
    client.get(shown)
    client.force_login(cast["people"][Role.OWNER].user)
    listed = page_text(client.get(share_url(cast)))
    assert token not in listed and "Copy it now" not in listed
    row = listed.split(f'data-link="{link.pk}"')[1].split("</tr>")[0]
    assert "For Acme" in row and f'datetime="{last_day:%Y-%m-%d}"' in row and "Active" in row
    assert '<td class="num" data-label="Views">1</td>' in row


def test_a_password_is_stored_hashed(client, cast):
    client.force_login(cast["people"][Role.MANAGER].user)
    client.post(share_url(cast), {"label": "Locked", "password": "opensesame"})
    link = ShareLink.objects.get()
    assert link.password and "opensesame" not in link.password
    assert sharing.check_link_password(link, "opensesame")


def test_a_manager_revokes_a_link_and_it_stops_opening(client, cast):
    link, token = sharing.create_link(cast["report"], label="For Acme")
    client.force_login(cast["people"][Role.MANAGER].user)
    response = client.post(share_url(cast, link.pk, "revoke"))
    assert response.status_code == 302 and response["Location"] == share_url(cast)
    listed = page_text(client.get(share_url(cast)))
    assert "revoked: it no longer opens the report" in listed
    row = listed.split(f'data-link="{link.pk}"')[1].split("</tr>")[0]
    assert "Revoked" in row and "<button" not in row
    client.logout()
    assert client.get(sharing.link_path(token)).status_code == 404


def test_revoking_needs_the_csrf_token(cast):
    link, token = sharing.create_link(cast["report"], label="For Acme")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast["people"][Role.OWNER].user)
    assert strict.post(share_url(cast, link.pk, "revoke")).status_code == 403
    assert sharing.find(token) == link


@pytest.mark.parametrize("role", [Role.ANALYST, Role.CLIENT])
def test_analysts_and_clients_cannot_make_see_or_revoke_links(client, cast, role):
    cast["report"].clients_may_view = True
    cast["report"].save()
    link, token = sharing.create_link(cast["report"], label="For Acme")
    client.force_login(cast["people"][role].user)
    assert client.get(share_url(cast)).status_code == 403
    assert client.post(share_url(cast), {"label": "Mine"}).status_code == 403
    assert client.post(share_url(cast, link.pk, "revoke")).status_code == 403
    assert ShareLink.objects.get() == link and sharing.find(token) == link
    report_page = page_text(client.get(f"/w/{cast['workspace'].slug}/reports/{link.report_id}/"))
    assert share_url(cast) not in report_page


def test_the_report_page_links_share_for_managers(client, cast):
    client.force_login(cast["people"][Role.MANAGER].user)
    page = page_text(client.get(f"/w/{cast['workspace'].slug}/reports/{cast['report'].pk}/"))
    assert f'href="{share_url(cast)}">Share</a>' in page


def test_another_workspaces_links_are_out_of_reach(client, cast):
    theirs = Report.objects.create(workspace=WorkspaceFactory(), title="Theirs", sections=["kpis"])
    link, token = sharing.create_link(theirs, label="Their link")
    client.force_login(cast["people"][Role.OWNER].user)
    slug = cast["workspace"].slug
    assert client.get(f"/w/{slug}/reports/{theirs.pk}/share/").status_code == 404
    # Their link's id under our report: still not ours.
    assert client.post(share_url(cast, link.pk, "revoke")).status_code == 404
    assert sharing.find(token) == link


@pytest.mark.parametrize(
    "data, message",
    [
        ({"label": ""}, "This field is required"),
        ({"label": "x" * 201}, "at most 200 characters"),
        ({"label": "Late", "expires_on": "1999-12-31"}, "Choose a date from"),
        ({"label": "Late", "expires_on": "not a date"}, "Enter a valid date"),
        ({"label": "Late", "expires_on": "9999-12-31"}, "Choose a date up to"),
    ],
)
def test_bad_share_input_is_a_400_with_the_message(client, cast, data, message):
    client.force_login(cast["people"][Role.OWNER].user)
    response = client.post(share_url(cast), data)
    assert response.status_code == 400 and message in page_text(response)
    assert not ShareLink.objects.exists()


def test_a_past_last_day_is_refused(client, cast):
    client.force_login(cast["people"][Role.OWNER].user)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(share_url(cast), {"label": "Late", "expires_on": yesterday})
    assert response.status_code == 400 and "Choose today or a later day." in page_text(response)


def test_labels_are_escaped(client, cast):
    sharing.create_link(cast["report"], label="<script>alert(1)</script>")
    client.force_login(cast["people"][Role.OWNER].user)
    page = page_text(client.get(share_url(cast)))
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
