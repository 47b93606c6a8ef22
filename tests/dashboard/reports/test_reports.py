import datetime
import re
import zoneinfo
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from accounts.models import Membership, Workspace
from dashboard import rezone
from dashboard.models import AccountMetrics, ShortLink
from dashboard.reports import periods
from dashboard.reports.branding import BLACK, WHITE, contrast, text_color
from dashboard.reports.models import SECTION_KEYS, Report
from tests.accounts.factories import MembershipFactory, ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import PlatformPostFactory, at, days_ago

pytestmark = pytest.mark.django_db
Role = Membership.Role
SECRET_B = "UNASSIGNED-PROFILE-SECRET-POST"


@pytest.fixture
def cast(db):
    """A workspace with one person per role and two profiles: the client sees only A."""
    workspace = WorkspaceFactory()
    a = ProfileFactory(workspace=workspace, title="Profile A")
    b = ProfileFactory(workspace=workspace, title="Profile B")
    people = {role: MembershipFactory(workspace=workspace, role=role) for role in Role.values}
    people[Role.CLIENT].profiles.add(a)
    PlatformPostFactory(profile=b, text=SECRET_B, engagements=3)
    return {"workspace": workspace, "a": a, "b": b, "people": people}


def make_report(workspace, profiles=(), **fields):
    fields.setdefault("title", "Monthly report")
    fields.setdefault("sections", list(SECTION_KEYS))
    report = Report.objects.create(workspace=workspace, **fields)
    report.profiles.set(profiles)
    return report


def url(workspace, *parts):
    return "/".join([f"/w/{workspace.slug}/reports", *map(str, parts), ""]).replace("//", "/")


def form_data(**overrides):
    data = {
        "title": "Acme monthly",
        "period_rule": periods.LAST_MONTH,
        "comparison": periods.PREVIOUS_PERIOD,
        "accent_color": "#1d4ed8",
        "prepared_by": "Jo at the agency",
        "commentary": "A strong month.",
        "goals": "More reach.",
        **{f"order_{key}": str(n) for n, key in enumerate(SECTION_KEYS, start=1)},
    }
    data.update(overrides)
    return data


# Who may do what


def test_owners_and_managers_create_reports_with_sections_in_their_order(client, cast):
    for role in (Role.OWNER, Role.MANAGER):
        client.force_login(cast["people"][role].user)
        response = client.post(
            url(cast["workspace"], "new"),
            form_data(
                title=f"By {role}",
                profiles=[cast["a"].pk],
                order_kpis="2",
                order_goals="1",
                order_heatmap="",
            ),
        )
        report = Report.objects.get(title=f"By {role}")
        assert response.status_code == 302
        assert response["Location"] == url(cast["workspace"], report.pk)
        assert report.sections[:2] == ["goals", "kpis"]
        assert "heatmap" not in report.sections
        assert list(report.profiles.all()) == [cast["a"]]


def test_analysts_and_clients_cannot_create_edit_or_delete(client, cast):
    report = make_report(cast["workspace"], clients_may_view=True, profiles=[cast["a"]])
    for role in (Role.ANALYST, Role.CLIENT):
        client.force_login(cast["people"][role].user)
        assert client.get(url(cast["workspace"], "new")).status_code == 403
        assert client.post(url(cast["workspace"], "new"), form_data()).status_code == 403
        edit = client.post(url(cast["workspace"], report.pk, "edit"), form_data(title="x"))
        assert edit.status_code == 403
        assert client.post(url(cast["workspace"], report.pk, "delete")).status_code == 403
    report.refresh_from_db()
    assert report.title == "Monthly report"


def test_an_owner_edits_and_deletes_a_report(client, cast):
    report = make_report(cast["workspace"])
    client.force_login(cast["people"][Role.OWNER].user)
    client.post(url(cast["workspace"], report.pk, "edit"), form_data(title="Renamed"))
    report.refresh_from_db()
    assert report.title == "Renamed"
    assert client.get(url(cast["workspace"], report.pk, "delete")).status_code == 405
    response = client.post(url(cast["workspace"], report.pk, "delete"))
    assert response.status_code == 302
    assert not Report.objects.filter(pk=report.pk).exists()


