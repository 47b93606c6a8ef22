"""Report pages: the list, the form, and the report itself.

The report's numbers come from rendering.context, which calls overview.build as the
dashboard's overview does; nothing here computes a number.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import MANAGERS, Role, workspace_member
from accounts.models import Profile
from dashboard.reports import rendering, sending
from dashboard.reports.forms import ReportForm
from dashboard.reports.models import Report, Send


def visible_reports(membership):
    """The workspace's reports this member may open.

    A client sees a report only when it allows clients and every profile it covers is one
    of theirs; a report of "all profiles" covers every active profile of the workspace.
    """
    reports = Report.objects.filter(workspace=membership.workspace_id)
    if membership.role != Role.CLIENT:
        return reports
    # Archived profiles count too: a report naming one still shows its history.
    hidden = Profile.objects.filter(workspace=membership.workspace_id).exclude(
        client_memberships=membership
    )
    reports = reports.filter(clients_may_view=True).exclude(profiles__in=hidden)
    if hidden.filter(archived_at__isnull=True).exists():
        reports = reports.exclude(profiles__isnull=True)
    return reports


@workspace_member()
def report_list(request, membership):
    reports = visible_reports(membership).prefetch_related("profiles")
    return render(
        request,
        "reports/list.html",
        {
            "membership": membership,
            "reports": reports,
            "can_edit": membership.role in MANAGERS,
        },
    )


@workspace_member(*MANAGERS)
def report_new(request, membership):
    return _edit(request, membership, Report(created_by=request.user))


@workspace_member(*MANAGERS)
def report_edit(request, membership, report_id):
    report = get_object_or_404(Report, workspace=membership.workspace_id, pk=report_id)
    return _edit(request, membership, report)


def _edit(request, membership, report):
    data = request.POST if request.method == "POST" else None
    form = ReportForm(data, instance=report, workspace=membership.workspace)
    if request.method == "POST" and form.is_valid():
        report = form.save()
        messages.success(request, _("Report “%(title)s” saved.") % {"title": report.title})
        return redirect("report", membership.workspace.slug, report.pk)
    return render(
        request,
        "reports/form.html",
        {"membership": membership, "form": form, "report": report},
        status=400 if form.is_bound else 200,
    )


@workspace_member(*MANAGERS)
@require_POST
def report_delete(request, membership, report_id):
    report = get_object_or_404(Report, workspace=membership.workspace_id, pk=report_id)
    report.delete()
    messages.success(request, _("Report “%(title)s” deleted.") % {"title": report.title})
    return redirect("reports", membership.workspace.slug)


@workspace_member()
def report(request, membership, report_id):
    report = get_object_or_404(visible_reports(membership), pk=report_id)
    can_edit = membership.role in MANAGERS
    with rendering.localized(report):
        context = rendering.context(report)
        last_sent = sending.last_sent(report)
        return render(
            request,
            "reports/report.html",
            {
                **context,
                "membership": membership,
                "can_edit": can_edit,
                "last_sent": last_sent,
                "changes": last_sent and sending.changes(report, context["overview"], last_sent),
                "in_review": report.sends.filter(status=Send.HELD_FOR_REVIEW).defer("pdf")
                if can_edit
                else [],
            },
        )
