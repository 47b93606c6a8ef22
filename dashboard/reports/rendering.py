"""What a report shows on a given day: its days, its profiles and the overview's numbers.

The app page, the shared link, the print view and the email all render from this, so a
report reads the same everywhere. Numbers come from overview.build, as on the dashboard.
"""

from django.utils import timezone

from accounts import zones
from accounts.models import Profile
from dashboard import overview, workspace_rollups
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
    whole = workspace if workspace_rollups.whole(workspace, ids) else None
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
