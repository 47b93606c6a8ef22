"""The post-history filters: one Form that turns a query string into validated filters.

The page, its htmx fragment and the CSV export all read the same form, so a shared link and
its CSV show the same rows.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.forms import ProfileChoiceField
from dashboard import picker
from dashboard.metrics import LABELS, MEDIA_TYPES, METRICS, PLATFORMS, network_name
from dashboard.queries import COUNT_CAP, PAGE_SIZE, decode_cursor, sort_column

RANGE_PRESETS = [
    ("", "All time"),
    ("7", "Last 7 days"),
    ("28", "Last 28 days"),
    ("90", "Last 90 days"),
    ("month", "This month"),
    ("custom", "Custom dates"),
]
# Presets that ignore From/To; with "custom" (or "All time") the dates decide.
DATE_RANGES = ("", "custom")
STATUSES = [
    ("success", "Success"),
    ("error", "Error"),
    ("pending", "Pending"),
    ("paused", "Paused"),
    ("deleted", "Deleted"),
    ("awaiting approval", "Awaiting approval"),
    ("processing", "Processing"),
]
TYPES = [("", "Any timing"), ("immediate", "Posted at once"), ("scheduled", "Scheduled ahead")]
ORIGINS = [
    ("", "Anywhere"),
    ("ayrshare", "Through Ayrshare"),
    ("network", "Directly on the network"),
]
# The posts page's tabs: what a person looks for first is what went out.
SHOW = [
    ("published", "Published"),
    ("upcoming", "Scheduled and pending"),
    ("failed", "Failed"),
    ("all", "All"),
]
DEFAULT_SHOW = "published"
# Every page that has a period opens on the same one.
DEFAULT_RANGE = "28"
SORTS = [("-published_at", "Newest first"), ("published_at", "Oldest first")] + [
    (f"{sign}{name}", f"{LABELS[name]}, {order} first")
    for name in METRICS
    for sign, order in (("-", "highest"), ("", "lowest"))
]
DEFAULT_SORT = "-published_at"
# ?page=N may go as deep as the capped count reaches (OFFSET of at most ~1,000 rows).
OFFSET_PAGES = COUNT_CAP // PAGE_SIZE + 1
# A period reaches from 2000 to a few years ahead: no post is older than the networks, and a
# date of year 1 or 9999 makes every period computation overflow (and centuries cost time).
EARLIEST_DATE = datetime.date(2000, 1, 1)
YEARS_AHEAD = 5
BAD_CURSOR = "This page link is damaged or out of date; start again from the first page."


def with_defaults(query):
    """A copy of the query string with the default period (the last 28 days) where it names
    none; "?range=" (All time) is a choice, not a missing value."""
    data = query.copy()
    if not ("range" in data or data.get("start") or data.get("end")):
        data["range"] = DEFAULT_RANGE
    return data


class PostFilters(forms.Form):
    range = forms.ChoiceField(label="Period", choices=RANGE_PRESETS, required=False)
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    profiles = ProfileChoiceField(
        queryset=None,
        required=False,
        error_messages={"invalid_choice": "You cannot see profile %(value)s."},
    )
    platforms = forms.MultipleChoiceField(
        choices=[(p, network_name(p)) for p in PLATFORMS], required=False
    )
    status = forms.MultipleChoiceField(choices=STATUSES, required=False)
    type = forms.ChoiceField(label="Timing", choices=TYPES, required=False)
    origin = forms.ChoiceField(label="Posted", choices=ORIGINS, required=False)
    media = forms.ChoiceField(
        label="Media",
        choices=[("", "Any media")] + [(m, m.capitalize()) for m in MEDIA_TYPES if m],
        required=False,
    )
    q = forms.CharField(label="Search text", max_length=200, required=False, strip=True)
    show = forms.ChoiceField(choices=SHOW, required=False)
    sort = forms.ChoiceField(label="Sort by", choices=SORTS, required=False)
    # Old ?page=N links page by OFFSET, which stays cheap only near the top; deeper pages use
    # the cursors the page links carry (?after= / ?before=, see queries.encode_cursor).
    page = forms.IntegerField(
        min_value=1,
        max_value=OFFSET_PAGES,
        required=False,
        error_messages={
            "max_value": "Page numbers past %(limit_value)s are not supported; use the page links."
        },
    )
    after = forms.CharField(
        label="Page link", max_length=400, required=False, widget=forms.HiddenInput
    )
    before = forms.CharField(
        label="Page link", max_length=400, required=False, widget=forms.HiddenInput
    )

    def __init__(self, data, *, profiles):
        """`profiles` is the member's visible_profiles(): the only ids ?profiles= may name."""
        super().__init__(data)
        # Deferred as visible_profiles() does, whatever queryset the caller passes: the key is
        # decrypted on load and never needed to filter or to list choices.
        self.fields["profiles"].queryset = profiles.order_by("title").defer("profile_key")

    def profile_picker(self):
        """The profiles filter for _profile_select.html (see dashboard/picker.py).

        Options written out in the template, not by Django's widget: it renders each through
        its own template, 18 ms for 300 options against 5 ms for this query and the loop.
        """
        return picker.build(
            self.fields["profiles"].queryset,
            self["profiles"].value(),
            self.data.get("profile_search", ""),
        )

    def clean_start(self):
        return check_date(self.cleaned_data["start"])

    def clean_end(self):
        return check_date(self.cleaned_data["end"])

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if cleaned.get("range") not in DATE_RANGES and (start or end):
            raise ValidationError("Choose either a period or from/to dates, not both.")
        if start and end and start > end:
            raise ValidationError("The “From” date is after the “To” date.")
        self._clean_cursors(cleaned)
        return cleaned

    def _clean_cursors(self, cleaned):
        """Decode ?after= / ?before= for the chosen sort; a garbled one is a form error."""
        given = [name for name in ("after", "before") if cleaned.get(name)]
        if len(given) + bool(cleaned.get("page")) > 1:
            raise ValidationError("A page link has either after, before or page; not two.")
        column, _ = sort_column(cleaned.get("sort") or DEFAULT_SORT)
        for name in given:
            try:
                cleaned[name] = decode_cursor(cleaned[name], column)
            except ValueError:
                self.add_error(name, BAD_CURSOR)

    def period(self, today=None):
        """(first day, last day) inclusive, either possibly None, in the current time zone."""
        preset = self.cleaned_data.get("range")
        today = today or timezone.localdate()
        if preset == "month":
            return today.replace(day=1), today
        if preset not in DATE_RANGES:
            return today - datetime.timedelta(days=int(preset) - 1), today
        return self.cleaned_data.get("start"), self.cleaned_data.get("end")

    def listed_period(self):
        """period() as the post list reads it: "Last 28 days" runs on into the posts scheduled
        ahead, and only a chosen end date ends it."""
        first, last = self.period()
        return first, (last if self.cleaned_data.get("range") in DATE_RANGES else None)

    def shown(self):
        return self.cleaned_data.get("show") or DEFAULT_SHOW

    def active_count(self):
        """How many filters narrow the list beyond the defaults, for the phone's "Filters (N)"."""
        data = self.cleaned_data
        names = ("profiles", "platforms", "status", "type", "origin", "media", "q")
        dated = data.get("range") != DEFAULT_RANGE or data.get("start") or data.get("end")
        return sum(1 for name in names if data.get(name)) + bool(dated)

    def sort_order(self):
        return self.cleaned_data.get("sort") or DEFAULT_SORT

    def page_number(self):
        return self.cleaned_data.get("page") or 1

    def cursors(self):
        """{"after": .., "before": .., "number": ..} for queries.paginate."""
        data = self.cleaned_data
        return {
            "after": data.get("after") or None,
            "before": data.get("before") or None,
            "number": self.page_number(),
        }

    def error_text(self):
        """All errors as one plain sentence list, for the 400 page and the CSV."""
        messages = []
        for field, errors in self.errors.items():
            label = self[field].label if field in self.fields else None
            for error in errors:
                messages.append(f"{label or field.capitalize()}: {error}" if label else error)
        return messages


def latest_date(today=None):
    """The last day a period may name: the end of the year YEARS_AHEAD from now."""
    return datetime.date((today or timezone.localdate()).year + YEARS_AHEAD, 12, 31)


def check_date(day):
    """The day, if a period may name it (also the reports' custom dates), else a form error."""
    if day is None:
        return day
    if day < EARLIEST_DATE:
        raise ValidationError(f"Choose a date from {format_date(EARLIEST_DATE, 'M j, Y')} on.")
    if day > latest_date():
        raise ValidationError(f"Choose a date up to {format_date(latest_date(), 'M j, Y')}.")
    return day
