"""Forms for workspaces and profiles; API keys in them are write-only.

A stored key is never put back into a form: the page shows its mask ("••••1234") or "not set",
a blank field keeps the stored value, and a "remove" box clears it.
"""

import re
import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import transaction
from django.utils.text import slugify

from accounts import crypto, logos
from accounts.models import Profile, Workspace, WorkspaceLogo
from dashboard.metrics import NETWORK_NAMES

PLATFORM_CHOICES = list(NETWORK_NAMES.items())


# A row id as we write it into links and forms: ASCII digits only. str.isdigit() also takes "²",
# which int() refuses, and int() takes " 12", "+12" and "١٢", which no page of ours writes.
ID_TEXT = re.compile(r"[0-9]{1,19}")
# Ids are 64-bit columns; a larger number names no row, and SQLite cannot even compare with it.
ID_LIMIT = 2**63


def parse_id(text):
    """The id a query string or form names, or None when it is not a row id."""
    if not isinstance(text, str) or not ID_TEXT.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value < ID_LIMIT else None


class ProfileChoiceField(forms.ModelMultipleChoiceField):
    """Profile ids checked in one query. Django's own field first builds a queryset for each
    id to test its format: 30 ms of an agency's 300-profile link, on every request. Its
    `__in` of an id past the 64-bit range also overflows on SQLite (a 500)."""

    def _check_values(self, value):
        ids = set()
        for pk in value:
            try:
                ids.add(int(pk))
            except (TypeError, ValueError):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                ) from None
        # An id past the 64-bit range names no profile (and SQLite would overflow on it).
        chosen = self.queryset.filter(pk__in=[pk for pk in ids if 0 < pk < ID_LIMIT])
        missing = ids - {profile.pk for profile in chosen}
        if missing:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": min(missing)},
            )
        return chosen


# The client refuses keys with spaces or control characters; say so here instead of at sync time.
KEY_CHARACTERS = re.compile(r"^[\x21-\x7e]+$")


def secret_field(label, help_text=""):
    # render_value=False: not even a value typed into a form that failed validation comes back.
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        max_length=500,
        help_text=help_text,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


class SecretFieldsMixin:
    """Write-only handling for the model fields named in ``secret_fields``.

    Each secret ``name`` comes with a ``remove_<name>`` checkbox declared on the form.
    """

    secret_fields = ()

    def secret_rows(self):
        """(field, remove box, what is stored) for each secret, for the template."""
        for name in self.secret_fields:
            stored = getattr(self.instance, name)
            yield self[name], self[f"remove_{name}"], crypto.mask(stored) if stored else ""

    def clean_secrets(self):
        for name in self.secret_fields:
            value = self.cleaned_data.get(name, "")
            if value and not KEY_CHARACTERS.match(value):
                self.add_error(name, "A key has no spaces or special characters; check the paste.")
            if value and self.cleaned_data.get(f"remove_{name}"):
                self.add_error(name, "Type a new key or tick “remove”, not both.")

    def secret_after_save(self, name):
        """The value the secret will have once the form is applied."""
        if self.cleaned_data.get(f"remove_{name}"):
            return ""
        return self.cleaned_data.get(name) or getattr(self.instance, name)

    def apply_secrets(self):
        for name in self.secret_fields:
            setattr(self.instance, name, self.secret_after_save(name))


class WorkspaceNewForm(forms.Form):
    name = forms.CharField(max_length=100)

    def save(self):
        name = self.cleaned_data["name"]
        return Workspace.objects.create(name=name, slug=unique_slug(name))


