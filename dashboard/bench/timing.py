"""Wall-clock helpers: the median of repeated runs, after a warm-up run."""

import statistics
import time


def p50_ms(work, repeat):
    """Median milliseconds of `repeat` calls of `work()`, after one untimed call."""
    work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
