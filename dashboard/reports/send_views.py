"""Scheduled email pages: a report's schedule, its send log, approving held sends, unsubscribe.

Managers change schedules and decide on held sends; analysts may read the send log; clients
see none of it (it lists the client's own addresses and the agency's drafts). The unsubscribe
page needs no account: its signed token names one recipient of one report.
"""

import logging

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.access import MANAGERS, Role, workspace_member
from dashboard.reports import schedule, sending, tasks
from dashboard.reports.forms import ScheduleForm
from dashboard.reports.models import Recipient, Report, ReportSchedule, Send

logger = logging.getLogger(__name__)
STAFF = (Role.OWNER, Role.MANAGER, Role.ANALYST)
RULE_FIELDS = ("frequency", "day_of_month", "weekday", "time_of_day")


@workspace_member(*MANAGERS)
def report_schedule(request, membership, report_id):
    report = get_object_or_404(Report, workspace=membership.workspace_id, pk=report_id)
    current = sending.schedule_of(report) or ReportSchedule(report=report)
    zone = sending.schedule_zone(report)
    if request.method == "POST":
        form = ScheduleForm(request.POST, zone=zone)
        if form.is_valid():
            _save(report, current, form.cleaned_data)
            messages.success(request, f"Schedule of “{report.title}” saved.")
            return redirect("report_schedule", membership.workspace.slug, report.pk)
    else:
        form = ScheduleForm(initial=_initial(report, current), zone=zone)
    return render(
        request,
        "reports/schedule.html",
        {
            "membership": membership,
            "report": report,
            "form": form,
            "zone": zone,
            "described": schedule.describe(sending.rule_of(current)) if current.pk else "",
            "upcoming": sending.next_sends(current) if current.pk else [],
            "recipients": report.recipients.all(),
        },
        status=400 if form.is_bound else 200,
    )


def _initial(report, current):
    return {
        "frequency": current.frequency,
        "monthly_on": "day" if current.day_of_month or current.weekday is None else "first",
        "day_of_month": current.day_of_month,
        "weekday": current.weekday,
        "time_of_day": current.time_of_day,
        "recipients": "\n".join(report.recipients.values_list("email", flat=True)),
        "hold_for_review": current.hold_for_review,
        "auto_hold": current.auto_hold if current.pk else True,
        "hold_days": current.hold_days,
    }


@transaction.atomic
def _save(report, current, data):
    rule_changed = not current.pk or any(
        getattr(current, field) != data[field] for field in RULE_FIELDS
    )
    for field in (*RULE_FIELDS, "hold_for_review", "auto_hold", "hold_days"):
        setattr(current, field, data[field])
    if rule_changed:
        # Due times before this save are not sent: changing 09:00 to 08:00 at 08:30 must not
        # send at once.
        current.active_since = timezone.now()
    current.save()
    wanted = {address.lower(): address for address in data["recipients"]}
    report.recipients.exclude(email__in=[*wanted.values()]).delete()
    known = {email.lower() for email in report.recipients.values_list("email", flat=True)}
    Recipient.objects.bulk_create(
        Recipient(report=report, email=address)
        for key, address in wanted.items()
        if key not in known
    )


@workspace_member(*MANAGERS)
@require_POST
def recipient_resubscribe(request, membership, report_id, recipient_id):
    recipient = get_object_or_404(
        Recipient, report__workspace=membership.workspace_id, report=report_id, pk=recipient_id
    )
    Recipient.objects.filter(pk=recipient.pk).update(unsubscribed_at=None)
    messages.success(request, f"{recipient.email} receives this report again.")
    return redirect("report_schedule", membership.workspace.slug, report_id)


@workspace_member(*STAFF)
def report_sends(request, membership, report_id):
    report = get_object_or_404(Report, workspace=membership.workspace_id, pk=report_id)
    sends = report.sends.defer("pdf").select_related("approved_by")
    return render(
        request,
        "reports/sends.html",
        {
            "membership": membership,
            "report": report,
            "sends": sends,
            "can_edit": membership.role in MANAGERS,
        },
    )


@workspace_member(*STAFF)
def send_pdf(request, membership, report_id, send_id):
    send = get_object_or_404(
        Send, report__workspace=membership.workspace_id, report=report_id, pk=send_id
    )
    if not send.pdf:
        return HttpResponse("This send has no PDF: it was not rendered.", status=404)
    response = HttpResponse(bytes(send.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{send.pdf_name}"'
    return response


@workspace_member(*MANAGERS)
@require_POST
def send_approve(request, membership, report_id, send_id):
    send = get_object_or_404(
        Send, report__workspace=membership.workspace_id, report=report_id, pk=send_id
    )
    if sending.approve(send, request.user):
        transaction.on_commit(lambda: _enqueue(send))
        messages.success(request, "Approved: the report is being sent.")
    else:
        messages.error(request, "This send is no longer waiting for review.")
    return redirect("report_sends", membership.workspace.slug, report_id)


def _enqueue(send):
    try:
        tasks.enqueue([send.pk])
    except Exception:
        # The broker is away: the send stays SCHEDULED and the dispatcher's next tick queues it.
        logger.warning("could not queue approved send %s; the next tick will", send.pk)


@workspace_member(*MANAGERS)
@require_POST
def send_skip(request, membership, report_id, send_id):
    send = get_object_or_404(
        Send, report__workspace=membership.workspace_id, report=report_id, pk=send_id
    )
    if sending.skip(send, request.user):
        messages.success(request, "Skipped: this report is not sent.")
    else:
        messages.error(request, "This send is no longer held.")
    return redirect("report_sends", membership.workspace.slug, report_id)


# RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" with no cookies, so no CSRF
# token can be asked for; the signed token in the URL is the proof.
@csrf_exempt
def unsubscribe(request, token):
    recipient = sending.recipient_for(token)
    if recipient is None:
        return render(request, "reports/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        sending.unsubscribe(recipient)
        recipient.refresh_from_db()
    elif request.method != "GET":
        return HttpResponse("Use GET to see this page or POST to unsubscribe.", status=405)
    return render(request, "reports/unsubscribe.html", {"recipient": recipient, "token": token})
