"""Bad input is a 400 with a message (or a 404 for an id nobody may see), never a 500.

Table-driven: every page of dashboard/urls.py and accounts/urls.py has an entry naming its GET
parameters and form fields, and each of them gets every value of BAD_VALUES in turn. A page
added later without an entry fails test_every_page_has_an_entry. The test client re-raises a
view's exception, so a 500 shows up with its traceback.
"""

import datetime
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from accounts.models import Invitation, Membership
from dashboard.agency import AgencySort
from dashboard.audience import AudienceFilters
from dashboard.ayrshare.sandbox import start_sandbox
from dashboard.filters import PostFilters
from dashboard.queries import encode_cursor
from dashboard.reports import sharing
from dashboard.reports.forms import ReportForm, ScheduleForm
from dashboard.reports.models import SECTION_KEYS, Recipient, Report, ReportFile, Send
from dashboard.views import OverviewOptions
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory
from tests.urls import fill, project_patterns

Role = Membership.Role
TOKEN = "fuzz-invitation-token"
HUGE = "99999999999999999999"

BAD_VALUES = [
    "",
    " ",
    "abc",
    "0",
    "-1",
    "+1",
    "1.5",
    "1e309",
    "NaN",
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # int() says 12
    "9223372036854775808",  # 2**63: one past the 64-bit range
    HUGE,
    "9" * 5000,  # past int()'s digit limit
    "0001-01-01",
    "9999-12-31",
    "1100-01-01",
    "10000-01-01",
    "\x00",
    "<script>alert(1)</script>",
    "%ff",
    "[]",
    # Well-formed page tokens (?after=, ?before=) that name impossible rows.
    encode_cursor("0001-01-01T00:00:00+14:00", 1, 2),
    encode_cursor("9999-12-31T23:59:59-12:00", 1, 2),
    encode_cursor(10**30, 2**70, 10**12),
    encode_cursor(1e308, 1, 2),
]


@dataclass
class Page:
    """What a page reads: GET parameters, POST fields, and who asks."""

    get: list = field(default_factory=list)
    post: list = field(default_factory=list)
    method: str = "get"  # how a page without parameters is asked
    anonymous: bool = False


POST_FILTERS = list(PostFilters.base_fields)
PROFILE_FIELDS = ["title", "platforms", "color", "profile_key", "remove_profile_key"]
SECRETS = ["api_key", "x_api_key", "x_api_secret"]
REPORT_FIELDS = [*ReportForm.base_fields, *(f"order_{key}" for key in SECTION_KEYS)]

PAGES = {
    # dashboard/urls.py
    "start": Page(),
    "home": Page(get=POST_FILTERS + list(OverviewOptions.base_fields)),
    "posts": Page(get=POST_FILTERS),
    "posts_export": Page(get=[*POST_FILTERS, "excel"]),
    "posts_columns": Page(post=["columns", "next"]),
    "post_detail": Page(),
    "agency": Page(get=["range", "start", "end", *AgencySort.base_fields]),
    "audience": Page(get=list(AudienceFilters.base_fields)),
    "sync_status": Page(get=["seen", "page"]),
    "sync_refresh": Page(post=["profile", "seen", "page"]),
    "reports": Page(),
    "report_new": Page(post=REPORT_FIELDS),
    "report": Page(),
    "report_edit": Page(post=REPORT_FIELDS),
    "report_delete": Page(method="post"),
    "report_schedule": Page(post=list(ScheduleForm.base_fields)),
    "recipient_resubscribe": Page(method="post"),
    "report_sends": Page(),
    "send_pdf": Page(),
    "send_approve": Page(method="post"),
    "send_skip": Page(method="post"),
    "report_unsubscribe": Page(method="post", anonymous=True),
    "report_share": Page(post=["label", "password", "expires_on"]),
    "share_link_revoke": Page(method="post"),
    "shared_report": Page(post=["password"], anonymous=True),
    "report_pdf": Page(post=["paper"]),
    "report_pdf_status": Page(),
    "report_pdf_download": Page(),
    "report_print": Page(anonymous=True),
    "profile_matches": Page(get=["profiles", "profile_search"]),
    "healthz": Page(anonymous=True),
    # accounts/urls.py
    "login": Page(post=["username", "password"], anonymous=True),
    "logout": Page(method="post"),
    "password_change": Page(post=["old_password", "new_password1", "new_password2"]),
    "password_change_done": Page(),
    "password_reset": Page(post=["email"], anonymous=True),
    "password_reset_done": Page(anonymous=True),
    "password_reset_confirm": Page(post=["new_password1", "new_password2"], anonymous=True),
    "password_reset_complete": Page(anonymous=True),
    "workspace_new": Page(post=["name"]),
    "workspace_settings": Page(
        post=["name", "logo", *SECRETS, *(f"remove_{name}" for name in SECRETS)]
    ),
    "workspace_logo_remove": Page(method="post"),
    "workspace_logo": Page(anonymous=True),
    "test_connection": Page(get=["profile"], post=["profile"]),
    "profiles": Page(get=["archived"]),
    "profile_add": Page(post=PROFILE_FIELDS),
    "profile_edit": Page(post=PROFILE_FIELDS),
    "profile_archive": Page(method="post"),
    "profile_remove": Page(),
    "profiles_import": Page(get=["load"], post=["pick_fuzz-ref", "key_fuzz-ref"]),
    "members": Page(),
    "invite": Page(post=["email", "role", "profiles"]),
    "member_update": Page(post=["role", "profiles"]),
    "member_remove": Page(method="post"),
    "invitation_revoke": Page(method="post"),
    "invitation": Page(post=["username", "email", "password1", "password2"], anonymous=True),
}


