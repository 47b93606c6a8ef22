"""Scheduled report email: which sends are due, claiming each once, holding, sending.

The dispatcher (tasks.dispatch_report_sends, every beat) calls `dispatch`, which inserts one
Send row per (report, due time) under a unique constraint: a second tick or worker that finds
the same due time gets an IntegrityError and leaves it. The send task (`run_send`) takes the row
with a conditional UPDATE from SCHEDULED to SENDING and a lease, as the sync units do, so two
workers never send the same row. Due times come from schedule.py, read in the workspace's zone.
"""

import logging
import secrets
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from accounts import zones
from accounts.models import Membership
from dashboard import agency
from dashboard.moments import clock
from dashboard.reports import pdf, rendering, schedule, sharing
from dashboard.reports.models import Recipient, ReportSchedule, Send

logger = logging.getLogger(__name__)

# A tick that comes late (beat or the workers were down) still sends what fell due this long
# ago; only the latest due time is sent: two copies of one report would confuse a client.
CATCH_UP = timedelta(days=1)
MAX_ATTEMPTS = 3
UNSUBSCRIBE_SALT = "reports.unsubscribe"
PAPER = "A4"
# How long the live link in an email keeps working.
LINK_DAYS = 90


def schedule_zone(report):
    """The zone a report's schedule is read in: its workspace's."""
    return report.workspace.time_zone


def rule_of(report_schedule):
    """The schedule.Rule of a ReportSchedule; ValueError (with a message) if it is invalid."""
    monthly = report_schedule.frequency == "monthly"
    day = report_schedule.day_of_month if monthly else None
    return schedule.Rule(
        frequency=report_schedule.frequency,
        day_of_month=day,
        weekday=None if day is not None else report_schedule.weekday,
        time_of_day=report_schedule.time_of_day,
        zone=schedule_zone(report_schedule.report),
    )


def next_sends(report_schedule, now=None, count=3):
    """The next `count` due times (UTC), for the schedule page."""
    rule = rule_of(report_schedule)
    moment = max(now or timezone.now(), report_schedule.active_since)
    due = []
    while len(due) < count:
        moment = schedule.next_due(rule, moment)
        if moment is None:
            break
        due.append(moment)
    return due


def local_day(report, moment):
    """The date `moment` falls on in the report's schedule zone: the `today` of its period."""
    return moment.astimezone(zoneinfo.ZoneInfo(schedule_zone(report))).date()


# --- The dispatcher ------------------------------------------------------------------------


def dispatch(now=None):
    """One beat: claim what fell due, re-check held sends, recover dead claims.

    Returns the ids of the sends to queue now (each marked queued for a while, so the next tick
    does not queue it again while it waits behind others on the reports queue).
    """
    now = now or timezone.now()
    claim_due(now)
    recheck_held(now)
    recover(now)
    return mark_queued(now)


def claim_due(now):
    """Insert a Send for each schedule's latest due time in the catch-up window; how many."""
    schedules = ReportSchedule.objects.exclude(frequency="none").select_related("report__workspace")
    wanted = {}
    for report_schedule in schedules:
        start = max(report_schedule.active_since, now - CATCH_UP)
        try:
            due = schedule.due_between(rule_of(report_schedule), start, now)
        except ValueError:
            logger.warning("report %s has an invalid schedule", report_schedule.report_id)
            continue
        if due:
            wanted[report_schedule.report] = due[-1]
    if not wanted:
        return 0
    # One query for the due times already claimed, so a tick that finds nothing new inserts
    # nothing; the unique constraint still decides between ticks running side by side.
    taken = set(
        Send.objects.filter(
            report__in=[report.pk for report in wanted], due_at__in=set(wanted.values())
        ).values_list("report_id", "due_at")
    )
    return sum(
        claim(report, due_at)
        for report, due_at in wanted.items()
        if (report.pk, due_at) not in taken
    )


def claim(report, due_at):
    """Insert the Send of (report, due_at); False when another tick or worker already did."""
    try:
        with transaction.atomic():
            Send.objects.create(report=report, due_at=due_at)
    except IntegrityError:
        return False
    return True


