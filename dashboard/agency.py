"""The agency view: every visible profile side by side for one period, sortable.

Queries stay bounded whatever the number of profiles: the profiles, one grouped aggregate of
their posts, one grouped daily series for the sparklines, one read of their sync units, and the
follower queries of followers.py. The table shows a page of PAGE_SIZE rows: only the sorted
column's numbers are read for every profile, the rest for the page's. Rows are sorted in Python,
which keeps "missing sorts last" the same for every column.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.access import visible_profiles, workspace_member
from dashboard import fragments, kpis, networks, rollups, trends
from dashboard.filters import PostFilters, with_defaults
from dashboard.followers import follower_totals
from dashboard.metrics import RATE_SENTENCE, percent, unit_label
from dashboard.models import SyncState
from dashboard.moments import clock, past
from dashboard.queries import ids_or_subquery

TABLE_TARGET = "agency-table"
PERIOD_FIELDS = ("range", "start", "end")
# A sparkline draws one point per day; past a year the rows would grow too heavy to send.
# Past this many days the sparkline has a point per week: a point per day would be noise.
WEEKLY_AFTER_DAYS = 92
EVERY_WORDS = {"day": "Daily", "week": "Weekly", "month": "Monthly"}
# A unit whose next_update passed this long ago should have been refreshed by now.
STALE_AFTER = datetime.timedelta(hours=1)
SPARK_WIDTH, SPARK_HEIGHT = 100, 28
# Rows a page: at 10,000 profiles a page of every row was 23 MB of HTML and took 4.6 s.
PAGE_SIZE = 100

# (key, heading, numeric); every column sorts but the sparkline, whose total is "engagements".
COLUMNS = [
    ("title", "Profile", False),
    ("posts", "Posts published", True),
    ("impressions", "Impressions", True),
    ("engagements", "Engagements", True),
    ("engagement_rate", "Eng. rate", True),
    ("followers", "Followers", True),
    ("growth", "Growth", True),
    ("sparkline", "Engagements over time", False),
    ("last_sync", "Last sync", False),
    ("health", "Health", False),
]
SORT_KEYS = [key for key, _, _ in COLUMNS if key != "sparkline"]
HEADINGS = {key: label for key, label, _ in COLUMNS}
DEFAULT_SORT = "title"
HEALTH_RANK = {"OK": 0, "Stale": 1, "Failing": 2}
# Reasons listed under a health badge; the Sync page has them all.
HEALTH_REASONS = 2


# How each sort reads in the "Sort by" list: (ascending, descending).
SORT_WORDS = {
    "title": ("Profile, A to Z", "Profile, Z to A"),
    "last_sync": ("Last sync, longest ago first", "Last sync, most recent first"),
    "health": ("Health, best first", "Health, worst first"),
}


def _sort_choices():
    choices = []
    for key, label, _ in COLUMNS:
        if key in SORT_KEYS:
            up, down = SORT_WORDS.get(key, (f"{label}, lowest first", f"{label}, highest first"))
            choices += [(key, up), (f"-{key}", down)]
    return choices


SORTS = _sort_choices()


# What each sorted column reads for every profile (_load); the title reads nothing.
SORT_PARTS = {
    "posts": "totals",
    "impressions": "totals",
    "engagements": "totals",
    "engagement_rate": "totals",
    "followers": "followers",
    "growth": "followers",
    "last_sync": "rank",
    "health": "rank",
}


class AgencySort(forms.Form):
    sort = forms.ChoiceField(label="Sort by", required=False, choices=SORTS)
    page = forms.IntegerField(label="Page", required=False, min_value=1)


@dataclass
class Row:
    profile: object
    link: str = ""
    totals: dict = field(default_factory=dict)  # _post_totals' entry of the profile
    followers: dict = field(default_factory=dict)  # follower_totals' entry
    health: dict = field(default_factory=dict)  # sync_health's entry
    cells: dict = field(default_factory=dict)
    sparkline: dict = field(default_factory=dict)

    @property
    def cell_list(self):
        """The number cells in column order."""
        return list(self.cells.values())

    def value(self, key):
        if key == "title":
            return self.profile.title.casefold()
        if key == "health":
            return HEALTH_RANK[self.health["badge"]]
        if key == "last_sync":
            return self.health["last_success"]
        if key in ("followers", "growth"):
            return self.followers.get(key)
        if key == "posts":
            return self.totals.get("posts", 0)
        return self.totals.get(key)


@workspace_member()
def agency(request, membership):
    visible = visible_profiles(membership)
    data = with_defaults(request.GET)
    data = {name: data.get(name, "") for name in PERIOD_FIELDS}
    filters = PostFilters(data, profiles=visible)
    sorting = AgencySort(request.GET)
    context = {
        "membership": membership,
        "filters": filters,
        "sort": DEFAULT_SORT,
        "sorts": SORTS,
        "rate_formula": RATE_SENTENCE,
    }
    errors = _errors(filters, sorting)
    if errors:
        context["errors"] = errors
        return _render(request, context, invalid=True)

    first, last = _period(filters)
    sort = sorting.cleaned_data["sort"] or DEFAULT_SORT
    # Only what a row shows: the encrypted Profile-Key would be decrypted for nothing.
    profiles = list(visible.only("pk", "title", "color"))
    rows = _ranked(profiles, sort, first, last, visible)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(sorting.cleaned_data["page"] or 1, pages)  # past the end: the last page
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    period_query = urlencode({k: v for k, v in data.items() if v or k == "range"})
    _fill(membership, shown, first, last, period_query, done=SORT_PARTS.get(sort.lstrip("-")))
    context.update(
        rows=shown,
        count=len(rows),
        page=page,
        pages=pages,
        first_shown=(page - 1) * PAGE_SIZE + 1,
        last_shown=(page - 1) * PAGE_SIZE + len(shown),
        sort=sort,
        headers=_headers(sort),
        first=first,
        last=last,
        has_profiles=bool(profiles),
    )
    return _render(request, context)


def _render(request, context, invalid=False):
    return fragments.render_page(
        request,
        "dashboard/agency.html",
        context,
        target=TABLE_TARGET,
        partial="table",
        invalid=invalid,
    )


def _errors(filters, sorting):
    messages = []
    if not filters.is_valid():
        messages += filters.error_text()
    if not sorting.is_valid():
        messages += [
            f"{sorting[name].label}: {e}" for name, errors in sorting.errors.items() for e in errors
        ]
    return messages


def _period(filters):
    """The chosen period with open ends closed: a start alone runs to today."""
    return kpis.closed_period(*filters.period(), filters.fields["profiles"].queryset)


def _ranked(profiles, sort, first, last, visible):
    """A Row per profile in the table's order, loaded with the sorted column's numbers only."""
    rows = [Row(profile=profile) for profile in profiles]
    part = SORT_PARTS.get(sort.lstrip("-"))
    if part:
        ids = [profile.pk for profile in profiles]
        _load(rows, part, first, last, ids_or_subquery(ids, visible.values("pk")))
    return _sorted(rows, sort)


def _fill(membership, rows, first, last, period_query, done=None):
    """Everything else the page's rows show; `done`: the part _ranked loaded already."""
    if not rows:
        return
    profiles = [row.profile for row in rows]
    for part in ("totals", "followers", "health"):
        if part != done:
            _load(rows, part, first, last, [profile.pk for profile in profiles])
    # Months past two years (trends.grouping): 300 rows of a thousand points would be megabytes.
    every = "week" if (last - first).days >= WEEKLY_AFTER_DAYS else "day"
    every = trends.grouping(first, last, every)
    daily = _daily_engagements(profiles, first, last, every)
    accounts = networks.linked_accounts([p.pk for p in profiles])
    home = reverse("home", args=[membership.workspace.slug])
    sync = reverse("sync_status", args=[membership.workspace.slug])
    now = timezone.now()
    days = trends.buckets(first, last, every)
    for row in rows:
        profile = row.profile
        row.link = f"{home}?profiles={profile.pk}&{period_query}"
        row.cells = _cells(row.totals, row.followers)
        row.sparkline = _sparkline(days, daily.get(profile.pk, {}), every)
        row.health["synced"] = past(row.health["last_success"], now).text
        row.sync_link = f"{sync}#sync-profile-{profile.pk}"
        row.accounts = [a for a in accounts.get(profile.pk, []) if a.unlinked_at is None]
        row.warnings = networks.warnings(accounts.get(profile.pk, []))