def url_names():
    return {pattern.name for _, pattern in project_patterns() if pattern.name}


def test_every_page_has_an_entry():
    assert url_names() == set(PAGES)


@pytest.fixture(autouse=True)
def private_cache(settings):
    # The sign-in form gets hundreds of bad names from 127.0.0.1 here: counted in the shared
    # Redis, they would lock that address out of every other test's sign-in for the window.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fuzz"}
    }


@pytest.fixture(scope="module")
def sandbox():
    """Ayrshare for the pages that call it (test connection, import), on 127.0.0.1."""
    with start_sandbox(profiles=1, posts=2, seed=1) as running:
        yield running


@pytest.fixture
def cast(db, sandbox, settings):
    settings.AYRSHARE_API_URL = sandbox.url
    owner = MembershipFactory(role=Role.OWNER)
    workspace = owner.workspace
    workspace.api_key = sandbox.keys()["apiKey"]
    workspace.save()
    profile = ProfileFactory(workspace=workspace)
    analyst = MembershipFactory(workspace=workspace, role=Role.ANALYST)
    invitation = Invitation.objects.create(
        workspace=workspace,
        email="new@example.com",
        role=Role.ANALYST,
        token_hash=Invitation.hash_token(TOKEN),
        expires_at="2099-01-01T00:00:00Z",
    )
    report = Report.objects.create(workspace=workspace, title="Fuzzed", sections=["kpis"])
    day = datetime.date(2026, 3, 1)
    return {
        "owner": owner,
        "workspace": workspace,
        "profile": profile,
        "post": PlatformPostFactory(profile=profile),
        "analyst": analyst,
        "invitation": invitation,
        "report": report,
        "send": Send.objects.create(report=report, due_at="2026-06-01T07:00:00Z"),
        "recipient": Recipient.objects.create(report=report, email="fuzz@example.com"),
        "share": sharing.create_link(report, label="Fuzzed", password="pw"),
        "file": ReportFile.objects.create(
            report=report, paper="A4", first=day, last=day, as_of=day, status="ready", pdf=b"%PDF"
        ),
    }


def path_of(name, cast, **values):
    route = next(route for route, pattern in project_patterns() if pattern.name == name)
    defaults = {
        "workspace": cast["workspace"].slug,
        "profile_id": cast["profile"].pk,
        "post_id": cast["post"].pk,
        "membership_id": cast["analyst"].pk,
        "invitation_id": cast["invitation"].pk,
        "report_id": cast["report"].pk,
        "send_id": cast["send"].pk,
        "recipient_id": cast["recipient"].pk,
        "link_id": cast["share"][0].pk,
        # The shared report's password form, not its "link not valid" page, gets the values.
        "token": cast["share"][1] if name == "shared_report" else TOKEN,
        "file_id": cast["file"].pk,
        "uidb64": "MQ",
        "sha256": "0" * 64,
        "extension": "png",
    }
    return fill(route, **{**defaults, **values})


