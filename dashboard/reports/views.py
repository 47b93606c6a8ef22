"""Report pages: the list, the form, and the report itself.

The report's numbers come from rendering.context, which calls overview.build as the
dashboard's overview does; nothing here computes a number.
"""

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import MANAGERS, Role, workspace_member
from accounts.models import Profile
from dashboard.reports import files, print_link, rendering, sending
from dashboard.reports.forms import ReportForm
from dashboard.reports.models import Report, ReportFile, Send


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
    # ?pdf=<id>: the PDF asked for without JavaScript; the page shows how it is getting on.
    pdf_file = None
    if request.GET.get("pdf", "").isdigit():
        pdf_file = report.files.defer("pdf").filter(pk=request.GET["pdf"]).first()
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
                "papers": print_link.PAPERS,
                "pdf_file": pdf_file,
                "last_sent": last_sent,
                "changes": last_sent and sending.changes(report, context["overview"], last_sent),
                "in_review": report.sends.filter(status=Send.HELD_FOR_REVIEW).defer("pdf")
                if can_edit
                else [],
            },
        )


PDF_POLLER = "report-pdf"


@workspace_member()
@require_POST
def report_pdf(request, membership, report_id):
    """Ask for the report's PDF: rendered on the reports queue, the page polls until it is."""
    report = get_object_or_404(visible_reports(membership), pk=report_id)
    paper = request.POST.get("paper", "")
    if paper not in print_link.PAPERS:
        return HttpResponseBadRequest(
            f"Choose the paper: {' or '.join(print_link.PAPERS)}.", content_type="text/plain"
        )
    file = files.request(report, paper, user=request.user)
    if request.htmx:
        return _pdf_status(request, membership, report, file)
    return redirect(
        reverse("report", args=[membership.workspace.slug, report.pk]) + f"?pdf={file.pk}"
    )


@workspace_member()
def report_pdf_status(request, membership, report_id, file_id):
    report = get_object_or_404(visible_reports(membership), pk=report_id)
    file = get_object_or_404(report.files.defer("pdf"), pk=file_id)
    return _pdf_status(request, membership, report, file)


def _pdf_status(request, membership, report, file):
    context = {"membership": membership, "report": report, "pdf_file": file}
    response = render(request, "reports/report.html#pdf_status", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@workspace_member()
def report_pdf_download(request, membership, report_id, file_id):
    report = get_object_or_404(visible_reports(membership), pk=report_id)
    file = get_object_or_404(report.files, pk=file_id, status=ReportFile.Status.READY)
    response = HttpResponse(bytes(file.pdf), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, file.filename())
    return response


def report_print(request, token):
    """The print view the PDF renderer opens: no session, only the signed link's report."""
    try:
        report_id, paper, today = print_link.read(token)
    except signing.BadSignature as error:
        raise Http404("This print link is not valid or has expired.") from error
    report = get_object_or_404(Report.objects.select_related("workspace"), pk=report_id)
    extra = {"paper": paper, "as_of": timezone.now()}
    response = rendering.render(request, "reports/print.html", report, extra, today=today)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response