def unique_slug(name):
    base = slugify(name)[:90] or "workspace"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class WorkspaceSettingsForm(SecretFieldsMixin, forms.ModelForm):
    secret_fields = ("api_key", "x_api_key", "x_api_secret")

    # Not required: a form sent without it (an older page) keeps the zone.
    time_zone = forms.ChoiceField(
        required=False,
        choices=zone_choices,
        label="Time zone",
        help_text=(
            "Days on every page, in the CSV and in reports are days in this zone. Changing it "
            "recounts the totals in the background."
        ),
        error_messages={
            "invalid_choice": "“%(value)s” is not a time zone. Choose one from the list."
        },
    )

    api_key = secret_field("Ayrshare API key", "From Ayrshare's dashboard, API Key page.")
    remove_api_key = forms.BooleanField(required=False, label="Remove the stored API key")
    x_api_key = secret_field(
        "X app API key", "Your own X (Twitter) app's key; Ayrshare needs it for X since 2026."
    )
    remove_x_api_key = forms.BooleanField(required=False, label="Remove the stored X app key")
    x_api_secret = secret_field("X app API secret")
    remove_x_api_secret = forms.BooleanField(required=False, label="Remove the stored X app secret")
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text=(
            f"PNG, JPEG or WebP, at most {logos.MAX_BYTES // 1024} KB and "
            f"{logos.MAX_SIDE} pixels a side. Shown on reports and their PDF cover."
        ),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )

    class Meta:
        model = Workspace
        fields = ["name", "time_zone"]

    @property
    def zone_changed(self):
        # Not changed_data: a form sent without the field counts as changed there.
        return self.cleaned_data["time_zone"] != self.initial.get("time_zone")

    def clean_time_zone(self):
        return self.cleaned_data["time_zone"] or self.instance.time_zone

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        return logos.read(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        self.clean_secrets()
        if not self.errors and bool(self.secret_after_save("x_api_key")) != bool(
            self.secret_after_save("x_api_secret")
        ):
            raise forms.ValidationError(
                "The X app key and secret go together: set both, or remove both."
            )
        return cleaned

    def save(self, commit=True):
        self.apply_secrets()
        workspace = super().save(commit=False)
        fields = ["name", "time_zone", *self.secret_fields]
        if self.zone_changed:
            # Its rollups are in no one zone until rezone.rebuild_workspace marks the new one.
            workspace.rollups_zone = ""
            fields.append("rollups_zone")
        if commit:
            # Else never rollups_zone: a rebuild may have marked it since the row was read.
            workspace.save(update_fields=fields)
            if self.cleaned_data.get("logo"):
                set_logo(workspace, *self.cleaned_data["logo"])
        return workspace


@transaction.atomic
def set_logo(workspace, data, kind):
    """Store (or, with data None, remove) the workspace's logo."""
    if data is None:
        WorkspaceLogo.objects.filter(workspace=workspace).delete()
        workspace.logo_type = workspace.logo_sha256 = ""
    else:
        WorkspaceLogo.objects.update_or_create(workspace=workspace, defaults={"data": data})
        workspace.logo_type, workspace.logo_sha256 = kind, logos.digest(data)
    workspace.save(update_fields=["logo_type", "logo_sha256"])


class ProfileForm(SecretFieldsMixin, forms.ModelForm):
    secret_fields = ("profile_key",)

    profile_key = secret_field("Profile-Key", "From Ayrshare's User Profiles page.")
    remove_profile_key = forms.BooleanField(
        required=False, label="Remove the stored Profile-Key (makes this the primary profile)"
    )
    platforms = forms.MultipleChoiceField(
        choices=PLATFORM_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Linked networks",
    )
    color = forms.CharField(
        label="Colour in charts",
        max_length=7,
        validators=[
            RegexValidator(
                r"^#[0-9a-fA-F]{6}$", "Use a colour like #4f46e5 (# and six hex digits)."
            )
        ],
        widget=forms.TextInput(attrs={"type": "color"}),
    )

    class Meta:
        model = Profile
        fields = ["title", "platforms", "color"]

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.workspace = workspace

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        others = Profile.objects.filter(workspace=self.instance.workspace, title__iexact=title)
        if others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another profile of this workspace has this title.")
        return title

    def clean_platforms(self):
        # Networks this form has no box for (Ayrshare adds some) stay linked when editing.
        known = {value for value, _ in PLATFORM_CHOICES}
        kept = [p for p in self.instance.platforms or [] if p not in known]
        return [*self.cleaned_data["platforms"], *kept]

    def clean_color(self):
        return self.cleaned_data["color"].lower()

    @property
    def zone_changed(self):
        # Not changed_data: a form sent without the field counts as changed there.
        return self.cleaned_data["time_zone"] != self.initial.get("time_zone")

    def clean_time_zone(self):
        return self.cleaned_data["time_zone"] or self.instance.time_zone

    def clean(self):
        cleaned = super().clean()
        self.clean_secrets()
        if "profile_key" not in self.errors and not self.secret_after_save("profile_key"):
            primary = (
                Profile.objects.filter(workspace=self.instance.workspace, profile_key="")
                .exclude(pk=self.instance.pk)
                .first()
            )
            if primary is not None:
                self.add_error(
                    "profile_key",
                    f"“{primary.title}” is already the primary profile (no Profile-Key); "
                    "this one needs its Profile-Key.",
                )
        return cleaned

    def save(self, commit=True):
        self.apply_secrets()
        return super().save(commit)


class ImportProfilesForm(forms.Form):
    """A checkbox and a Profile-Key field for each listed profile that is not here yet.

    GET /profiles never returns Profile-Keys, so each chosen profile needs its key typed in.
    ``listed`` holds dicts with refId, title, platforms and suspended; ``present`` the refIds
    the workspace has already.
    """

    def __init__(self, *args, listed, present, **kwargs):
        super().__init__(*args, **kwargs)
        self.listed = listed
        self.present = present
        self.candidates = [item for item in listed if item["refId"] not in present]
        for item in self.candidates:
            ref = item["refId"]
            self.fields[f"pick_{ref}"] = forms.BooleanField(
                required=False, label=f"Import {item['title']}"
            )
            self.fields[f"key_{ref}"] = secret_field(f"Profile-Key of {item['title']}")

    def rows(self):
        """(listed profile, its checkbox, its key field); no fields for those already here."""
        for item in self.listed:
            ref = item["refId"]
            if ref in self.present:
                yield item, None, None
            else:
                yield item, self[f"pick_{ref}"], self[f"key_{ref}"]

    def clean(self):
        cleaned = super().clean()
        self.chosen = [item for item in self.candidates if cleaned.get(f"pick_{item['refId']}")]
        if not self.chosen:
            raise forms.ValidationError("Tick at least one profile to import.")
        for item in self.chosen:
            name = f"key_{item['refId']}"
            key = cleaned.get(name, "")
            if not key:
                self.add_error(name, "Type this profile's Profile-Key to import it.")
            elif not KEY_CHARACTERS.match(key):
                self.add_error(name, "A key has no spaces or special characters; check the paste.")
        return cleaned

    def key_for(self, item):
        return self.cleaned_data[f"key_{item['refId']}"]
