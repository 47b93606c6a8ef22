"""Scheduled report email: due times through the dispatcher, once per due time, the email as
a mail server receives it, unsubscribe, and the holds (for review, for unhealthy data)."""

import datetime
import email
import email.policy
import re
import socket
import threading
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Membership
from dashboard import sync
from dashboard.models import SyncState
from dashboard.reports import sending
from dashboard.reports.models import Recipient, ReportSchedule, Send
from tests.accounts.factories import MembershipFactory, ProfileFactory, WorkspaceFactory
from tests.dashboard.factories import PlatformPostFactory, at, days_ago
from tests.dashboard.reports.test_reports import make_report

pytestmark = pytest.mark.django_db
Role = Membership.Role
UTC = datetime.UTC
LONG_AGO = datetime.datetime(2025, 1, 1, tzinfo=UTC)
SITE = "https://reports.example.test"


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def printed(monkeypatch):
    """The PDF's bytes as Chromium would hand them over. Chromium prints from another database
    connection, which cannot see this test's transaction; the real print is tested in
    test_pdf.py and, with a real worker, in tests/integration/test_report_sends.py."""
    monkeypatch.setattr(sending.pdf, "render", lambda report, **_: b"%PDF-1.7 printed")


@pytest.fixture
def berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"


def utc(*parts):
    return datetime.datetime(*parts, tzinfo=UTC)


def healthy(profile, now=None):
    """A sync unit that succeeded a minute ago and is next due in an hour."""
    now = now or timezone.now()
    return SyncState.objects.create(
        profile=profile,
        unit="history",
        last_success=now - datetime.timedelta(minutes=1),
        last_updated=now - datetime.timedelta(minutes=1),
        next_update=now + datetime.timedelta(hours=1),
    )


def due_now():
    """Schedule fields due at the start of the current minute (weekly, today)."""
    now = timezone.localtime()
    return {
        "frequency": "weekly",
        "day_of_month": None,
        "weekday": now.weekday(),
        "time_of_day": now.time().replace(second=0, microsecond=0),
    }


def scheduled(workspace=None, recipients=("ann@client.test",), profiles=None, **fields):
    workspace = workspace or WorkspaceFactory()
    if profiles is None:
        profiles = [ProfileFactory(workspace=workspace, title="Acme")]
    report = make_report(workspace, profiles, title="Acme monthly")
    fields.setdefault("frequency", "monthly")
    fields.setdefault("day_of_month", 1)
    fields.setdefault("time_of_day", datetime.time(9, 0))
    fields.setdefault("active_since", LONG_AGO)
    ReportSchedule.objects.create(report=report, **fields)
    for address in recipients:
        Recipient.objects.create(report=report, email=address)
    return report


def due_times(report, ticks):
    """Run the dispatcher at each tick; the due times it claimed, in UTC."""
    for now in ticks:
        sending.dispatch(now=now)
    return sorted(report.sends.values_list("due_at", flat=True))


# Due times, wired through the dispatcher (the arithmetic itself: test_schedule.py)


def test_a_weekly_send_on_the_spring_forward_night_is_due_once_when_the_clocks_resume(berlin):
    # Europe/Berlin skips 02:00-03:00 on Sunday March 29, 2026: 02:30 never happens.
    report = scheduled(
        frequency="weekly",
        day_of_month=None,
        weekday=6,
        auto_hold=False,
        time_of_day=datetime.time(2, 30),
    )
    ticks = [
        utc(2026, 3, 29, 0, 59),
        utc(2026, 3, 29, 1, 0),
        utc(2026, 3, 29, 1, 1),
        utc(2026, 3, 29, 2, 0),
    ]
    assert due_times(report, ticks) == [utc(2026, 3, 29, 1, 0)]  # 03:00 CEST


def test_a_weekly_send_on_the_fall_back_night_goes_out_once_at_the_first_0230(berlin):
    # 02:30 happens twice on Sunday October 25, 2026: at 00:30 and 01:30 UTC.
    report = scheduled(
        frequency="weekly",
        day_of_month=None,
        weekday=6,
        auto_hold=False,
        time_of_day=datetime.time(2, 30),
    )
    ticks = [
        utc(2026, 10, 25, 0, 29),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 1, 30),
        utc(2026, 10, 25, 1, 31),
    ]
    assert due_times(report, ticks) == [utc(2026, 10, 25, 0, 30)]


