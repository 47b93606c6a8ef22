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


class ReportSchedule(models.Model):
    """When a report goes out by email and what holds it back; see schedule.Rule.

    The zone is the workspace's (sending.schedule_zone), so it is not stored here.
    """

    FREQUENCIES = [("none", "Not scheduled"), ("monthly", "Monthly"), ("weekly", "Weekly")]

    report = models.OneToOneField(Report, models.CASCADE, related_name="schedule")
    frequency = models.CharField(max_length=10, choices=FREQUENCIES, default="none")
    # Monthly: a day of the month, or None and `weekday` for "first <weekday>".
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)
    # Weekly: the day it goes out. Monthly without day_of_month: the first such day. 0 = Monday.
    weekday = models.PositiveSmallIntegerField(null=True, blank=True)
    time_of_day = models.TimeField(default=datetime.time(9, 0))
    hold_for_review = models.BooleanField(default=False)
    auto_hold = models.BooleanField(default=True)
    hold_days = models.PositiveSmallIntegerField(default=3)
    # Due times before this are never sent: saving a schedule at 10:00 for 09:00 today does not
    # send at once, and a schedule switched back on does not send what it skipped meanwhile.
    active_since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(day_of_month__isnull=True) | Q(day_of_month__range=(1, 31)),
                name="report_schedule_day_of_month_1_31",
            ),
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__range=(0, 6)),
                name="report_schedule_weekday_0_6",
            ),
            models.CheckConstraint(
                condition=Q(hold_days__range=(1, 28)), name="report_schedule_hold_days_1_28"
            ),
        ]
        indexes = [
            # The dispatcher's tick: every schedule that is switched on.
            models.Index(fields=["frequency"], name="report_schedule_frequency"),
        ]

    def __str__(self):
        return f"{self.report_id}: {self.frequency}"


class Recipient(models.Model):
    """An address a scheduled report goes to; no account needed.

    The unsubscribe link carries a signed recipient id (sending.unsubscribe_token), so nothing
    secret is stored and a link stays valid for as long as the address is on the list.
    """

    report = models.ForeignKey(Report, models.CASCADE, related_name="recipients")
    email = models.EmailField()
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["report", "email"], name="recipient_unique_email"),
        ]

    def __str__(self):
        return self.email


class Send(models.Model):
    """One due time of a report's schedule, and what went out for it.

    The row is the lease that makes a send happen once: the dispatcher inserts it under the
    unique (report, due_at) before anything is sent, and a worker sends it only after moving it
    from SCHEDULED to SENDING with a conditional UPDATE.
    """

    SCHEDULED = "scheduled"
    HELD_FOR_REVIEW = "held_for_review"
    HELD_DATA = "held_data"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    EXPIRED = "expired"
    SKIPPED = "skipped"
    STATUSES = [
        (SCHEDULED, "Scheduled"),
        (HELD_FOR_REVIEW, "Held for review"),
        (HELD_DATA, "Held: data not up to date"),
        (SENDING, "Sending"),
        (SENT, "Sent"),
        (FAILED, "Failed"),
        (EXPIRED, "Expired"),
        (SKIPPED, "Skipped"),
    ]

    report = models.ForeignKey(Report, models.CASCADE, related_name="sends")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=STATUSES, default=SCHEDULED)
    # Why it is held, failed, expired or skipped, in words for the owner.
    reason = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The message is on the queue until then; the dispatcher queues it again afterwards.
    queued_until = models.DateTimeField(null=True, blank=True)
    # A worker sends it until then; a killed worker's claim runs out (as SyncState's lease).
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    # Addresses it went to, appended one by one, so a retry skips those already sent.
    recipients = models.JSONField(default=list, blank=True)
    first = models.DateField(null=True, blank=True)
    last = models.DateField(null=True, blank=True)
    # The PDF that went out, kept with its send for the send log (a ReportFile is a download).
    pdf = models.BinaryField(null=True, blank=True)
    pdf_name = models.CharField(max_length=200, blank=True)
    # The KPI numbers the report showed: [{"label", "value"}], for history and "what changed".
    numbers = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_at"]
        constraints = [
            models.UniqueConstraint(fields=["report", "due_at"], name="send_once_per_due_time"),
        ]
        indexes = [
            # The dispatcher's tick: sends to queue, held sends to re-check, leases run out.
            models.Index(fields=["status", "due_at"], name="send_status_due"),
            # The send log and "the last one sent" of a report.
            models.Index(fields=["report", "-due_at"], name="send_report_due"),
        ]

    def __str__(self):
        return f"{self.report_id}@{self.due_at.isoformat()}: {self.status}"


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
