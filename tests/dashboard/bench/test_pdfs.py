import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from dashboard.bench import pdfs, seed
from dashboard.bench.pdfs import PeakRss
from dashboard.reports.models import Report

ALLOCATE = (
    "x = bytearray(80 * 2**20); x[::4096] = b'1' * len(x[::4096]); import time; time.sleep(1)"
)


def test_peak_rss_sums_the_matching_descendants_while_the_block_runs():
    with PeakRss(match=lambda name: name.startswith("python")) as memory:
        subprocess.run([sys.executable, "-c", ALLOCATE], check=True)
    assert memory.peak >= 80 * 2**20


def test_processes_that_do_not_match_are_not_counted():
    with PeakRss(match=lambda name: "chrom" in name) as memory:
        subprocess.run([sys.executable, "-c", ALLOCATE], check=True)
    assert memory.peak == 0


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pdf_rows_measure_both_reports_and_leave_no_report_behind():
    if not Path(settings.CHROMIUM_PATH).exists():
        pytest.skip(f"needs Chromium at {settings.CHROMIUM_PATH}")
    seeded = seed.seed_workspace("pdf", 600, 3)
    try:
        time_row, memory_row = pdfs.measure(seeded, repeat=1)
    finally:
        seed.drop(seeded)
    assert (time_row.goal, memory_row.goal) == ("PDF1", "PDF2")
    assert time_row.ratio > 0 and memory_row.ratio > 0
    assert time_row.passed is not None and memory_row.passed is not None
    assert "3 profiles ÷ 1 profile" in time_row.metric
    assert not Report.objects.exists()