def ask(client, page, cast, path, method, data):
    client.logout()
    if not page.anonymous:
        client.force_login(cast["owner"].user)
    return getattr(client, method)(path, data)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_value_of_any_parameter_or_field_is_a_500(client, cast, name):
    page = PAGES[name]
    path = path_of(name, cast)
    asked = [("get", parameter) for parameter in page.get]
    asked += [("post", parameter) for parameter in page.post]
    if not asked:
        asked = [(page.method, None)]
    for method, parameter in asked:
        for value in BAD_VALUES if parameter else [None]:
            data = {parameter: value} if parameter else {}
            response = ask(client, page, cast, path, method, data)
            # Not 500; /healthz may answer 503 on purpose, when Redis is not there.
            assert response.status_code != 500, (name, method, parameter, value)


INT_PARAMETERS = (
    "profile_id",
    "post_id",
    "membership_id",
    "invitation_id",
    "send_id",
    "recipient_id",
    "report_id",
    "link_id",
    "file_id",
)


@pytest.mark.parametrize("value", ["9223372036854775808", HUGE])
def test_an_id_past_64_bits_in_a_path_is_a_404(client, cast, value):
    client.force_login(cast["owner"].user)
    routes = [
        (route, pattern)
        for route, pattern in project_patterns()
        if "<int:" in route and pattern.name
    ]
    assert routes
    for route, pattern in routes:
        parameter = next(name for name in INT_PARAMETERS if f"<int:{name}>" in route)
        path = path_of(pattern.name, cast, **{parameter: value})
        # POST: every one of them takes it, and loads its row before reading any field.
        assert client.post(path).status_code == 404, path


# The inputs issue 17 reported as 500s, each with the message it now gets.
FROM_2000 = "Choose a date from Jan 1, 2000 on."
UP_TO = "Choose a date up to"
DAMAGED = "This page link is damaged or out of date"
REPORTED = [
    ("home", "?range=custom&start=0001-01-01", FROM_2000),
    ("home", "?range=custom&start=1100-01-01&end=2026-12-01&every=day", FROM_2000),
    ("home", "?end=9999-12-31", UP_TO),
    ("posts", "?start=0001-01-01", FROM_2000),
    ("posts", "?range=custom&end=9999-12-31", UP_TO),
    ("posts_export", "?start=0001-01-01", FROM_2000),
    ("posts_export", "?end=9999-12-31", UP_TO),
    ("agency", "?start=0001-01-01", FROM_2000),
    ("agency", "?end=9999-12-31", UP_TO),
    ("agency", "?end=0001-01-01", FROM_2000),
    ("posts", f"?after={encode_cursor('0001-01-01T00:00:00+14:00', 1, 2)}", DAMAGED),
    ("posts", f"?before={encode_cursor('9999-12-31T23:59:59-12:00', 1, 2)}", DAMAGED),
]


@pytest.mark.parametrize(("name", "query", "message"), REPORTED)
def test_the_reported_query_strings_are_a_400_with_the_message(client, cast, name, query, message):
    client.force_login(cast["owner"].user)
    response = client.get(path_of(name, cast) + query)
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize("htmx", [False, True])
def test_a_malformed_profile_id_to_refresh_or_test_is_refused_with_the_message(client, cast, htmx):
    client.force_login(cast["owner"].user)
    headers = {"HX-Request": "true"} if htmx else {}
    for name in ("sync_refresh", "test_connection"):
        response = client.post(path_of(name, cast), {"profile": "²"}, headers=headers)
        # htmx swaps no 4xx answer: the fragment says it in place with a 200.
        assert response.status_code == (200 if htmx else 400), name
        assert "“²” is not a profile id." in response.content.decode(), name


@pytest.mark.parametrize("name", ["invite", "member_update"])
def test_a_profile_id_past_64_bits_in_a_member_form_is_a_400(client, cast, name):
    client.force_login(cast["owner"].user)
    data = {"email": "x@example.com", "role": Role.CLIENT, "profiles": [HUGE]}
    response = client.post(path_of(name, cast), data)
    assert response.status_code == 400
    assert f"{HUGE} is not one of the available choices" in response.content.decode()


def test_an_end_before_the_first_post_shows_one_day_rather_than_failing(client, cast):
    client.force_login(cast["owner"].user)
    for name in ("home", "agency"):
        response = client.get(reverse(name, args=[cast["workspace"].slug]) + "?end=2000-01-01")
        assert response.status_code == 200, name