def _load(rows, part, first, last, profiles):
    """Set one part of each row's numbers (see Row), read for `profiles` (their ids, or a
    subquery of them past queries.LISTED_PROFILES) in one go."""
    if part == "totals":
        found = _post_totals(profiles, first, last)
    elif part == "followers":
        found = follower_totals(profiles, first, last)["by_profile"]
    elif part == "rank":
        found = health_ranks(profiles)
    else:
        found = sync_health(profiles)
    for row in rows:
        entry = found.get(row.profile.pk)
        if part in ("health", "rank"):
            row.health = entry or never_synced()
        else:
            setattr(row, part, entry or {})


def _post_totals(profiles, first, last):
    """{profile_id: totals} in one grouped query, with the same rate formula as the KPIs."""
    rate_engagements, rate_base = rollups.rate_parts()
    grouped = (
        kpis.period_posts(profiles, first, last)
        .order_by()
        .values("profile")
        .annotate(
            posts=Count("pk"),
            sum_impressions=Sum("impressions"),
            sum_engagements=Sum("engagements"),
            rate_engagements=rate_engagements,
            rate_base=rate_base,
        )
    )
    result = {}
    for entry in grouped:
        base, top = entry["rate_base"], entry["rate_engagements"]
        result[entry["profile"]] = {
            "posts": entry["posts"],
            "impressions": entry["sum_impressions"],
            "engagements": entry["sum_engagements"],
            "engagement_rate": top / base if base else None,
        }
    return result


