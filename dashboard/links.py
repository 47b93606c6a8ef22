"""The links panel: clicks on the shortened links created in a period, for the overview and
the reports alike.

Ayrshare reports a link's clicks as a lifetime total (GET /links), not per day, so a period's
clicks are the lifetime clicks of the links created in it, as the post cards count the
lifetime totals of the posts published in it; both say so on the page.
"""

import datetime

from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext as _

from dashboard import kpis
from dashboard.models import ShortLink, SyncState

UNIT = "links"
TOP_LINKS = 5


def period_links(profiles, first, last):
    # created_at is an instant; the period is local days, as the posts' published_at.
    return ShortLink.objects.filter(
        profile__in=profiles,
        created_at__gte=kpis.day_start(first),
        created_at__lt=kpis.day_start(last + datetime.timedelta(days=1)),
    )


def summary(profiles, first, last):
    """Links created in the period, their clicks (None: none known, with the reason), the
    clicks' "as of" time (the last sync that read them) and the most clicked few."""
    links = period_links(profiles, first, last)
    numbers = links.aggregate(
        links=Count("pk"),
        reported=Count("pk", filter=Q(clicks__isnull=False)),
        clicks=Sum("clicks"),
        written=Max("synced_at"),
    )
    # A sync writes only the links that changed: the unit's last success says when the
    # unchanged ones were last read.
    state = SyncState.objects.filter(profile__in=profiles, unit=UNIT).aggregate(
        synced=Max("last_success"), failing=Count("pk", filter=~Q(last_error=""))
    )
    numbers["as_of"] = max(
        (when for when in (numbers.pop("written"), state["synced"]) if when), default=None
    )
    # Three statements at most: the top links when clicks are known, else why not.
    if numbers["reported"]:
        top = list(
            ShortLink.objects.filter(pk__in=_most_clicked(links))
            .defer("raw")
            .select_related("profile")
            .order_by("-clicks", "pk")
        )
        reason = ""
    else:
        top, reason = [], _reason(numbers, state)
    return {**numbers, "top": top, "reason": reason}


def _most_clicked(links):
    # Ranked on the period index's own columns; only the few shown are read whole.
    ranked = links.filter(clicks__isnull=False).order_by("-clicks", "pk")
    return ranked.values("pk")[:TOP_LINKS]


def _reason(numbers, state):
    if numbers["links"]:
        return _("Ayrshare has not reported clicks for these links yet.")
    if state["synced"] is not None:
        return _("No shortened link was created in the period.")
    if state["failing"]:
        return _("Links could not be synced (the Sync page says why); none are known yet.")
    return _("Links have not been synced yet.")
