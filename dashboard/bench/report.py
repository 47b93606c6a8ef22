"""The benchmark's table: one row per measurement, printed and written as JSON."""

import json
import math
from dataclasses import asdict, dataclass


@dataclass
class Result:
    goal: str  # the goal id, e.g. "P5"
    metric: str
    ours: str  # human-readable figures, with units
    baseline: str
    ratio: float | None  # the figure the goal bounds (None: nothing measured)
    target: str  # e.g. "<= 1.5"
    passed: bool | None  # None: not measured in this run

    @property
    def verdict(self):
        return {True: "PASS", False: "FAIL", None: "n/a"}[self.passed]


def at_most(limit, value):
    return None if value is None else value <= limit


def at_least(limit, value):
    return None if value is None else value >= limit


def ratio(ours, baseline):
    return ours / baseline if baseline else None


COLUMNS = ("goal", "metric", "ours", "baseline", "ratio", "target", "verdict")


def table(results):
    """A fixed-width text table of `results`."""
    rows = [COLUMNS] + [
        (r.goal, r.metric, r.ours, r.baseline, _number(r.ratio), r.target, r.verdict)
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown(results):
    """The same table in Markdown, for docs/performance.md."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in results:
        cells = (r.goal, r.metric, r.ours, r.baseline, _number(r.ratio), r.target, r.verdict)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def write_json(path, results, meta):
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**meta, "results": [asdict(r) | {"verdict": r.verdict} for r in results]}
    path.write_text(json.dumps(document, indent=2) + "\n")


def _number(value):
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3f}"


def percentile(values, share):
    """Nearest rank: the smallest value with at least share % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]
