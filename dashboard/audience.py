"""The Audience and links page: followers per network over time, account totals, shortened
links and YouTube playlists of one profile."""

import datetime

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone

from accounts.access import visible_profiles, workspace_member
from dashboard import charts, fragments
from dashboard.filters import DEFAULT_RANGE
from dashboard.followers import followers_at
from dashboard.metrics import (
    AUDIENCE_LABELS,
    AUDIENCE_METRICS,
    NOT_REPORTED,
    duration,
    network_name,
    retired_reason,
)
from dashboard.models import AccountMetrics, ShortLink, SyncState, YouTubePlaylist
from dashboard.sync import SOCIAL_PLATFORMS
from dashboard.weblinks import web_url

RESULTS_TARGET = "results"
CHART_ID = "followers-chart"
RANGES = [
    ("28", "Last 28 days"),
    ("90", "Last 90 days"),
    ("365", "Last 365 days"),
    ("all", "All time"),
]
LINKS_SHOWN = 100
# Followers lead each card on their own, with their change.
ACCOUNT_FIELDS = [
    ("following", "Following"),
    ("posts_count", "Posts"),
    ("impressions", "Impressions"),
    ("reach", "Reach"),
    ("views", "Views"),
    ("engagements", "Engagements"),
]
UNITS = ("social", "links", "playlists")


class AudienceFilters(forms.Form):
    # An integer, not a model choice: an id the member cannot see is a 404 (like any other
    # profile URL), only garbage is a 400.
    profile = forms.IntegerField(label="Profile", min_value=1, required=False)
    range = forms.ChoiceField(label="Period", choices=RANGES, required=False)

    def __init__(self, data, *, profiles):
        super().__init__(data)
        self.fields["profile"].widget = forms.Select(choices=[(p.pk, p.title) for p in profiles])

    def period(self, today=None):
        """(first day or None for all time, last day)."""
        today = today or timezone.localdate()
        preset = self.cleaned_data.get("range") or DEFAULT_RANGE
        if preset == "all":
            return None, today
        return today - datetime.timedelta(days=int(preset) - 1), today

    def error_text(self):
        return [
            f"{self[field].label}: {error}" if field in self.fields else error
            for field, errors in self.errors.items()
            for error in errors
        ]


@workspace_member()
def audience(request, membership):
    # One query for the gate's list; the chosen profile is picked from it.
    profiles = list(visible_profiles(membership).order_by("title"))
    data = request.GET.copy()
    if not data.get("range"):
        # So the form shows the period on screen.
        data["range"] = DEFAULT_RANGE
    filters = AudienceFilters(data, profiles=profiles)
    context = {"membership": membership, "filters": filters, "profiles": profiles}
    if filters.is_valid():
        profile = _chosen(profiles, filters.cleaned_data.get("profile"))
        if profile is not None:
            context.update(_sections(profile, filters))
    else:
        context["errors"] = filters.error_text()
    return fragments.render_page(
        request,
        "dashboard/audience.html",
        context,
        target=RESULTS_TARGET,
        invalid=not filters.is_valid(),
    )


def _chosen(profiles, profile_id):
    """The asked-for profile among the visible ones (404 otherwise), or the first by title."""
    if profile_id is None:
        return profiles[0] if profiles else None
    for profile in profiles:
        if profile.pk == profile_id:
            return profile
    raise Http404("No such profile.")


def _sections(profile, filters):
    first, last = filters.period()
    rows = list(
        AccountMetrics.objects.filter(profile=profile, date__lte=last, **_since(first))
        .defer("raw")
        .order_by("date", "platform")
    )
    units = {
        s.unit: s
        for s in SyncState.objects.filter(profile=profile, unit__in=UNITS).only(
            "unit", "last_success", "last_error"
        )
    }
    links = ShortLink.objects.filter(profile=profile)
    return {
        "profile": profile,
        "first": first or (rows[0].date if rows else None),
        "last": last,
        "followers": _followers_chart(rows),
        "accounts": _accounts(profile, rows, first),
        "links": _links(links),
        "link_count": links.count(),
        "links_shown": LINKS_SHOWN,
        "playlists": list(
            YouTubePlaylist.objects.filter(profile=profile).defer("raw").order_by("title", "pk")
        ),
        "has_youtube": "youtube" in profile.platforms,
        "has_social": any(p in SOCIAL_PLATFORMS for p in profile.platforms),
        "units": units,
        "not_reported": NOT_REPORTED,
    }


