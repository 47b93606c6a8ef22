"""Report PDFs (issue 18 item 5): render time and the Chromium tree's peak memory for a report
of a whole agency workspace, against a report of one of its profiles, in the same run.

Each render launches its own Chromium, as the report worker does, so the figures are a worker
task's: launch, print view (overview.build over the report's profiles), charts, printing.
"""

import os
import statistics
import threading
import time
from pathlib import Path

from django.conf import settings

from dashboard.bench.report import Result, at_most, ratio
from dashboard.reports import pdf
from dashboard.reports.models import SECTION_KEYS, Report

TIME_LIMIT_S = 30
RATIO_LIMIT = 3
SAMPLE_SECONDS = 0.05


class PeakRss:
    """The largest summed RSS of this process's descendants whose name matches, sampled every
    SAMPLE_SECONDS in a thread while the block runs. RSS counts pages shared between Chromium's
    processes once per process: an upper bound, the same for both sides of the ratio."""

    def __init__(self, match=lambda name: "chrom" in name):
        self.match, self.peak = match, 0
        self._stop = threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        import psutil  # a dev dependency, as is the benchmark

        me = psutil.Process(os.getpid())
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                try:
                    if self.match(child.name()):
                        total += child.memory_info().rss
                except psutil.Error:  # ended between the listing and the read
                    continue
            self.peak = max(self.peak, total)
            self._stop.wait(SAMPLE_SECONDS)


def not_measured():
    """The rows, unmeasured (no Chromium here)."""
    return [
        Result("PDF1", "report PDF render", "-", "-", None, f"<= {RATIO_LIMIT}", None),
        Result("PDF2", "report PDF Chromium peak RSS", "-", "-", None, f"<= {RATIO_LIMIT}", None),
    ]


def render_once(report):
    """(seconds, peak RSS in bytes, PDF size in bytes) of one render."""
    with PeakRss() as memory:
        started = time.perf_counter()
        data = pdf.render(report)
        seconds = time.perf_counter() - started
    return seconds, memory.peak, len(data)


def measure(seeded, repeat=3):
    """Rows PDF1 (render time p50) and PDF2 (peak RSS): every profile ÷ one profile."""
    if not Path(settings.CHROMIUM_PATH).exists():
        return not_measured()
    workspace = seeded.workspace
    whole = Report.objects.create(
        workspace=workspace, title="Agency monthly", sections=list(SECTION_KEYS)
    )
    one = Report.objects.create(
        workspace=workspace, title="Client monthly", sections=list(SECTION_KEYS)
    )
    one.profiles.set(seeded.profiles[:1])
    try:
        pdf.render(one)  # warm: the first launch reads Chromium from disk
        runs = {report: [render_once(report) for _ in range(repeat)] for report in (whole, one)}
    finally:
        Report.objects.filter(pk__in=[whole.pk, one.pk]).delete()
    big_s, small_s = (statistics.median(r[0] for r in runs[k]) for k in (whole, one))
    big_rss, small_rss = (max(r[1] for r in runs[k]) for k in (whole, one))
    pages = f"{len(seeded.profiles)} profiles ÷ 1 profile, {seeded.posts:,} posts"
    time_ratio, rss_ratio = ratio(big_s, small_s), ratio(big_rss, small_rss)
    return [
        Result(
            "PDF1",
            f"report PDF render p50 (launch to bytes), {pages}",
            f"{big_s:.1f} s",
            f"{small_s:.1f} s",
            time_ratio,
            f"<= {RATIO_LIMIT} and <= {TIME_LIMIT_S} s",
            at_most(RATIO_LIMIT, time_ratio) and big_s <= TIME_LIMIT_S,
        ),
        Result(
            "PDF2",
            f"report PDF Chromium tree peak RSS, {pages}",
            f"{big_rss / 2**20:.0f} MB",
            f"{small_rss / 2**20:.0f} MB",
            rss_ratio,
            f"<= {RATIO_LIMIT}",
            at_most(RATIO_LIMIT, rss_ratio),
        ),
    ]