def test_analysts_view_every_report_of_the_workspace(client, cast):
    report = make_report(cast["workspace"], profiles=[cast["b"]])
    client.force_login(cast["people"][Role.ANALYST].user)
    assert report.title in client.get(url(cast["workspace"])).content.decode()
    assert client.get(url(cast["workspace"], report.pk)).status_code == 200


def test_clients_see_only_allowed_reports_of_their_own_profiles(client, cast):
    mine = make_report(cast["workspace"], [cast["a"]], title="Mine", clients_may_view=True)
    not_shared = make_report(cast["workspace"], [cast["a"]], title="Not shared")
    with_b = make_report(
        cast["workspace"], [cast["a"], cast["b"]], title="With B", clients_may_view=True
    )
    everything = make_report(cast["workspace"], title="Everything", clients_may_view=True)
    client.force_login(cast["people"][Role.CLIENT].user)

    listing = client.get(url(cast["workspace"])).content.decode()
    assert "Mine" in listing
    for hidden in (not_shared, with_b, everything):
        assert hidden.title not in listing
        assert client.get(url(cast["workspace"], hidden.pk)).status_code == 404
    page = client.get(url(cast["workspace"], mine.pk))
    assert page.status_code == 200
    assert SECRET_B not in page.content.decode()


def test_a_report_of_only_archived_profiles_never_shows_the_other_profiles(client, cast):
    cast["a"].archived_at = timezone.now()
    cast["a"].save()
    report = make_report(
        cast["workspace"],
        [cast["a"]],
        clients_may_view=True,
        period_rule=periods.CUSTOM,
        start=days_ago(5),
        end=days_ago(0),
    )
    for role in (Role.OWNER, Role.CLIENT):
        client.force_login(cast["people"][role].user)
        page = client.get(url(cast["workspace"], report.pk))
        assert page.status_code == 200
        assert SECRET_B not in page.content.decode()
        assert "this report’s profiles are archived" in page.content.decode()
        numbers = Numbers(page.content.decode()).found
        assert numbers["data-kpi", "posts-published"].startswith("Posts published 0 ")


def test_another_workspaces_report_is_a_404_for_every_action(client, cast):
    other = make_report(WorkspaceFactory(), title="Their report")
    client.force_login(cast["people"][Role.OWNER].user)
    for parts in ((other.pk,), (other.pk, "edit")):
        assert client.get(url(cast["workspace"], *parts)).status_code == 404
    assert client.post(url(cast["workspace"], other.pk, "delete")).status_code == 404
    assert Report.objects.filter(pk=other.pk).exists()


def test_deleting_needs_the_csrf_token(cast):
    from django.test import Client

    report = make_report(cast["workspace"])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast["people"][Role.OWNER].user)
    assert strict.post(url(cast["workspace"], report.pk, "delete")).status_code == 403
    assert Report.objects.filter(pk=report.pk).exists()