def _links(links):
    """The most clicked links first; a link whose clicks are not reported goes last."""
    rows = list(
        links.defer("raw").order_by(
            F("clicks").desc(nulls_last=True), F("created_at").desc(nulls_last=True), "pk"
        )[:LINKS_SHOWN]
    )
    for link in rows:
        link.short_href = web_url(link.short_url)
        link.original_href = web_url(link.original_url)
        by_network = sorted((link.clicks_by_platform or {}).items(), key=lambda kv: -kv[1])
        link.by_network = " · ".join(f"{network_name(p)} {intcomma(n)}" for p, n in by_network)
    return rows


def _since(first):
    return {"date__gte": first} if first else {}


def _followers_chart(rows):
    """Chart config and table rows: one dataset per network over every day from the first to the
    last report, so a day a network did not report is a gap (None), never 0."""
    if not rows:
        return None
    platforms = sorted({row.platform for row in rows})
    values = {(row.date, row.platform): row.followers for row in rows}
    days = _days(rows[0].date, rows[-1].date)
    datasets = [
        charts.series(
            network_name(platform),
            [values.get((day, platform)) for day in days],
            charts.platform_color(platform),
            spanGaps=False,
        )
        for platform in platforms
    ]
    config = charts.config("line", [day.isoformat() for day in days], datasets)
    # The table lists only the days some network reported, not every empty day.
    table = [
        {"date": day, "values": [values.get((day, platform)) for platform in platforms]}
        for day in days
        if any(values.get((day, platform)) is not None for platform in platforms)
    ]
    return {
        "config": config,
        "labels": [network_name(p) for p in platforms],
        "table": table,
        "start": days[0],
        "end": days[-1],
    }


def _days(first, last):
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def _accounts(profile, rows, first):
    """Per network: its latest row's numbers and the change in followers over the period.

    The change compares with the last report before the period (as the overview's growth does),
    else with the first report inside it, whose date `since` then names.
    """
    before = (
        followers_at([profile], first - datetime.timedelta(days=1)).get(profile.pk, {})
        if first
        else {}
    )
    start, end = {}, {}
    for row in rows:
        if row.followers is None:
            continue
        start.setdefault(row.platform, (row.followers, row.date))
        end[row.platform] = (row.followers, row.date)
    accounts = []
    for row in _latest_rows(profile):
        baseline, since = before.get(row.platform), None
        if baseline is None and row.platform in start:
            baseline, since = start[row.platform]
        change = None
        if baseline is not None and row.platform in end:
            followers, day = end[row.platform]
            # A single report has nothing to compare with: no change is not "+0".
            if since != day:
                change = followers - baseline
        accounts.append(
            {
                "platform": row.platform,
                "date": row.date,
                "as_of": row.last_updated,
                "followers": row.followers,
                "numbers": _numbers(row),
                "change": change,
                "since": since,
            }
        )
    return accounts


def _numbers(row):
    """The card's numbers: the totals every network may report, then the audience numbers
    (gained and lost, organic and paid, watch time) of the networks that report them."""
    numbers = [(name, label, getattr(row, name)) for name, label in ACCOUNT_FIELDS]
    numbers += [
        (name, AUDIENCE_LABELS[name], getattr(row, name))
        for name in AUDIENCE_METRICS
        if getattr(row, name) is not None
    ]
    return [
        {
            "label": label,
            "value": value,
            "display": duration(value) if name == "watch_time" else intcomma(value),
            "reason": retired_reason(row.platform, name) or NOT_REPORTED,
        }
        for name, label, value in numbers
    ]


def _latest_rows(profile):
    """Each network's newest AccountMetrics row, whatever the period."""
    newest = Window(RowNumber(), partition_by=[F("platform")], order_by=F("date").desc())
    return (
        AccountMetrics.objects.filter(profile=profile)
        .defer("raw")
        .annotate(rank=newest)
        .filter(rank=1)
        .order_by("platform")
    )
