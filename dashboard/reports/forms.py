import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import ProfileChoiceField
from dashboard.filters import check_date
from dashboard.reports import periods, schedule
from dashboard.reports.models import HEX_COLOR, SECTION_KEYS, SECTIONS, Report, ReportSchedule


class ReportForm(forms.ModelForm):
    """A report definition. Sections are chosen by position: a number per section, blank to
    leave it out, so the order needs no script to drag things about."""

    profiles = ProfileChoiceField(
        queryset=None,
        required=False,
        label=_("Profiles"),
        help_text=_("None chosen: every active profile of the workspace."),
        error_messages={"invalid_choice": _("This workspace has no profile %(value)s.")},
        widget=forms.CheckboxSelectMultiple,
    )
    period_rule = forms.ChoiceField(
        label=_("Period"), choices=periods.RULES, widget=forms.RadioSelect
    )
    start = forms.DateField(
        label=_("From (custom dates)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("To (custom dates)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    comparison = forms.ChoiceField(
        label=_("Compared with"), choices=periods.COMPARISONS, widget=forms.RadioSelect
    )
    accent_color = forms.CharField(
        label=_("Accent colour"),
        max_length=7,
        validators=[HEX_COLOR],
        help_text=_("The report's heading band; its text turns black or white to stay readable."),
        widget=forms.TextInput(attrs={"type": "color"}),
    )

    class Meta:
        model = Report
        fields = [
            "title",
            "profiles",
            "period_rule",
            "start",
            "end",
            "comparison",
            "commentary",
            "goals",
            "accent_color",
            "prepared_by",
            "language",
            "number_format",
            "clients_may_view",
        ]
        labels = {
            "prepared_by": _("Prepared by"),
            "language": _("Language"),
            "number_format": _("Numbers and dates"),
            "clients_may_view": _("Clients may view this report"),
        }
        widgets = {
            "commentary": forms.Textarea(attrs={"rows": 4}),
            "goals": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "clients_may_view": _("Client members see it only if they may see all its profiles."),
            "commentary": _("Shown in the Commentary section."),
            "goals": _("Shown in the Goals section: what you aim for in the period."),
            "number_format": _("How the report writes numbers and dates, whatever its language."),
        }

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.workspace = workspace
        self.fields["profiles"].queryset = workspace.profiles.filter(
            archived_at__isnull=True
        ).defer("profile_key")
        # Left out of a post (an older form, a script): the report keeps what it has.
        for name in ("language", "number_format"):
            self.fields[name].required = False
        chosen = self.instance.sections if self.instance.pk else SECTION_KEYS
        for key, label in SECTIONS:
            self.fields[f"order_{key}"] = forms.IntegerField(
                # Not the bare name: "Commentary" and "Goals" also label their text boxes.
                label=format_lazy(_("{section}: position"), section=label),
                min_value=1,
                max_value=len(SECTIONS),
                required=False,
                initial=chosen.index(key) + 1 if key in chosen else None,
                widget=forms.NumberInput(attrs={"class": "position"}),
            )

    def section_fields(self):
        return [self[f"order_{key}"] for key in SECTION_KEYS]

    def clean_title(self):
        return self.cleaned_data["title"].strip()

    def clean_start(self):
        return check_date(self.cleaned_data["start"])

    def clean_end(self):
        return check_date(self.cleaned_data["end"])

    def clean_language(self):
        return self.cleaned_data["language"] or self.instance.language

    def clean_number_format(self):
        return self.cleaned_data["number_format"] or self.instance.number_format

    def clean_accent_color(self):
        return self.cleaned_data["accent_color"].lower()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period_rule") == periods.CUSTOM:
            start, end = cleaned.get("start"), cleaned.get("end")
            if "start" in cleaned and "end" in cleaned:
                if start is None or end is None:
                    raise ValidationError(
                        gettext("Custom dates need both a “From” and a “To” date.")
                    )
                if start > end:
                    raise ValidationError(gettext("The “From” date is after the “To” date."))
        else:
            # Dates belong to custom periods only; a rule computes its own.
            cleaned["start"] = cleaned["end"] = None
        positions = [
            (cleaned[f"order_{key}"], n, key)
            for n, key in enumerate(SECTION_KEYS)
            if cleaned.get(f"order_{key}") is not None
        ]
        if not positions and not any(f"order_{key}" in self.errors for key in SECTION_KEYS):
            raise ValidationError(gettext("Choose at least one section: give it a position."))
        # Equal positions keep the default order.
        self.instance.sections = [key for _, _, key in sorted(positions)]
        return cleaned


WEEKDAY_CHOICES = [("", "—"), *((str(n), name) for n, name in WEEKDAYS.items())]
# Commas, semicolons and line breaks separate addresses, as people paste them from mail clients.
ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


class ScheduleForm(forms.Form):
    """A report's email schedule and its recipients; the zone is the workspace's."""

    frequency = forms.ChoiceField(
        label="Send", choices=ReportSchedule.FREQUENCIES, widget=forms.RadioSelect
    )
    monthly_on = forms.ChoiceField(
        label="Monthly on",
        choices=[("day", "A day of the month"), ("first", "The first weekday of the month")],
        widget=forms.RadioSelect,
        required=False,
    )
    day_of_month = forms.IntegerField(
        label="Day of the month",
        min_value=1,
        max_value=31,
        required=False,
        help_text="29 to 31: the last day in shorter months.",
    )
    weekday = forms.TypedChoiceField(
        label="Weekday",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        empty_value=None,
        help_text="Weekly: the day it goes out. Monthly: with “first weekday”, which one.",
    )
    time_of_day = forms.TimeField(
        label="Time of day", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    recipients = forms.CharField(
        label="Recipients",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Email addresses, one per line or separated by commas. No account needed.",
    )
    hold_for_review = forms.BooleanField(
        label="Hold for review: an owner approves each send first", required=False
    )
    auto_hold = forms.BooleanField(
        label="Hold while the data is not up to date (a sync failing or stale)", required=False
    )
    hold_days = forms.IntegerField(
        label="Days a held send may wait before it expires", min_value=1, max_value=28
    )

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["time_of_day"].help_text = f"In {zone}."

    def clean_recipients(self):
        text = self.cleaned_data["recipients"]
        addresses, seen, bad = [], set(), []
        for address in ADDRESS_SEPARATORS.split(text):
            if not address:
                continue
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
                continue
            if address.lower() not in seen:
                seen.add(address.lower())
                addresses.append(address)
        if bad:
            raise ValidationError(
                [ValidationError(f"“{address}” is not an email address.") for address in bad]
            )
        return addresses

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        frequency = data["frequency"]
        if frequency == "monthly" and data.get("monthly_on") == "first":
            data["day_of_month"] = None
        elif frequency == "monthly":
            data["weekday"] = None
        elif frequency == "weekly":
            data["day_of_month"] = None
        try:
            schedule.Rule(
                frequency=frequency,
                day_of_month=data["day_of_month"],
                weekday=data["weekday"],
                time_of_day=data["time_of_day"].replace(second=0, microsecond=0),
                zone=self.zone,
            )
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        if frequency != "none" and not data["recipients"]:
            self.add_error("recipients", "A scheduled report needs at least one recipient.")
        return data


class ShareLinkForm(forms.Form):
    label = forms.CharField(
        label="Label",
        max_length=200,
        help_text="Who the link is for, e.g. “For Acme”; only your team sees it.",
    )
    password = forms.CharField(
        label="Password (optional)",
        required=False,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Visitors type it before they see the report. Send it separately from the link.",
    )
    expires_on = forms.DateField(
        label="Last day it opens (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Blank: it opens until you revoke it.",
    )

    def clean_expires_on(self):
        day = check_date(self.cleaned_data["expires_on"])
        if day is not None and day < timezone.localdate():
            raise ValidationError("Choose today or a later day.")
        return day


class SharePasswordForm(forms.Form):
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