def hold_deadline(send):
    days = getattr(schedule_of(send.report), "hold_days", None) or 3
    return send.due_at + timedelta(days=days)


def recheck_held(now):
    """Held sends: expire those past their deadline; release data holds whose data is healthy."""
    held = Send.objects.filter(status__in=[Send.HELD_DATA, Send.HELD_FOR_REVIEW]).select_related(
        "report__workspace"
    )
    for send in held:
        if now >= hold_deadline(send):
            reason = f"Not sent: still held at its deadline ({clock(hold_deadline(send))})."
            if send.reason:
                reason = f"{reason} {send.reason}"
            if _move(send, send.status, Send.EXPIRED, reason=reason):
                send.status, send.reason = Send.EXPIRED, reason
                notify_owners(send, "expired")
        elif send.status == Send.HELD_DATA and not data_problems(send.report, now):
            # The task checks the data again before it sends.
            _move(send, Send.HELD_DATA, Send.SCHEDULED, queued_until=None)


def recover(now):
    """Sends whose worker died mid-send: again, or failed after MAX_ATTEMPTS."""
    dead = Send.objects.filter(status=Send.SENDING, lease_until__lte=now)
    dead.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=Send.SCHEDULED, lease_until=None, lease_token="", queued_until=None
    )
    dead.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Send.FAILED,
        lease_until=None,
        lease_token="",
        reason=f"The send did not finish in {MAX_ATTEMPTS} attempts.",
    )


def mark_queued(now):
    """The ids of SCHEDULED sends not on the queue, now marked as queued."""
    waiting = Send.objects.filter(status=Send.SCHEDULED).filter(
        Q(queued_until__isnull=True) | Q(queued_until__lte=now)
    )
    with transaction.atomic():
        # skip_locked: a tick running side by side takes the other rows, never the same ones.
        ids = list(
            waiting.select_for_update(skip_locked=True)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)
        )
        Send.objects.filter(pk__in=ids).update(
            queued_until=now + timedelta(seconds=settings.REPORT_SEND_QUEUE_SECONDS)
        )
    return ids


def _move(send, old, new, **fields):
    """Change the status if it still is `old`; whether it was."""
    return bool(Send.objects.filter(pk=send.pk, status=old).update(status=new, **fields))


def schedule_of(report):
    try:
        return report.schedule
    except ReportSchedule.DoesNotExist:
        return None


# --- Data health -----------------------------------------------------------------------------


def data_problems(report, now=None):
    """Why the report's numbers are not to be trusted now, one line per profile; [] if they are.

    The agency page's judgement (agency.sync_health): a unit failing, or stale (due for over an
    hour, or never updated), and a profile no sync has run for.
    """
    profiles, _, ids = rendering.profile_ids(report)
    titles = {profile.pk: profile.title for profile in profiles}
    if len(titles) < len(ids):
        titles.update(report.workspace.profiles.filter(pk__in=ids).values_list("pk", "title"))
    health = agency.sync_health(ids)
    problems = []
    for pk in ids:
        entry = health.get(pk) or agency.never_synced()
        if entry["badge"] == "OK":
            continue
        reasons = "; ".join(entry["failing"] or entry["stale"])
        since = entry["last_success"]
        last = f" (last successful update {clock(since, now)})" if since else ""
        problems.append(f"{titles[pk]}: {entry['badge'].lower()}: {reasons}{last}")
    return problems


# --- The send task ---------------------------------------------------------------------------


