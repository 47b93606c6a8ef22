import subprocess
import sys

from dashboard.bench.pdfs import PeakRss

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