def test_the_local_time_is_kept_across_the_change_so_the_utc_hour_moves(berlin):
    report = scheduled(day_of_month=15, auto_hold=False)
    ticks = [utc(2026, 3, 15, 8, 0), utc(2026, 4, 15, 7, 0)]
    # 09:00 CET is 08:00 UTC in March, 09:00 CEST is 07:00 UTC in April.
    assert due_times(report, ticks) == [utc(2026, 3, 15, 8, 0), utc(2026, 4, 15, 7, 0)]


def test_on_the_31st_goes_out_on_the_last_day_of_30_day_months_and_of_february(berlin):
    report = scheduled(day_of_month=31, auto_hold=False)
    ticks = [
        utc(2026, 2, 28, 8, 0),
        utc(2026, 3, 31, 7, 0),
        utc(2026, 4, 30, 6, 59),
        utc(2026, 4, 30, 7, 0),
        utc(2026, 5, 1, 7, 0),
    ]
    assert due_times(report, ticks) == [
        utc(2026, 2, 28, 8, 0),
        utc(2026, 3, 31, 7, 0),
        utc(2026, 4, 30, 7, 0),
    ]


def test_first_monday_is_the_first_monday_whatever_the_date(berlin):
    report = scheduled(day_of_month=None, weekday=0, auto_hold=False)
    # June 1, 2026 is a Monday; in July the first Monday is the 6th (not July 1, a Wednesday).
    ticks = [utc(2026, 6, 1, 7, 0), utc(2026, 7, 1, 7, 0), utc(2026, 7, 6, 7, 0)]
    assert due_times(report, ticks) == [utc(2026, 6, 1, 7, 0), utc(2026, 7, 6, 7, 0)]


def test_a_late_tick_sends_only_the_latest_due_time_within_a_day(berlin):
    report = scheduled(frequency="weekly", day_of_month=None, weekday=0, auto_hold=False)
    # Beat was down from Sunday to Tuesday morning: Monday's send goes out late, once.
    assert due_times(report, [utc(2026, 6, 2, 6, 0)]) == [utc(2026, 6, 1, 7, 0)]
    # Down for longer than a day: nothing is sent for that week.
    other = scheduled(frequency="weekly", day_of_month=None, weekday=0, auto_hold=False)
    assert due_times(other, [utc(2026, 6, 3, 6, 0)]) == []


def test_a_schedule_saved_after_todays_due_time_does_not_send_at_once(berlin):
    report = scheduled(day_of_month=1, auto_hold=False, active_since=utc(2026, 6, 1, 8, 0))
    assert due_times(report, [utc(2026, 6, 1, 8, 1), utc(2026, 7, 1, 7, 0)]) == [
        utc(2026, 7, 1, 7, 0)
    ]


def test_a_switched_off_schedule_sends_nothing():
    report = scheduled(frequency="none", auto_hold=False)
    assert due_times(report, [utc(2026, 6, 1, 9, 0)]) == []


# Once per due time


@pytest.mark.django_db(transaction=True)
def test_two_ticks_side_by_side_claim_a_due_time_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    report = scheduled(auto_hold=False)
    now = utc(2026, 6, 1, 9, 0)
    start = threading.Barrier(2)
    claimed = []

    def tick():
        try:
            start.wait()
            claimed.append(sending.claim_due(now))
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert report.sends.count() == 1
    assert sorted(claimed) == [0, 1]