def take(send_id, now):
    """The send's lease: SCHEDULED → SENDING if nobody took it; the token, or None."""
    token = secrets.token_hex(16)
    taken = Send.objects.filter(pk=send_id, status=Send.SCHEDULED).update(
        status=Send.SENDING,
        lease_token=token,
        lease_until=now + timedelta(seconds=settings.REPORT_SEND_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    return token if taken else None


def run_send(send_id, now=None):
    """The task's work: hold the send, or render and email it. Returns what happened."""
    now = now or timezone.now()
    token = take(send_id, now)
    if token is None:
        return "busy"  # sent, held, or taken by another worker
    send = Send.objects.select_related("report__workspace").get(pk=send_id)
    try:
        # The email's dates and times in the workspace's zone, its words in the report's language.
        with zones.entered(send.report.workspace), rendering.localized(send.report):
            return _run_taken(send, now)
    except Exception as exc:
        logger.exception("send %s failed", send_id)
        again = send.attempts < MAX_ATTEMPTS
        _this_run(send).update(
            status=Send.SCHEDULED if again else Send.FAILED,
            reason=f"Sending failed ({type(exc).__name__}: {exc})"
            + (", tried again in a few minutes." if again else "."),
            lease_until=None,
            lease_token="",
            # Not queued again before then: one bad send must not loop.
            queued_until=now + timedelta(minutes=5),
        )
        return "failed"


def _this_run(send):
    return Send.objects.filter(pk=send.pk, lease_token=send.lease_token, status=Send.SENDING)


def _run_taken(send, now):
    report_schedule = schedule_of(send.report)
    if send.approved_by_id is None and report_schedule is not None:
        if report_schedule.auto_hold:
            problems = data_problems(send.report, now)
            if problems:
                first_time = not send.reason
                send.reason = "The data is not up to date: " + " ".join(problems)
                _release(send, Send.HELD_DATA, reason=send.reason)
                if first_time:
                    notify_owners(send, "held_data")
                return "held"
        if report_schedule.hold_for_review:
            prepare(send)
            _release(send, Send.HELD_FOR_REVIEW, reason="Waiting for an owner's approval.")
            notify_owners(send, "review")
            return "held"
    prepare(send)
    return deliver(send, now)


def _release(send, status, **fields):
    _this_run(send).update(status=status, lease_until=None, lease_token="", **fields)
    send.status = status


def prepare(send):
    """Render the PDF and note the numbers, once per send: a retry or an approval sends the
    same file the owner reviewed."""
    if send.pdf:
        return
    report = send.report
    today = local_day(report, send.due_at)
    context = rendering.context(report, today)
    numbers = context["overview"]
    send.first, send.last = numbers["first"], numbers["last"]
    send.numbers = snapshot(numbers)
    send.pdf = pdf.render(report, paper=PAPER, today=today)
    send.pdf_name = pdf.filename(report, send.first)
    Send.objects.filter(pk=send.pk).update(
        first=send.first,
        last=send.last,
        numbers=send.numbers,
        pdf=send.pdf,
        pdf_name=send.pdf_name,
    )


def snapshot(numbers):
    """The KPI and follower cards as [{"label", "value"}], values as JSON keeps them."""
    cards = [*numbers["cards"], *numbers["follower_cards"]["cards"]]
    encoder = DjangoJSONEncoder()
    rows = []
    for card in cards:
        value = card["value"]
        if isinstance(value, Promise):
            value = str(value)
        elif value is not None and not isinstance(value, int | float | str):
            value = encoder.default(value)
        # Labels are lazy translations: the snapshot keeps the words of the email's language.
        label = str(card["label"])
        rows.append({"label": label, "value": value, "percent": bool(card.get("percent"))})
    return rows


def deliver(send, now):
    """One message per recipient still subscribed and not yet sent to; SENT when done."""
    report = send.report
    recipients = list(
        report.recipients.filter(unsubscribed_at__isnull=True).exclude(email__in=send.recipients)
    )
    with get_connection() as connection:
        for recipient in recipients:
            message = compose(send, recipient, connection=connection)
            message.send()
            send.recipients = [*send.recipients, recipient.email]
            if not _this_run(send).update(recipients=send.recipients):
                return "busy"  # the lease ran out and another worker carries on
    reason = "" if send.recipients else "Nobody to send to: no recipient is subscribed."
    _this_run(send).update(
        status=Send.SENT if send.recipients else Send.SKIPPED,
        sent_at=now,
        reason=reason,
        lease_until=None,
        lease_token="",
    )
    return "sent"


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token(recipient):
    return signing.dumps(recipient.pk, salt=UNSUBSCRIBE_SALT, compress=True)


def recipient_for(token):
    """The Recipient a token names, or None (forged, or the address was removed)."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return Recipient.objects.filter(pk=pk).select_related("report").first()


def unsubscribe(recipient, now=None):
    Recipient.objects.filter(pk=recipient.pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=now or timezone.now()
    )


def compose(send, recipient, connection=None):
    """The email to one recipient: its own live link and its own unsubscribe link."""
    report = send.report
    _, token = sharing.create_link(
        report,
        label=f"Email to {recipient.email}",
        expires=timezone.localdate() + timedelta(days=LINK_DAYS),
    )
    unsubscribe_url = absolute(reverse("report_unsubscribe", args=[unsubscribe_token(recipient)]))
    context = {
        "send": send,
        "report": report,
        "link": absolute(sharing.link_path(token)),
        "unsubscribe_url": unsubscribe_url,
    }
    message = EmailMultiAlternatives(
        subject=f"{report.title}: {_period(send)}",
        body=render_to_string("reports/email/report.txt", context),
        to=[recipient.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("reports/email/report.html", context), "text/html")
    message.attach(send.pdf_name, bytes(send.pdf), "application/pdf")
    return message


def _period(send):
    if send.first is None:
        return ""
    if send.first.day == 1 and send.first.month == send.last.month:
        return f"{send.first:%B %Y}"
    return f"{send.first:%b} {send.first.day} – {send.last:%b} {send.last.day}, {send.last:%Y}"


# --- Owners ----------------------------------------------------------------------------------


def owners(report):
    """Addresses of the workspace's owners and of the report's author."""
    emails = set(
        Membership.objects.filter(workspace=report.workspace_id, role=Membership.Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if report.created_by and report.created_by.email:
        emails.add(report.created_by.email)
    return sorted(emails)


SUBJECTS = {
    "review": "Draft for review: {title}, {period}",
    "held_data": "Held: {title} was not sent, the data is not up to date",
    "expired": "Not sent: {title}, {period}",
}


def notify_owners(send, kind):
    """Tell the owners a send is waiting for them (a draft with the PDF) or why it is held."""
    report = send.report
    to = owners(report)
    if not to:
        logger.warning("report %s: no owner with an email address to tell (%s)", report.pk, kind)
        return
    args = [report.workspace.slug, report.pk]
    context = {
        "send": send,
        "report": report,
        "kind": kind,
        "sends_url": absolute(reverse("report_sends", args=args)),
        "report_url": absolute(reverse("report", args=args)),
        "deadline": clock(hold_deadline(send)),
    }
    message = EmailMultiAlternatives(
        subject=SUBJECTS[kind].format(title=report.title, period=_period(send)),
        body=render_to_string("reports/email/owners.txt", context),
        to=to,
    )
    if kind == "review" and send.pdf:
        message.attach(send.pdf_name, bytes(send.pdf), "application/pdf")
    message.send()


def approve(send, user):
    """An owner approved a held draft: send it now. False if it was no longer held."""
    return bool(
        Send.objects.filter(pk=send.pk, status=Send.HELD_FOR_REVIEW).update(
            status=Send.SCHEDULED, approved_by=user, queued_until=None, reason=""
        )
    )


def skip(send, user):
    reason = f"Skipped by {user.get_full_name() or user.email or user.get_username()}."
    return bool(
        Send.objects.filter(pk=send.pk, status__in=[Send.HELD_FOR_REVIEW, Send.HELD_DATA]).update(
            status=Send.SKIPPED, reason=reason
        )
    )


def last_sent(report):
    return report.sends.filter(status=Send.SENT).order_by("-due_at").first()


def changes(report, numbers, sent):
    """Rows of (label, now, then) for the cards of `numbers` against a sent snapshot."""
    then = {row["label"]: row["value"] for row in sent.numbers}
    return [
        {"label": row["label"], "now": row["value"], "then": then.get(row["label"])}
        for row in snapshot(numbers)
        if row["label"] in then
    ]
