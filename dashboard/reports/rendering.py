"""What a report shows on a given day: its days, its profiles and the overview's numbers.

The app page, the shared link, the print view and the email all render from this, so a
report reads the same everywhere. Numbers come from overview.build, as on the dashboard.
Each of them computes and renders inside `localized(report)`, so words, numbers and dates
follow the report's language and number format (dashboard/locales.py).
"""

from contextlib import contextmanager

from django.shortcuts import render as render_template
from django.utils import timezone, translation

from accounts import zones
from accounts.models import Profile
from dashboard import locales, overview, workspace_rollups
from dashboard.moments import zone_name
from dashboard.reports import branding, periods


def profile_ids(report):
    """(chosen active profiles, every_profile, ids whose numbers the report shows)."""
    named = report.profiles.order_by("title")
    # Archived profiles drop out, as on the overview; a report naming only archived ones shows
    # none, never every profile (that would show a client more than theirs).
    chosen = list(named.filter(archived_at__isnull=True))
    every_profile = not named.exists()
    if not every_profile:
        return chosen, False, [profile.pk for profile in chosen]
    ids = Profile.objects.filter(workspace=report.workspace_id, archived_at__isnull=True)
    return chosen, True, list(ids.values_list("pk", flat=True))


@contextmanager
def localized(report):
    """Compute and render the report in its language and number format.

    Both the context (overview.build writes some numbers and dates as text) and the template
    must run inside, so wrap the call that renders, not only the one that builds.
    """
    with translation.override(report.language), locales.formats(report.number_format):
        yield


def context(report, today=None):
    """The template context of reports/_report.html for `report` as of `today`.

    In the report's workspace's zone, also outside a request (the email and PDF worker): its
    days, `today` and the times shown are that zone's, as on the workspace's pages.
    """
    with zones.entered(report.workspace):
        return _context(report, today)


def _context(report, today):
    today = today or timezone.localdate()
    first, last = periods.period(report.period_rule, today, report.start, report.end)
    chosen, every_profile, ids = profile_ids(report)
    workspace = report.workspace_id
    whole = workspace_rollups.whole(workspace, ids)
    numbers = overview.build(
        first,
        last,
        ids,
        whole=whole,
        before=periods.comparison(report.comparison, first, last),
    )
    return {
        "report": report,
        "workspace": report.workspace,
        "profiles": chosen,
        "every_profile": every_profile,
        "overview": numbers,
        "sections": report.sections,
        "text_color": branding.text_color(report.accent_color),
        "zone": zone_name(timezone.localtime()),
    }


def render(request, template, report, extra=None, *, today=None):
    """A page showing `report`: built and rendered in its workspace's zone, its language and
    number format, so what a template formats itself (dates, times) follows them too."""
    with zones.entered(report.workspace), localized(report):
        return render_template(request, template, {**context(report, today), **(extra or {})})
