"""A month's scheduled report email at once: N reports due at the same local time, sent by one
real worker (concurrency 1, as the reports queue runs) through a real SMTP server.

The beat tick's work (sending.dispatch, then queueing each send) runs in this process; the
worker renders each report's PDF, checks its data, and mails its recipient over SMTP. The
figure is the wall time from the due time's tick to the last send marked sent.
"""

import datetime
import tempfile
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from accounts.models import Profile, Workspace
from dashboard.bench.report import Result, at_most
from dashboard.bench.workers import Worker, free_port, purge, worker_env
from dashboard.models import PlatformPost, SyncState
from dashboard.reports import sending, tasks
from dashboard.reports.models import SECTION_KEYS, Recipient, Report, ReportSchedule, Send

FULL, QUICK = 300, 20
# A month's sends must all have gone out within the hour they are due.
HOUR = 3600.0
POSTS_PER_PROFILE = 20


@dataclass
class Outcome:
    sends: int
    sent: int
    seconds: float
    dispatch_seconds: float
    messages: int


def measure(count=FULL, log=print):
    """The M1 row: `count` sends, and the time 300 would take at the same pace."""
    if not settings.REDIS_URL:
        return [_row(count, None, "needs REDIS_URL (the worker reads Redis)")]
    outcome = run(count, log=log)
    return [_row(count, outcome)]


def run(count, *, queue=None, log=print, timeout=HOUR):
    """Seed `count` reports due now, send them through a worker; the Outcome."""
    from aiosmtpd.controller import Controller  # a dev dependency: benchmark and tests only

    queue = queue or f"bench-reports-{uuid.uuid4().hex[:8]}"
    inbox = _Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    workspace = _seed(count)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-sends-") as data_dir:
            env = worker_env(
                queue,
                settings.AYRSHARE_API_URL,
                data_dir,
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=port,
                EMAIL_USE_TLS="False",
                EMAIL_HOST_USER="",
                EMAIL_HOST_PASSWORD="",
            )
            worker = Worker(env, queue, name="bench-reports", concurrency=1)
            try:
                worker.wait_ready()
                log(f"  worker ready; {count} reports due at {timezone.localtime():%H:%M}")
                return _send_all(workspace, count, queue, inbox, timeout, log, worker)
            finally:
                worker.stop()
    finally:
        smtp.stop()
        purge(queue)
        Workspace.objects.filter(pk=workspace.pk).delete()


def _send_all(workspace, count, queue, inbox, timeout, log, worker):
    started = time.perf_counter()
    ids = sending.dispatch()
    dispatched = time.perf_counter() - started
    tasks.enqueue(ids, queue=queue)
    sends = Send.objects.filter(report__workspace=workspace)
    deadline = time.monotonic() + timeout
    sent = 0
    # A dead worker sends nothing more: stop waiting for it.
    while time.monotonic() < deadline and worker.process.poll() is None:
        sent = sends.filter(status=Send.SENT).count()
        if sent >= count or not sends.filter(status__in=[Send.SCHEDULED, Send.SENDING]).exists():
            break
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    log(f"  {sent} of {count} sent in {seconds:.1f} s (dispatch {dispatched:.2f} s)")
    return Outcome(count, sent, seconds, dispatched, len(inbox.messages))


def _seed(count):
    """`count` one-profile reports, each with a recipient, healthy data and a few posts."""
    now = timezone.now()
    local = timezone.localtime(now)
    workspace = Workspace.objects.create(
        name="bench sends", slug=f"bench-sends-{uuid.uuid4().hex[:8]}"
    )
    profiles = Profile.objects.bulk_create(
        Profile(workspace=workspace, title=f"Client {n:03}") for n in range(count)
    )
    last_month = local.date().replace(day=1) - datetime.timedelta(days=1)
    published = timezone.make_aware(datetime.datetime.combine(last_month, datetime.time(12)))
    PlatformPost.objects.bulk_create(
        PlatformPost(
            profile=profile,
            platform="instagram",
            social_id=f"bench-{profile.pk}-{n}",
            published_at=published - datetime.timedelta(days=n % 28),
            impressions=100 + n,
            engagements=10 + n,
            status="success",
            last_updated=now,
            synced_at=now,
        )
        for profile in profiles
        for n in range(POSTS_PER_PROFILE)
    )
    PlatformPost.fill_sort_time(PlatformPost.objects.filter(profile__workspace=workspace))
    SyncState.objects.bulk_create(
        SyncState(
            profile=profile,
            unit="history",
            last_success=now,
            last_updated=now,
            next_update=now + datetime.timedelta(hours=2),
        )
        for profile in profiles
    )
    reports = Report.objects.bulk_create(
        Report(workspace=workspace, title=f"Client {n:03} monthly", sections=list(SECTION_KEYS))
        for n in range(count)
    )
    Report.profiles.through.objects.bulk_create(
        Report.profiles.through(report_id=report.pk, profile_id=profile.pk)
        for report, profile in zip(reports, profiles, strict=True)
    )
    # Every report due at the start of this minute, local time: a month's sends at once.
    ReportSchedule.objects.bulk_create(
        ReportSchedule(
            report=report,
            frequency="weekly",
            weekday=local.weekday(),
            time_of_day=local.time().replace(second=0, microsecond=0),
            active_since=now - datetime.timedelta(days=7),
        )
        for report in reports
    )
    Recipient.objects.bulk_create(
        Recipient(report=report, email=f"client{n:03}@bench.test")
        for n, report in enumerate(reports)
    )
    return workspace


def _row(count, outcome, reason=""):
    metric = f"a month of scheduled report email: {count} reports due at once"
    if outcome is None:
        return Result("M1", metric, reason, "", None, "<= 1", None)
    per_send = outcome.seconds / max(outcome.sent, 1)
    projected = per_send * FULL
    ours = (
        f"{outcome.sent}/{outcome.sends} sent in {outcome.seconds:.1f} s "
        f"({per_send:.2f} s per send, {outcome.messages} messages over SMTP); "
        f"{FULL} at that pace: {projected / 60:.1f} min"
    )
    complete = outcome.sent == outcome.sends
    ratio = projected / HOUR if complete else None
    return Result(
        "M1",
        metric,
        ours,
        "the hour they are due (3600 s)",
        ratio,
        "<= 1",
        at_most(1, ratio) if complete else False,
    )


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 OK"