def _daily_engagements(profiles, first, last, every):
    """{profile_id: {day: engagements or None}}; None where posts went out but none reported."""
    grouped = (
        kpis.period_posts(profiles, first, last)
        .annotate(day=trends.bucket(every))
        .order_by()
        .values("profile", "day")
        .annotate(engagements=Sum("engagements"))
    )
    result = {}
    for entry in grouped:
        result.setdefault(entry["profile"], {})[entry["day"]] = entry["engagements"]
    return result


def sync_health(profiles):
    """{profile_id: health} from every sync unit of the profiles, read in one query."""
    stale_before = timezone.now() - STALE_AFTER
    units = SyncState.objects.filter(profile__in=profiles).values_list(
        "profile_id", "unit", "last_success", "next_update", "consecutive_failures", "last_error"
    )
    result = {}
    for profile_id, unit, success, next_update, failures, error in units.order_by("unit"):
        entry = result.setdefault(profile_id, {"last_success": None, "failing": [], "stale": []})
        if success and (entry["last_success"] is None or success > entry["last_success"]):
            entry["last_success"] = success
        name = unit_label(unit)
        if failures:
            entry["failing"].append(f"{name}: {error or 'failed'} ({failures}× in a row)")
        if success is None:
            entry["stale"].append(f"{name}: never updated")
        elif next_update and next_update < stale_before:
            entry["stale"].append(f"{name}: due since {clock(next_update)}")
    for entry in result.values():
        _badge(entry)
    return result


def health_ranks(profiles):
    """{profile_id: {"badge", "last_success"}}: what the health and last-sync columns sort on,
    counted by the database. sync_health's reasons take every unit into Python: at 10,000
    profiles, 80,000 rows for a page that shows 100 of them."""
    stale_before = timezone.now() - STALE_AFTER
    grouped = (
        SyncState.objects.filter(profile__in=profiles)
        .order_by()
        .values("profile")
        .annotate(
            failing=Count("pk", filter=Q(consecutive_failures__gt=0)),
            # As sync_health: never updated, or due for longer than STALE_AFTER.
            stale=Count(
                "pk", filter=Q(last_success__isnull=True) | Q(next_update__lt=stale_before)
            ),
            latest=Max("last_success"),  # not "last_success": the filters above read the column
        )
    )
    result = {}
    for entry in grouped:
        badge = "Failing" if entry["failing"] else "Stale" if entry["stale"] else "OK"
        result[entry["profile"]] = {"badge": badge, "last_success": entry["latest"]}
    return result


def never_synced():
    entry = {"last_success": None, "failing": [], "stale": ["No sync has run for this profile yet"]}
    return _badge(entry)


