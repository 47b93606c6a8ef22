import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Profile, Workspace
from dashboard import locales
from dashboard.reports import periods

# The sections a report can show, in their default order. Each shows the overview's own
# partial (templates/dashboard/home.html), so its numbers are the dashboard's.
SECTIONS = [
    ("kpis", _("KPI cards")),
    ("charts", _("Charts over time")),
    ("networks", _("By network")),
    ("heatmap", _("Heatmap")),
    ("top_posts", _("Top posts")),
    ("network_table", _("Per-network table")),
    ("followers", _("Follower growth")),
    ("links", _("Links")),
    ("commentary", _("Commentary")),
    ("goals", _("Goals")),
]
SECTION_KEYS = [key for key, _ in SECTIONS]
HEX_COLOR = RegexValidator(
    r"^#[0-9a-f]{6}$", _("Use a colour like #1d4ed8 (# and six hex digits).")
)


def validate_sections(value):
    if not isinstance(value, list) or not value:
        raise ValidationError(gettext("Choose at least one section."))
    unknown = [key for key in value if key not in SECTION_KEYS]
    if unknown:
        raise ValidationError(
            gettext("Unknown section: %(keys)s.") % {"keys": ", ".join(map(str, unknown))}
        )
    if len(set(value)) != len(value):
        raise ValidationError(gettext("A section can appear only once."))


class Report(models.Model):
    """A saved report definition: which profiles, which days, which sections, how it looks.

    No numbers are stored: the report page computes them, as the overview does, when shown.
    """

    workspace = models.ForeignKey(Workspace, models.CASCADE, related_name="reports")
    title = models.CharField(max_length=200)
    # None chosen: every active profile of the workspace, as the overview reads "no filter".
    profiles = models.ManyToManyField(Profile, blank=True, related_name="reports")
    period_rule = models.CharField(max_length=20, choices=periods.RULES, default=periods.LAST_MONTH)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    comparison = models.CharField(
        max_length=20, choices=periods.COMPARISONS, default=periods.PREVIOUS_PERIOD
    )
    # Section keys of SECTIONS, in the order the report shows them.
    sections = models.JSONField(default=list, validators=[validate_sections])
    commentary = models.TextField(blank=True)
    goals = models.TextField(blank=True)
    accent_color = models.CharField(max_length=7, default="#1d4ed8", validators=[HEX_COLOR])
    prepared_by = models.CharField(max_length=200, blank=True)
    # The report's words, and how it writes numbers and dates (dashboard/locales.py says why
    # these are two settings and how a report in English may still write 1.234,5).
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    number_format = models.CharField(
        _("number format"), max_length=10, choices=locales.NUMBER_FORMATS, default=locales.DEFAULT
    )
    clients_may_view = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(period_rule=periods.CUSTOM)
                | Q(start__isnull=False, end__isnull=False, start__lte=F("end")),
                name="report_custom_period_has_ordered_dates",
            ),
        ]
        indexes = [
            # The reports list: a workspace's reports by title.
            models.Index(fields=["workspace", "title"], name="report_workspace_title"),
        ]

    def __str__(self):
        return self.title

    def section_labels(self):
        labels = dict(SECTIONS)
        return [(key, labels[key]) for key in self.sections if key in labels]


class ShareLink(models.Model):
    """A live link to a report for people without an account (dashboard.reports.sharing).

    Only the sha256 of the link's token is kept: the token is shown once, when made, so a copy
    of the database opens no report.
    """

    report = models.ForeignKey(Report, models.CASCADE, related_name="share_links")
    label = models.CharField(max_length=200)
    token_hash = models.CharField(max_length=64)
    # Django's make_password; blank when the link needs none.
    password = models.CharField(max_length=128, blank=True)
    # The last day the link opens, in the server's zone (the report's days are that zone's too).
    expires_on = models.DateField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            # Also the index of sharing.find: every visit looks its link up by this hash.
            models.UniqueConstraint(fields=["token_hash"], name="sharelink_token_hash_unique"),
            # A hash, never a token: a row holding anything else is refused.
            models.CheckConstraint(
                condition=Q(token_hash__regex=r"^[0-9a-f]{64}$"),  # noqa: S106 (a pattern)
                name="sharelink_token_hash_is_sha256",
            ),
        ]
        indexes = [
            # The Share page: a report's links, newest first.
            models.Index(fields=["report", "-created"], name="sharelink_report_created"),
        ]

    def __str__(self):
        return self.label

    @property
    def needs_password(self):
        return bool(self.password)

    def status(self, today):
        """ "Revoked", "Expired" or "Active" on `today`, for the Share page."""
        if self.revoked_at is not None:
            return "Revoked"
        if self.expires_on is not None and self.expires_on < today:
            return "Expired"
        return "Active"


class ReportFile(models.Model):
    """A rendered PDF of a report for a period: a download, or the attachment of a sent email.

    The bytes live in the database, not under DATA_DIR: the report worker and the web process
    run in separate containers that share PostgreSQL but no volume, a PDF is some hundred KB,
    and a kept PDF ("what did we send in March") is then in the same backup as its report.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    report = models.ForeignKey(Report, models.CASCADE, related_name="files")
    paper = models.CharField(max_length=10, choices=[("A4", "A4"), ("Letter", "Letter")])
    first = models.DateField()
    last = models.DateField()
    # The day the report was rendered "as of": its period rule was applied to this day.
    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    pdf = models.BinaryField(null=True, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(pdf__isnull=False),
                name="reportfile_ready_has_pdf",
            ),
        ]
        indexes = [
            # A report's files, newest first: the download poll and the send log.
            models.Index(fields=["report", "-created"], name="reportfile_report_created"),
        ]

    def __str__(self):
        return f"{self.report} {self.first}–{self.last} ({self.paper})"

    def overdue(self):
        """Still pending well past the render's time limit: no report worker took it."""
        limit = datetime.timedelta(seconds=settings.REPORTS_PDF_TIME_LIMIT * 2)
        return self.status == self.Status.PENDING and timezone.now() - self.created > limit

    def filename(self):
        from dashboard.reports import pdf  # pdf renders reports: it imports these models' app

        return pdf.filename(self.report, self.first)
