import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Profile, Workspace
from dashboard.reports import periods

# The sections a report can show, in their default order. Per-network table and links come
# in a later increment: the overview has no such numbers yet, and a report shows only the
# overview's numbers.
SECTIONS = [
    ("kpis", "KPI cards"),
    ("charts", "Charts over time"),
    ("networks", "By network"),
    ("heatmap", "Heatmap"),
    ("top_posts", "Top posts"),
    ("followers", "Follower growth"),
    ("commentary", "Commentary"),
    ("goals", "Goals"),
]
SECTION_KEYS = [key for key, _ in SECTIONS]
HEX_COLOR = RegexValidator(r"^#[0-9a-f]{6}$", "Use a colour like #1d4ed8 (# and six hex digits).")


def validate_sections(value):
    if not isinstance(value, list) or not value:
        raise ValidationError("Choose at least one section.")
    unknown = [key for key in value if key not in SECTION_KEYS]
    if unknown:
        raise ValidationError(f"Unknown section: {', '.join(map(str, unknown))}.")
    if len(set(value)) != len(value):
        raise ValidationError("A section can appear only once.")


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
