import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts import logos
from accounts.fields import EncryptedTextField


def default_zone():
    return settings.TIME_ZONE


def validate_zone(name):
    if name not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(name)s” is not a time zone. Use an IANA name such as Europe/Berlin.",
            params={"name": name},
        )


class Workspace(models.Model):
    """An agency or a team: one Ayrshare account and the people who read its reports."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    api_key = EncryptedTextField(blank=True)
    # The customer's own X app credentials, required by Ayrshare for X/Twitter since 2026.
    x_api_key = EncryptedTextField(blank=True)
    x_api_secret = EncryptedTextField(blank=True)
    # Its days: pages, rollups, the CSV and the reports count days in this zone.
    time_zone = models.CharField(max_length=64, default=default_zone, validators=[validate_zone])
    # The zone its rollups are built in; it trails time_zone while a rebuild runs
    # (dashboard/rollups.rebuild_workspace), and pages read raw rows meanwhile.
    rollups_zone = models.CharField(max_length=64, default=default_zone, editable=False)
    # The logo's type and hash live here, so a page knows its URL without reading the image;
    # the bytes live in WorkspaceLogo (see there). Blank: no logo.
    # db_default: rows written by code that predates the logo (older migrations' models) get "".
    logo_type = models.CharField(max_length=20, blank=True, default="", db_default="")
    logo_sha256 = models.CharField(max_length=64, blank=True, default="", db_default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            # The logo view: which workspace's logo a content-hash URL names.
            models.Index(fields=["logo_sha256"], name="workspace_logo_sha256"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self._state.adding:
            # A new workspace has no rollups yet: they are trivially in its zone.
            self.rollups_zone = self.time_zone
        super().save(*args, **kwargs)

    @property
    def recounting(self):
        """Its rollups are being rebuilt in a new zone: pages read raw rows meanwhile."""
        return self.rollups_zone != self.time_zone

    def logo_url(self):
        return logos.url(self)


class WorkspaceLogo(models.Model):
    """A workspace's logo image, in the database so every web process and the PDF renderer on
    any machine reads the same file with no shared disk or object store to set up.

    A table of its own rather than a column of Workspace: every request loads its workspace,
    and half a megabyte of image should not ride along.
    """

    workspace = models.OneToOneField(
        Workspace, models.CASCADE, primary_key=True, related_name="logo"
    )
    data = models.BinaryField()

    def __str__(self):
        return f"Logo of {self.workspace_id}"


class Profile(models.Model):
    """One Ayrshare user profile (usually a client brand) of a workspace."""

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="profiles")
    title = models.CharField(max_length=200)
    ref_id = models.CharField(max_length=100, blank=True)
    # Blank for the workspace's primary profile, which Ayrshare addresses by API key alone.
    profile_key = EncryptedTextField(blank=True)
    platforms = models.JSONField(default=list, blank=True)
    color = models.CharField(max_length=7, default="#4f46e5")
    # Ayrshare suspends a profile after too many rate-limit errors (GET /profiles says so).
    suspended = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "title"], name="profile_title_unique_in_workspace"
            )
        ]

    def __str__(self):
        return self.title


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MANAGER = "manager", "Manager"
        ANALYST = "analyst", "Analyst"
        CLIENT = "client", "Client"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ANALYST)
    # Only read for client-role members: the profiles they are allowed to see.
    profiles = models.ManyToManyField(Profile, blank=True, related_name="client_memberships")
    # The numbers this person chose to see in the posts table; None: the default few.
    post_columns = models.JSONField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "workspace"], name="one_membership_per_workspace"
            )
        ]

    def __str__(self):
        return f"{self.user} in {self.workspace} as {self.role}"


class Invitation(models.Model):
    """A link that lets someone join a workspace in a given role, until it expires.

    Only a hash of the token is stored: the link itself is the secret, shown once.
    """

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Membership.Role.choices)
    profiles = models.ManyToManyField(Profile, blank=True, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Only someone whose account has this email may accept; False: anyone with the link may.
    bound_to_email = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{self.email} to {self.workspace} as {self.role}"

    @staticmethod
    def new_token():
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_open(self):
        used = self.accepted_at is not None or self.revoked_at is not None
        return not used and self.expires_at > timezone.now()


class ThrottleEntry(models.Model):
    """A sign-in or password-reset counter of accounts/signin.py, kept here only while the cache
    (Redis) is unreachable: the few cache operations the throttle needs, on a table.

    Times are time.time() seconds, the clock the cache path uses too.
    """

    key = models.CharField(max_length=120, primary_key=True)
    # A count of attempts, or (for a ":locked-until" key) the time the lock ends.
    value = models.FloatField()
    expires = models.FloatField()

    class Meta:
        # Serves the sweep of expired entries each time one is added.
        indexes = [models.Index(fields=["expires"], name="throttle_entry_expires")]

    def __str__(self):
        return self.key
