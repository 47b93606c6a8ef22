"""The schedule page, the send log and report history as people use them."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Membership
from dashboard.reports import sending
from dashboard.reports.models import Recipient, ReportSchedule, Send
from tests.accounts.factories import MembershipFactory, ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import PlatformPostFactory, at
from tests.dashboard.reports.test_reports import make_report

pytestmark = pytest.mark.django_db
Role = Membership.Role


@pytest.fixture(autouse=True)
def locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIME_ZONE = "Europe/Berlin"


@pytest.fixture
def report(db):
    workspace = WorkspaceFactory()
    profile = ProfileFactory(workspace=workspace, title="Acme")
    return make_report(workspace, [profile], title="Acme monthly")


def as_role(client, report, role):
    client.force_login(MembershipFactory(workspace=report.workspace, role=role).user)
    return client


def schedule_url(report):
    return f"/w/{report.workspace.slug}/reports/{report.pk}/schedule/"


def sends_url(report):
    return f"/w/{report.workspace.slug}/reports/{report.pk}/sends/"


def schedule_form(**overrides):
    data = {
        "frequency": "monthly",
        "monthly_on": "day",
        "day_of_month": "31",
        "weekday": "",
        "time_of_day": "09:00",
        "recipients": "ann@client.test, bob@client.test\ncarla@client.test",
        "auto_hold": "on",
        "hold_days": "3",
    }
    data.update(overrides)
    return data


def test_a_manager_schedules_a_report_and_sees_the_next_three_sends_in_the_zone(client, report):
    as_role(client, report, Role.MANAGER)
    response = client.post(schedule_url(report), schedule_form())
    assert response.status_code == 302
    saved = ReportSchedule.objects.get(report=report)
    assert (saved.frequency, saved.day_of_month, saved.weekday) == ("monthly", 31, None)
    assert sorted(report.recipients.values_list("email", flat=True)) == [
        "ann@client.test",
        "bob@client.test",
        "carla@client.test",
    ]
    page = client.get(schedule_url(report)).text
    assert "Monthly on the 31st (the last day in shorter months) at 09:00 Europe/Berlin" in page
    upcoming = sending.next_sends(saved)
    assert len(upcoming) == 3
    for moment in upcoming:
        local = timezone.localtime(moment)
        assert (local.hour, local.minute) == (9, 0)
        assert f'datetime="{moment.isoformat()}"' in page


def test_first_weekday_of_the_month_is_saved_as_a_weekday_without_a_day(client, report):
    as_role(client, report, Role.OWNER)
    data = schedule_form(monthly_on="first", day_of_month="", weekday="0")
    assert client.post(schedule_url(report), data).status_code == 302
    saved = ReportSchedule.objects.get(report=report)
    assert (saved.day_of_month, saved.weekday) == (None, 0)
    assert "Monthly on the first Monday" in client.get(schedule_url(report)).text


def test_each_bad_address_gets_its_own_message_and_nothing_is_saved(client, report):
    as_role(client, report, Role.MANAGER)
    data = schedule_form(recipients="ann@client.test, not-an-address\nbob@@client.test")
    response = client.post(schedule_url(report), data)
    assert response.status_code == 400
    assert "“not-an-address” is not an email address." in response.text
    assert "“bob@@client.test” is not an email address." in response.text
    assert not ReportSchedule.objects.filter(report=report).exists()
    assert not report.recipients.exists()


def test_a_weekly_schedule_without_a_weekday_says_so(client, report):
    as_role(client, report, Role.MANAGER)
    response = client.post(schedule_url(report), schedule_form(frequency="weekly"))
    assert response.status_code == 400
    assert "A weekly schedule needs a weekday." in response.text


def test_a_schedule_without_recipients_is_refused(client, report):
    as_role(client, report, Role.MANAGER)
    response = client.post(schedule_url(report), schedule_form(recipients=""))
    assert response.status_code == 400
    assert "needs at least one recipient" in response.text


def test_the_schedule_page_shows_who_unsubscribed_and_a_manager_re_adds_them(client, report):
    as_role(client, report, Role.MANAGER)
    client.post(schedule_url(report), schedule_form())
    ann = report.recipients.get(email="ann@client.test")
    sending.unsubscribe(ann)
    page = client.get(schedule_url(report)).text
    assert "<strong>unsubscribed</strong>" in page
    # Saving the form again keeps her unsubscribed: only the button re-adds her.
    client.post(schedule_url(report), schedule_form())
    ann.refresh_from_db()
    assert ann.unsubscribed_at is not None
    url = f"{schedule_url(report)}recipients/{ann.pk}/resubscribe/"
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    ann.refresh_from_db()
    assert ann.unsubscribed_at is None


def test_removing_an_address_from_the_list_removes_it(client, report):
    as_role(client, report, Role.MANAGER)
    client.post(schedule_url(report), schedule_form())
    client.post(schedule_url(report), schedule_form(recipients="bob@client.test"))
    assert list(report.recipients.values_list("email", flat=True)) == ["bob@client.test"]


@pytest.mark.parametrize("role", [Role.ANALYST, Role.CLIENT])
def test_only_managers_change_a_schedule(client, report, role):
    as_role(client, report, role)
    assert client.get(schedule_url(report)).status_code == 403
    assert client.post(schedule_url(report), schedule_form()).status_code == 403
    assert not ReportSchedule.objects.exists()


def test_another_workspaces_report_has_no_schedule_or_send_log_for_you(client, report):
    outsider = MembershipFactory(role=Role.OWNER)
    client.force_login(outsider.user)
    other = f"/w/{outsider.workspace.slug}/reports/{report.pk}/"
    assert client.get(f"{other}schedule/").status_code == 404
    assert client.get(f"{other}sends/").status_code == 404
    assert client.get(schedule_url(report)).status_code == 404


def sent(report, due_at, numbers, **fields):
    return Send.objects.create(
        report=report,
        due_at=due_at,
        status=Send.SENT,
        sent_at=due_at,
        recipients=["ann@client.test"],
        first=datetime.date(2026, 3, 1),
        last=datetime.date(2026, 3, 31),
        pdf=b"%PDF-1.4 march",
        pdf_name="acme-monthly-report-2026-03.pdf",
        numbers=numbers,
        **fields,
    )


def test_the_send_log_answers_what_did_we_send_in_march(client, report):
    march = sent(
        report,
        datetime.datetime(2026, 4, 1, 7, 0, tzinfo=datetime.UTC),
        [{"label": "Engagements", "value": 1234, "percent": False}],
    )
    Send.objects.create(
        report=report,
        due_at=datetime.datetime(2026, 5, 1, 7, 0, tzinfo=datetime.UTC),
        status=Send.HELD_DATA,
        reason="The data is not up to date: Acme: failing: Post history",
    )
    as_role(client, report, Role.ANALYST)
    page = client.get(sends_url(report)).text
    assert "Mar 1, 2026 – Mar 31, 2026" in page
    assert "ann@client.test" in page
    assert "<dt>Engagements</dt><dd>1,234</dd>" in page
    assert "Held: data not up to date" in page and "Acme: failing: Post history" in page
    assert "Approve" not in page  # analysts read, managers decide

    pdf = client.get(f"{sends_url(report)}{march.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content == b"%PDF-1.4 march"
    assert 'filename="acme-monthly-report-2026-03.pdf"' in pdf["Content-Disposition"]


def test_clients_see_no_send_log_nor_its_pdfs(client, report):
    march = sent(report, timezone.now(), [])
    as_role(client, report, Role.CLIENT)
    assert client.get(sends_url(report)).status_code == 403
    assert client.get(f"{sends_url(report)}{march.pk}/pdf/").status_code == 403


def test_the_report_page_shows_what_changed_since_the_last_one_sent(client, report):
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    PlatformPostFactory(profile=report.profiles.get(), published_at=at(last_month))
    sent(
        report,
        timezone.now() - datetime.timedelta(days=30),
        [
            {"label": "Posts published", "value": 7, "percent": False},
            {"label": "Engagements", "value": None, "percent": False},
        ],
    )
    as_role(client, report, Role.OWNER)
    page = client.get(f"/w/{report.workspace.slug}/reports/{report.pk}/").text
    assert "Changed since the last one sent" in page
    assert '<tr><th scope="row">Posts published</th><td>7</td><td>1</td></tr>' in page
    assert '<tr><th scope="row">Engagements</th><td>—</td>' in page


def test_a_report_never_sent_shows_no_changes(client, report):
    as_role(client, report, Role.OWNER)
    page = client.get(f"/w/{report.workspace.slug}/reports/{report.pk}/").text
    assert "Changed since the last one sent" not in page
    assert len(mail.outbox) == 0


def test_post_text_in_a_report_title_is_escaped_in_the_email(report):
    report.title = "<script>alert(1)</script>"
    report.save()
    Recipient.objects.create(report=report, email="ann@client.test")
    send = Send.objects.create(report=report, due_at=timezone.now(), pdf=b"%PDF", pdf_name="x.pdf")
    message = sending.compose(send, report.recipients.get())
    html = message.alternatives[0][0]
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
