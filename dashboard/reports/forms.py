from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import ProfileChoiceField
from dashboard.filters import check_date
from dashboard.reports import periods
from dashboard.reports.models import HEX_COLOR, SECTION_KEYS, SECTIONS, Report


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