# Bad input


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"period_rule": "custom"}, "Custom dates need both"),
        (
            {"period_rule": "custom", "start": "2026-03-01", "end": "2026-02-01"},
            "is after the",
        ),
        ({"period_rule": "custom", "start": "0001-01-01", "end": "2026-02-01"}, "Choose a date"),
        ({"period_rule": "custom", "start": "not a date", "end": "2026-02-01"}, "valid date"),
        ({"period_rule": "fortnight"}, "Select a valid choice"),
        ({"comparison": "yesterday"}, "Select a valid choice"),
        ({"accent_color": "red"}, "six hex digits"),
        ({"accent_color": "#12345g"}, "six hex digits"),
        ({"profiles": ["99999999999999999999"]}, "no profile"),
        ({"profiles": ["abc"]}, "is not a valid value"),
        ({"order_kpis": "0"}, "greater than or equal to 1"),
        ({"order_kpis": "1e309"}, "Enter a whole number"),
        ({**{f"order_{key}": "" for key in SECTION_KEYS}}, "Choose at least one section"),
        ({"title": ""}, "This field is required"),
    ],
)
def test_bad_input_is_a_400_with_the_message(client, cast, overrides, message):
    client.force_login(cast["people"][Role.OWNER].user)
    response = client.post(url(cast["workspace"], "new"), form_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Report.objects.exists()


def test_another_workspaces_profile_cannot_be_chosen(client, cast):
    theirs = ProfileFactory()
    client.force_login(cast["people"][Role.OWNER].user)
    response = client.post(url(cast["workspace"], "new"), form_data(profiles=[theirs.pk]))
    assert response.status_code == 400
    assert f"This workspace has no profile {theirs.pk}." in response.content.decode()


def test_an_unknown_section_is_refused_by_the_model():
    report = Report(title="x", sections=["kpis", "horoscope"])
    with pytest.raises(Exception, match="Unknown section: horoscope"):
        report.full_clean(exclude=["workspace"])


def test_a_report_never_shows_a_section_it_does_not_know(client, cast):
    report = make_report(cast["workspace"], sections=["commentary", "horoscope"])
    client.force_login(cast["people"][Role.OWNER].user)
    assert client.get(url(cast["workspace"], report.pk)).status_code == 200


def test_text_is_escaped(client, cast):
    report = make_report(
        cast["workspace"],
        title="<script>alert(1)</script>",
        commentary="<img src=x onerror=alert(1)>",
        prepared_by="<b>bold</b>",
    )
    client.force_login(cast["people"][Role.OWNER].user)
    page = client.get(url(cast["workspace"], report.pk)).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page
    assert "<b>bold</b>" not in page


# Branding


@pytest.mark.parametrize("accent", ["#1d4ed8", "#ffff00", "#777777", "#767676", "#000000"])
def test_the_heading_text_reads_at_aa_on_any_accent(accent):
    assert contrast(accent, text_color(accent)) >= 4.5


def test_dark_accents_get_white_text_and_light_ones_black():
    assert text_color("#1d4ed8") == WHITE
    assert text_color("#fde047") == BLACK


# The same numbers as the overview


class Numbers(HTMLParser):
    """The text of every element that carries one of the overview's stable data attributes
    (or the freshness line), keyed by attribute and value."""

    KEYS = (
        "data-kpi",
        "data-day",
        "data-post",
        "data-slot",
        "data-network",
        "data-links",
        "data-link",
    )

    def __init__(self, html):
        super().__init__()
        self.found, self.open = {}, []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for element in self.open:
            if element["tag"] == tag:
                element["depth"] += 1
        key = next(((k, attrs[k]) for k in self.KEYS if k in attrs), None)
        if key is None and "freshness" in (attrs.get("class") or "").split():
            key = ("freshness", "")
        if key is not None:
            self.open.append({"tag": tag, "key": key, "depth": 1, "text": []})

    def handle_endtag(self, tag):
        for element in list(self.open):
            if element["tag"] == tag:
                element["depth"] -= 1
                if element["depth"] == 0:
                    self.open.remove(element)
                    # Text nodes apart: a table's cells must not run together into one number.
                    text = " ".join(" ".join(element["text"]).split())
                    assert element["key"] not in self.found, element["key"]
                    self.found[element["key"]] = text

    def handle_data(self, data):
        for element in self.open:
            element["text"].append(data)


@pytest.fixture
def history(cast):
    """Posts of both profiles over the last 100 days (some without impressions, which the
    coverage line counts) and follower counts, so every card and table has numbers."""
    for n in range(0, 100, 3):
        for profile, platform in ((cast["a"], "facebook"), (cast["b"], "instagram")):
            PlatformPostFactory(
                profile=profile,
                platform=platform,
                published_at=at(days_ago(n), hour=8 + n % 10),
                impressions=None if n % 4 == 0 else 100 + n,
                reach=50 + n,
                engagements=5 + n % 7,
                last_updated=at(days_ago(1)),
            )
    for n in (95, 60, 35, 10, 0):
        for profile in (cast["a"], cast["b"]):
            AccountMetrics.objects.create(
                profile=profile, platform="facebook", date=days_ago(n), followers=1000 - n
            )
    for n in range(0, 100, 7):
        for profile in (cast["a"], cast["b"]):
            ShortLink.objects.create(
                profile=profile,
                link_id=f"{profile.pk}-{n}",
                short_url=f"https://shrtn.example/{profile.pk}{n}",
                clicks=None if n == 14 else 300 * n + 7,
                created_at=at(days_ago(n)),
                synced_at=at(days_ago(0)),
            )
    return cast


def overview_numbers(client, workspace, first, last, profiles):
    query = f"?range=custom&start={first:%Y-%m-%d}&end={last:%Y-%m-%d}"
    query += "".join(f"&profiles={p.pk}" for p in profiles)
    response = client.get(f"/w/{workspace.slug}/{query}")
    assert response.status_code == 200
    return Numbers(response.content.decode()).found


def report_numbers(client, report):
    response = client.get(url(report.workspace, report.pk))
    assert response.status_code == 200
    return Numbers(response.content.decode()).found


def spring_forward(zone_name):
    """The workspace in a zone with DST, with posts either side of local midnight around the
    latest past spring-forward day; returns the days (day before it - 3, day after + 3)."""
    zone = zoneinfo.ZoneInfo(zone_name)
    today = timezone.localdate()
    day = next(  # the latest past day shorter than 24 hours
        today - datetime.timedelta(days=n)
        for n in range(1, 400)
        if _length(today - datetime.timedelta(days=n), zone) < datetime.timedelta(hours=24)
    )
    return day, zone


def _length(day, zone):
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, zone)
    return end.astimezone(datetime.UTC) - start.astimezone(datetime.UTC)