@pytest.mark.django_db(transaction=True)
def test_two_workers_with_the_same_send_email_each_recipient_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    report = scheduled(recipients=("ann@client.test", "bob@client.test"), auto_hold=False)
    now = timezone.now()
    send = Send.objects.create(report=report, due_at=now)
    start = threading.Barrier(2)
    outcomes = []

    def worker():
        try:
            start.wait()
            outcomes.append(sending.run_send(send.pk, now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["busy", "sent"]
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@client.test", "bob@client.test"]


def test_a_send_already_sent_is_not_sent_again_by_a_second_message():
    report = scheduled(auto_hold=False)
    send = Send.objects.create(report=report, due_at=timezone.now())
    assert sending.run_send(send.pk) == "sent"
    assert sending.run_send(send.pk) == "busy"
    assert len(mail.outbox) == 1


def test_a_send_whose_worker_died_is_sent_by_the_next_tick():
    report = scheduled(auto_hold=False)
    now = timezone.now()
    send = Send.objects.create(report=report, due_at=now)
    assert sending.take(send.pk, now)  # a worker took it, then was killed
    later = now + datetime.timedelta(hours=1)
    assert sending.dispatch(now=later) == [send.pk]
    assert sending.run_send(send.pk, now=later) == "sent"
    send.refresh_from_db()
    assert (send.status, send.attempts) == (Send.SENT, 2)


# The email, over a real SMTP server


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(
            (
                envelope.rcpt_tos,
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def send_due(report, now):
    for send_id in sending.dispatch(now=now):
        sending.run_send(send_id, now=now)


def test_the_email_carries_the_pdf_the_live_link_and_one_click_unsubscribe(smtp):
    report = scheduled(
        recipients=("ann@client.test", "bob@client.test"), auto_hold=False, **due_now()
    )
    PlatformPostFactory(profile=report.profiles.get(), published_at=at(days_ago(40)), engagements=7)
    send_due(report, timezone.now())

    assert sorted(to for to, _ in smtp.messages) == [["ann@client.test"], ["bob@client.test"]]
    to, message = smtp.messages[0]
    assert message["Subject"].startswith("Acme monthly: ")
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert re.fullmatch(r"[a-z0-9-]+-report-\d{4}-\d{2}\.pdf", attachment.get_filename())
    assert attachment.get_content().startswith(b"%PDF")
    unsubscribe = re.fullmatch(r"<(.+)>", message["List-Unsubscribe"].strip()).group(1)
    assert unsubscribe.startswith(f"{SITE}/reports/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(("html",)).get_content()
    live = re.search(r'href="([^"]+)">Open the live report', html).group(1)
    assert live.startswith(SITE) and live != unsubscribe
    assert live in message.get_body(("plain",)).get_content()
    # The live link is a share link of this report, open to a signed-out reader.
    shared = Client().get(live.removeprefix(SITE))
    assert shared.status_code == 200 and "Acme monthly" in shared.text
    # Each recipient has a link of their own.
    other = smtp.messages[1][1]
    assert other["List-Unsubscribe"] != message["List-Unsubscribe"]


def test_one_click_unsubscribe_stops_the_next_send_to_that_address_only(smtp):
    report = scheduled(recipients=("ann@client.test", "bob@client.test"), auto_hold=False)
    send_due(report, utc(2026, 6, 1, 9, 0))
    ann = next(m for to, m in smtp.messages if to == ["ann@client.test"])
    url = re.fullmatch(r"<(.+)>", ann["List-Unsubscribe"].strip()).group(1).removeprefix(SITE)

    # The mail client's POST: no session, no CSRF token (RFC 8058).
    response = Client(enforce_csrf_checks=True).post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "You are unsubscribed" in response.text

    smtp.messages.clear()
    send_due(report, utc(2026, 7, 1, 9, 0))
    assert [to for to, _ in smtp.messages] == [["bob@client.test"]]
    july = report.sends.get(due_at=utc(2026, 7, 1, 9, 0))
    assert july.recipients == ["bob@client.test"]


def test_opening_the_unsubscribe_link_asks_first_and_a_forged_one_is_refused(client):
    report = scheduled(auto_hold=False)
    recipient = report.recipients.get()
    url = f"/reports/unsubscribe/{sending.unsubscribe_token(recipient)}/"
    response = client.get(url)
    assert response.status_code == 200
    assert "Unsubscribe from “Acme monthly”?" in response.text
    assert '<button class="button" type="submit">Unsubscribe</button>' in response.text
    recipient.refresh_from_db()
    assert recipient.unsubscribed_at is None  # a link scanner's GET changes nothing

    forged = sending.unsubscribe_token(recipient)[:-2] + "xx"
    assert client.post(f"/reports/unsubscribe/{forged}/").status_code == 404


# Holds


def failing(profile):
    return SyncState.objects.create(
        profile=profile,
        unit="history",
        consecutive_failures=3,
        last_error="Ayrshare did not answer",
        last_success=timezone.now() - datetime.timedelta(days=2),
        next_update=timezone.now() + datetime.timedelta(minutes=10),
    )


def owner_of(workspace):
    return MembershipFactory(workspace=workspace, role=Role.OWNER).user


def test_a_report_whose_profile_fails_to_sync_is_held_the_owner_told_and_sent_once_healthy():
    report = scheduled(**due_now())
    profile = report.profiles.get()
    owner = owner_of(report.workspace)
    state = failing(profile)
    now = timezone.now()
    send_due(report, now)

    send = report.sends.get()
    assert send.status == Send.HELD_DATA
    assert "Acme" in send.reason and "Post history" in send.reason
    assert "last successful update" in send.reason
    [told] = mail.outbox
    assert told.to == [owner.email]
    assert "not up to date" in told.subject and "Post history" in told.body

    # Still failing at the next tick: still held, the owner not told twice.
    send_due(report, now + datetime.timedelta(minutes=1))
    assert report.sends.get().status == Send.HELD_DATA
    assert len(mail.outbox) == 1

    # The sync succeeds, recorded as the sync itself records it.
    outcome = SimpleNamespace(
        last_updated=timezone.now(), next_update=now + datetime.timedelta(hours=1)
    )
    sync._record_success(state, timezone.now(), outcome)
    send_due(report, now + datetime.timedelta(minutes=2))
    send.refresh_from_db()
    assert send.status == Send.SENT
    assert [m.to for m in mail.outbox[1:]] == [["ann@client.test"]]


def test_a_held_send_expires_at_its_deadline_and_the_owner_is_told():
    report = scheduled(hold_days=2, **due_now())
    owner_of(report.workspace)
    failing(report.profiles.get())
    now = timezone.now()
    send_due(report, now)
    send_due(report, now + datetime.timedelta(days=2, minutes=1))
    send = report.sends.get()
    assert send.status == Send.EXPIRED
    assert "deadline" in send.reason
    assert mail.outbox[-1].subject.startswith("Not sent: Acme monthly")
    assert all(m.to != ["ann@client.test"] for m in mail.outbox)


def test_a_profile_that_never_synced_holds_the_send():
    report = scheduled(**due_now())
    send_due(report, timezone.now())
    send = report.sends.get()
    assert send.status == Send.HELD_DATA
    assert "No sync has run for this profile yet" in send.reason


@pytest.fixture
def eager():
    from dashboard.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def test_hold_for_review_sends_the_owner_a_draft_and_approve_sends_it(
    client, eager, django_capture_on_commit_callbacks
):
    report = scheduled(hold_for_review=True, **due_now())
    healthy(report.profiles.get())
    owner = owner_of(report.workspace)
    send_due(report, timezone.now())
    send = report.sends.get()
    assert send.status == Send.HELD_FOR_REVIEW
    [draft] = mail.outbox
    assert draft.to == [owner.email] and draft.subject.startswith("Draft for review")
    assert draft.attachments[0][2] == "application/pdf"

    client.force_login(owner)
    page = client.get(f"/w/{report.workspace.slug}/reports/{report.pk}/")
    assert "Draft waiting for review" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/w/{report.workspace.slug}/reports/{report.pk}/sends/{send.pk}/approve/"
        )
    assert response.status_code == 302
    send.refresh_from_db()
    assert (send.status, send.approved_by) == (Send.SENT, owner)
    assert mail.outbox[-1].to == ["ann@client.test"]
    # The recipients get the very PDF the owner reviewed.
    assert mail.outbox[-1].attachments[0][1] == draft.attachments[0][1]


def test_skip_leaves_a_held_send_unsent_and_only_managers_may_decide(client):
    report = scheduled(hold_for_review=True, **due_now())
    healthy(report.profiles.get())
    send_due(report, timezone.now())
    send = report.sends.get()
    base = f"/w/{report.workspace.slug}/reports/{report.pk}/sends/{send.pk}"
    analyst = MembershipFactory(workspace=report.workspace, role=Role.ANALYST).user
    client.force_login(analyst)
    assert client.post(f"{base}/approve/").status_code == 403
    assert client.post(f"{base}/skip/").status_code == 403
    manager = MembershipFactory(workspace=report.workspace, role=Role.MANAGER).user
    client.force_login(manager)
    assert client.get(f"{base}/skip/").status_code == 405
    assert client.post(f"{base}/skip/").status_code == 302
    send.refresh_from_db()
    assert send.status == Send.SKIPPED
    assert all(m.to != ["ann@client.test"] for m in mail.outbox)
