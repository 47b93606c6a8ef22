"""Share links: the Share page where managers make and revoke them, and the page they open.

The shared page sits outside /w/: it needs no account, shows only its report (the same
reports/_report.html as the app page, from rendering.context) and links nowhere in the app.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import signin, zones
from accounts.access import MANAGERS, workspace_member
from dashboard.reports import rendering, sharing
from dashboard.reports.forms import ShareLinkForm, SharePasswordForm
from dashboard.reports.models import Report, ShareLink


def _share_page(request, membership, report, form, *, token=None, status=200):
    today = timezone.localdate()
    links = report.share_links.select_related("created_by")
    return render(
        request,
        "reports/share.html",
        {
            "membership": membership,
            "report": report,
            "form": form,
            "links": [(link, link.status(today)) for link in links],
            "new_url": request.build_absolute_uri(sharing.link_path(token)) if token else "",
        },
        status=status,
    )


@workspace_member(*MANAGERS)
def report_share(request, membership, report_id):
    report = get_object_or_404(Report, workspace=membership.workspace_id, pk=report_id)
    if request.method != "POST":
        return _share_page(request, membership, report, ShareLinkForm())
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        return _share_page(request, membership, report, form, status=400)
    link, token = sharing.create_link(
        report,
        label=form.cleaned_data["label"],
        expires=form.cleaned_data["expires_on"],
        password=form.cleaned_data["password"],
        created_by=request.user,
    )
    # Rendered, not redirected: the token is in this response only and stored nowhere.
    return _share_page(request, membership, report, ShareLinkForm(), token=token, status=201)


@workspace_member(*MANAGERS)
@require_POST
def share_link_revoke(request, membership, report_id, link_id):
    link = get_object_or_404(
        ShareLink, report__workspace=membership.workspace_id, report=report_id, pk=link_id
    )
    sharing.revoke(link)
    messages.success(request, f"Link “{link.label}” revoked: it no longer opens the report.")
    return redirect("report_share", membership.workspace.slug, report_id)


def _private(response):
    """The headers every answer of /s/ carries, the report and the refusals alike."""
    # The token is in the URL: no Referer may carry it to a network a post links to.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def _password_counters(link, request):
    limits = (settings.SHARE_PASSWORD_LIMIT, settings.SHARE_PASSWORD_LIMIT_PER_IP)
    # The sign-in throttle's counters, per link (not per token: the hash never leaves the DB).
    ip = signin.client_ip(request)
    return signin.throttle_counters("share-password", str(link.pk), ip, limits)


def _password_page(request, link, form, *, status, throttled=""):
    context = {"report": link.report, "form": form, "throttled": throttled}
    response = _private(render(request, "reports/shared_password.html", context, status=status))
    # Under no-referrer, browsers send "Origin: null" with the form and Django's CSRF check
    # refuses it. The page links nowhere, so same-origin sends the token to no other site.
    response["Referrer-Policy"] = "same-origin"
    return response


def shared_report(request, token):
    link = sharing.find(token)
    if link is None:
        # Unknown, revoked and expired alike: one page, one status.
        return _private(render(request, "reports/shared_invalid.html", status=404))
    if not sharing.is_unlocked(request.session, link):
        return _unlock(request, link)
    sharing.record_view(link)
    # The report's days and times are its workspace's, as for a signed-in member.
    zones.activate(link.report.workspace)
    # _report.html's partials hold no app link and no hx- request (the tests check it), so the
    # shared page needs no flag to strip them.
    with rendering.localized(link.report):
        response = render(request, "reports/shared.html", rendering.context(link.report))
    return _private(response)


def _unlock(request, link):
    if request.method != "POST":
        return _password_page(request, link, SharePasswordForm(), status=200)
    counters = _password_counters(link, request)
    wait = signin.locked_for(counters)
    if wait:
        # Refused before the password is checked, so a throttled guess learns nothing.
        response = _password_page(
            request,
            link,
            SharePasswordForm(),
            status=429,
            throttled=signin.wait_message(wait, "wrong passwords"),
        )
        response["Retry-After"] = str(wait)
        return response
    form = SharePasswordForm(request.POST)
    if not form.is_valid():
        return _password_page(request, link, form, status=400)
    if sharing.check_link_password(link, form.cleaned_data["password"]):
        sharing.unlock(request.session, link)
        return _private(redirect(request.path))
    signin.count_attempt(counters, settings.SHARE_PASSWORD_WINDOW)
    form.add_error("password", "Wrong password: check it with whoever sent you the link.")
    return _password_page(request, link, form, status=403)