def in_dst_zone(history, zone_name):
    """Move the workspace to the zone, post around its spring-forward day, rebuild the rollups;
    the period is the week around that day."""
    day, zone = spring_forward(zone_name)
    workspace = history["workspace"]
    for n, minutes in enumerate((-30, 30, 24 * 60 - 90, 24 * 60 - 30, 24 * 60 + 30)):
        # Minutes from the local midnight that starts the short day: either side of midnight
        # that day and the next, and 23:30 of the 23-hour day itself.
        # In UTC: adding minutes to a zoned time would add wall-clock time across the jump.
        start = datetime.datetime.combine(day, datetime.time.min, zone).astimezone(datetime.UTC)
        for profile in (history["a"], history["b"]):
            PlatformPostFactory(
                profile=profile,
                published_at=start + datetime.timedelta(minutes=minutes),
                impressions=None if n == 2 else 100 + n,
                reach=50 + n,
                engagements=5 + n,
                last_updated=start,
            )
    Workspace.objects.filter(pk=workspace.pk).update(time_zone=zone_name)
    rezone.rebuild_workspace(workspace.pk)
    workspace.refresh_from_db()
    assert not workspace.recounting
    return workspace, day - datetime.timedelta(days=3), day + datetime.timedelta(days=3)


@pytest.mark.parametrize(
    "rule, dates, which",
    [
        (periods.LAST_MONTH, None, "a"),
        (periods.LAST_MONTH, None, "all"),
        (periods.CUSTOM, (70, 5), "a"),
        (periods.CUSTOM, (40, 0), "all"),
        (periods.LAST_28_DAYS, None, "both"),
        (periods.QUARTER_TO_DATE, None, "all"),
        # The week around the spring-forward day of a zone with DST (a 23-hour day).
        (periods.CUSTOM, "America/New_York", "all"),
    ],
)
def test_every_number_of_the_report_is_the_overviews(client, history, rule, dates, which):
    workspace = history["workspace"]
    chosen = {"a": [history["a"]], "both": [history["a"], history["b"]], "all": []}[which]
    if isinstance(dates, str):
        workspace, start, end = in_dst_zone(history, dates)
    else:
        start, end = (days_ago(dates[0]), days_ago(dates[1])) if dates else (None, None)
    report = make_report(workspace, chosen, period_rule=rule, start=start, end=end)
    first, last = periods.period(rule, timezone.localdate(), start, end)
    client.force_login(history["people"][Role.OWNER].user)

    shown = report_numbers(client, report)
    expected = overview_numbers(client, workspace, first, last, chosen)

    kpis = [key for key in shown if key[0] == "data-kpi"]
    assert len(kpis) == 8  # six post cards and two follower cards
    assert any(key[0] == "data-day" for key in shown)
    assert any(key[0] == "data-post" for key in shown)
    assert any(key[0] == "data-slot" for key in shown)
    networks = {key[1] for key in shown if key[0] == "data-network"}
    # Profile A posts on Facebook only; the DST week holds only the factory's Facebook posts.
    only_a = which == "a" or isinstance(dates, str)
    assert networks == ({"facebook"} if only_a else {"facebook", "instagram"})
    assert ("data-links", "summary") in shown
    assert shown == expected
    # Numbers, not only dashes: coverage lines and an "as of" time.
    assert re.search(r"\d+ of \d+ posts", shown["data-kpi", "reach"])
    assert "Post numbers as of —" not in shown["freshness", ""]
    if isinstance(dates, str):
        # The 23-hour day holds its 00:30 and 23:30 posts (engagements 6 + 7, two profiles),
        # not the next day's 00:30, which 24 hours from its midnight would take in.
        day = start + datetime.timedelta(days=3)
        for offset, engagements in ((-1, 10), (0, 26), (1, 34)):
            row = shown["data-day", f"{day + datetime.timedelta(days=offset):%Y-%m-%d}"]
            assert f" {engagements} " in f" {row} ", row