def _badge(entry):
    """The badge and, shown under it, why: the first few reasons and how many more."""
    if entry["failing"]:
        entry["badge"], reasons = "Failing", entry["failing"]
    elif entry["stale"]:
        entry["badge"], reasons = "Stale", entry["stale"]
    else:
        entry["badge"], reasons = "OK", []
    entry["reasons"] = reasons[:HEALTH_REASONS]
    entry["more"] = len(reasons) - len(entry["reasons"])
    return entry


def _cells(totals, followers):
    """Each number with its display text and, when missing, why."""
    posts = totals.get("posts", 0)
    nothing = "No posts published in this period"
    followers = followers or {}
    values = {
        "posts": (posts, ""),
        "impressions": (totals.get("impressions"), _none_reason(posts, "impressions")),
        "engagements": (totals.get("engagements"), _none_reason(posts, "engagements")),
        "engagement_rate": (
            totals.get("engagement_rate"),
            nothing
            if not posts
            else "No post reports engagements with impressions, reach or views",
        ),
        "followers": (followers.get("followers"), "No follower count reported yet"),
        "growth": (
            followers.get("growth"),
            "No earlier follower count to compare with"
            if followers
            else "No follower count reported yet",
        ),
    }
    cells = {}
    for key, (value, reason) in values.items():
        cells[key] = {
            "value": value,
            "display": _display(key, value),
            "reason": "" if value is not None else reason,
            "label": HEADINGS[key],
        }
    return cells


def _none_reason(posts, metric):
    if not posts:
        return "No posts published in this period"
    return f"None of the {posts} posts reports {metric} (yet)"


def _display(key, value):
    if value is None:
        return "—"
    if key == "engagement_rate":
        return percent(value)
    if key == "growth":
        return f"+{intcomma(value)}" if value > 0 else intcomma(value)
    return intcomma(value)


def _sparkline(days, daily, every="day"):
    """Polyline segments of daily engagements; a day with posts that report none is a gap.

    A day with no posts counts 0: nothing was published, so nothing could be engaged with.
    """
    values = [daily.get(day, 0) for day in days]
    known = [v for v in values if v is not None]
    top = max(known, default=0) or 1
    step = (SPARK_WIDTH - 2) / max(len(days) - 1, 1)
    segments, current = [], []
    for index, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
            continue
        x = 1 + index * step if len(days) > 1 else SPARK_WIDTH / 2
        y = SPARK_HEIGHT - 1 - value / top * (SPARK_HEIGHT - 2)
        current.append((round(x, 1), round(y, 1)))
    if current:
        segments.append(current)
    gaps = len(values) - len(known)
    peak_day = days[values.index(max(known))] if known and max(known) else None
    summary = (
        f"{EVERY_WORDS[every]} engagements {days[0]:%b %-d} – "
        f"{days[-1]:%b %-d}: total {intcomma(sum(known))}"
    )
    if peak_day:
        summary += f", peak {intcomma(max(known))} on {peak_day:%b %-d}"
    if gaps:
        summary += f", {gaps} day{'s' if gaps != 1 else ''} with posts that report no engagements"
    return {
        "lines": [" ".join(f"{x},{y}" for x, y in seg) for seg in segments if len(seg) > 1],
        "dots": [seg[0] for seg in segments if len(seg) == 1],
        "points": len(known),
        "label": summary,
        "width": SPARK_WIDTH,
        "height": SPARK_HEIGHT,
    }


def _sorted(rows, sort):
    """Rows by the chosen column; ties by title; a missing value sorts last either way."""
    key = sort.lstrip("-")
    rows = sorted(rows, key=lambda row: row.profile.title.casefold())
    present = [row for row in rows if row.value(key) is not None]
    missing = [row for row in rows if row.value(key) is None]
    present.sort(key=lambda row: row.value(key), reverse=sort.startswith("-"))
    return present + missing


def _headers(sort):
    """Column headings linking to their next sort: names A→Z first, numbers largest first."""
    headers = []
    for key, label, numeric in COLUMNS:
        header = {"key": key, "label": label, "numeric": numeric}
        if key not in SORT_KEYS:
            headers.append(header)
            continue
        header["next_sort"] = key if key == "title" else f"-{key}"
        if sort == key:
            header.update(aria_sort="ascending", arrow="↑", next_sort=f"-{key}")
        elif sort == f"-{key}":
            header.update(aria_sort="descending", arrow="↓", next_sort=key)
        headers.append(header)
    return headers