def test_same_period_last_year_compares_with_those_days(client, history):
    workspace = history["workspace"]
    report = make_report(workspace, comparison=periods.LAST_YEAR, period_rule=periods.LAST_MONTH)
    client.force_login(history["people"][Role.OWNER].user)
    first, last = periods.period(periods.LAST_MONTH, timezone.localdate())
    before = periods.comparison(periods.LAST_YEAR, first, last)
    page = client.get(url(workspace, report.pk)).content.decode()
    assert f"compared with {before[0]:%b} {before[0].day}, {before[0].year}" in page
    shown = Numbers(page).found
    # Nothing was posted a year ago: every previous value of the post cards is 0.
    assert "Previous: 0 ·" in shown["data-kpi", "posts-published"]


def test_the_report_shows_only_the_chosen_sections_in_order(client, cast):
    report = make_report(cast["workspace"], sections=["goals", "kpis"], goals="Reach 10k")
    client.force_login(cast["people"][Role.OWNER].user)
    page = client.get(url(cast["workspace"], report.pk)).content.decode()
    assert page.index('id="section-goals"') < page.index('id="section-kpis"')
    assert "Reach 10k" in page
    assert 'id="section-heatmap"' not in page
    assert "chart-engagements" not in page


def test_the_workspace_navigation_links_the_reports(client, cast):
    client.force_login(cast["people"][Role.ANALYST].user)
    page = client.get(f"/w/{cast['workspace'].slug}/").content.decode()
    assert f'href="/w/{cast["workspace"].slug}/reports/"' in page


# Language and number format


EN_DATE = re.compile(r"\b[A-Z][a-z]{2}\s\d{1,2}(?:,\s\d{4})?")
DE_DATE = re.compile(r"\b\d{2}\.\d{2}\.(?:\d{4})?")
NUMBER = {
    "en-us": (re.compile(r"-?\d{1,3}(?:,\d{3})*(?:\.\d+)?|-?\d+(?:\.\d+)?"), ",", "."),
    "de": (re.compile(r"-?\d{1,3}(?:\.\d{3})*(?:,\d+)?|-?\d+(?:,\d+)?"), ".", ","),
}


def values(text, locale):
    """The numbers of a text as the locale writes them, dates left out (they are not numbers
    of the overview, and each locale writes them its own way)."""
    text = EN_DATE.sub(" ", text)
    if locale == "de":
        text = DE_DATE.sub(" ", text)
    pattern, thousands, decimal = NUMBER[locale]
    return [
        float(token.replace(thousands, "").replace(decimal, ".")) for token in pattern.findall(text)
    ]


def test_a_report_in_german_number_format_shows_the_overviews_numbers(client, history):
    workspace = history["workspace"]
    report = make_report(workspace, period_rule=periods.LAST_28_DAYS, number_format="de")
    first, last = periods.period(periods.LAST_28_DAYS, timezone.localdate())
    client.force_login(history["people"][Role.OWNER].user)

    page = client.get(url(workspace, report.pk)).content.decode()
    shown = Numbers(page).found
    expected = overview_numbers(client, workspace, first, last, [])

    assert shown.keys() == expected.keys()
    for key in expected:
        assert values(shown[key], "de") == values(expected[key], "en-us"), key
    # German separators and dates, and the same numbers written the dashboard's way there.
    impressions = shown["data-kpi", "impressions"]
    assert re.search(r"\b\d{1,3}\.\d{3}\b", impressions), impressions
    assert re.search(r"\b\d{1,3},\d{3}\b", expected["data-kpi", "impressions"])
    assert f"{first:%d.%m.%Y} – {last:%d.%m.%Y}" in page
    assert re.search(r"\d,\d\d %", shown["data-kpi", "engagement-rate"])


@pytest.mark.parametrize(
    "locale, number, date",
    [
        ("en-us", "1,234", "Jan 31, 2026"),
        ("en-gb", "1,234", "31 Jan 2026"),
        ("de", "1.234", "31.01.2026"),
        ("fr", "1\xa0234", "31/01/2026"),
    ],
)
def test_each_number_format_writes_numbers_and_dates_its_way(locale, number, date):
    import datetime

    from dashboard import locales

    with locales.formats(locale):
        assert locales.number(1234) == number
        assert locales.day(datetime.date(2026, 1, 31)) == date
    # Outside the block the dashboard's own way again.
    assert locales.number(1234) == "1,234"


def test_an_english_report_with_german_numbers_names_no_german_month(client, history):
    """Formats follow the active language in Django; a report keeps its words English and
    writes dates of another locale numerically, so no "Dez." slips into English text."""
    workspace = history["workspace"]
    report = make_report(workspace, period_rule=periods.LAST_MONTH, number_format="de")
    client.force_login(history["people"][Role.OWNER].user)
    page = client.get(url(workspace, report.pk)).content.decode()
    assert 'lang="en"' in page or "<html" not in page
    for german in ("Januar", "Februar", "März", "Mai", "Juni", "Juli", "Okt.", "Dez."):
        assert german not in page
    assert "Key numbers" in page


def test_the_form_saves_language_and_number_format(client, cast):
    client.force_login(cast["people"][Role.OWNER].user)
    response = client.post(url(cast["workspace"], "new"), form_data(number_format="fr"))
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.language, report.number_format) == ("en", "fr")
    bad = client.post(url(cast["workspace"], "new"), form_data(number_format="tlh"))
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()
    bad = client.post(url(cast["workspace"], "new"), form_data(language="de"))
    assert bad.status_code == 400


# The per-network table and the links panel


def test_the_networks_rows_add_up_to_the_key_numbers(client, history):
    workspace = history["workspace"]
    report = make_report(workspace, period_rule=periods.LAST_28_DAYS)
    client.force_login(history["people"][Role.OWNER].user)
    shown = report_numbers(client, report)
    posts = [values(shown["data-network", name], "en-us")[0] for name in ("facebook", "instagram")]
    assert sum(posts) == values(shown["data-kpi", "posts-published"], "en-us")[0]
    impressions = [
        values(shown["data-network", name], "en-us")[2] for name in ("facebook", "instagram")
    ]
    assert sum(impressions) == values(shown["data-kpi", "impressions"], "en-us")[0]


def test_links_count_the_clicks_of_links_created_in_the_period(client, history):
    workspace = history["workspace"]
    first, last = days_ago(20), days_ago(0)
    report = make_report(
        workspace, [history["a"]], period_rule=periods.CUSTOM, start=first, end=last
    )
    client.force_login(history["people"][Role.OWNER].user)
    summary = report_numbers(client, report)["data-links", "summary"]
    # Links of A made 0, 7 and 14 days ago; the one of 14 days ago has no clicks reported.
    assert summary.startswith("3 links created · 2,114 clicks · as of")
    assert "as of —" not in summary


@pytest.mark.parametrize(
    "setup, reason",
    [
        ("nothing", "Links have not been synced yet."),
        ("failing", "Links could not be synced"),
        ("synced", "No shortened link was created in the period."),
        ("unreported", "Ayrshare has not reported clicks for these links yet."),
    ],
)
def test_links_without_known_clicks_say_why(client, cast, setup, reason):
    from dashboard.models import SyncState

    if setup == "failing":
        SyncState.objects.create(profile=cast["a"], unit="links", last_error="Plan lacks links")
    if setup == "synced":
        SyncState.objects.create(profile=cast["a"], unit="links", last_success=timezone.now())
    if setup == "unreported":
        ShortLink.objects.create(
            profile=cast["a"], link_id="x", created_at=at(days_ago(1)), synced_at=timezone.now()
        )
    report = make_report(cast["workspace"], [cast["a"]], period_rule=periods.LAST_28_DAYS)
    client.force_login(cast["people"][Role.OWNER].user)
    summary = report_numbers(client, report)["data-links", "summary"]
    assert "— clicks" in summary and reason in summary


def test_the_dashboard_overview_shows_the_same_network_table_and_links(client, history):
    """Not only the report: the overview page itself carries both, so a number means the
    same on every page."""
    client.force_login(history["people"][Role.ANALYST].user)
    first, last = days_ago(27), days_ago(0)
    found = overview_numbers(client, history["workspace"], first, last, [])
    assert {"facebook", "instagram"} <= {key[1] for key in found if key[0] == "data-network"}
    assert found["data-links", "summary"].startswith("8 links created")


def test_a_client_sees_no_other_profiles_links(client, cast):
    ShortLink.objects.create(
        profile=cast["b"],
        link_id="secret",
        short_url="https://shrtn.example/SECRET-B-LINK",
        clicks=99,
        created_at=at(days_ago(1)),
        synced_at=timezone.now(),
    )
    report = make_report(
        cast["workspace"], [cast["a"]], clients_may_view=True, period_rule=periods.LAST_28_DAYS
    )
    client.force_login(cast["people"][Role.CLIENT].user)
    assert "SECRET-B-LINK" not in client.get(url(cast["workspace"], report.pk)).content.decode()
    assert "SECRET-B-LINK" not in client.get(f"/w/{cast['workspace'].slug}/").content.decode()


def test_the_report_header_shows_the_workspace_logo(client, cast):
    from accounts.forms import set_logo
    from tests.accounts.test_logos import png

    report = make_report(cast["workspace"], [cast["a"]], clients_may_view=True)
    client.force_login(cast["people"][Role.CLIENT].user)
    page = client.get(url(cast["workspace"], report.pk)).content.decode()
    assert "report-logo" not in page
    set_logo(cast["workspace"], png(), "image/png")
    page = client.get(url(cast["workspace"], report.pk)).content.decode()
    logo = cast["workspace"].logo_url()
    assert f'<img class="report-logo" src="{logo}" alt="{cast["workspace"].name} logo">' in page
    # The shared link's visitor is signed out: the logo answers without a session.
    client.logout()
    assert client.get(logo).status_code == 200
