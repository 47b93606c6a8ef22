"""Chart.js configurations as plain dicts, for `json_script` and static/js/charts.js.

Views build the series from the cache (queries.py, kpis.py); this module only dresses them: one
colour per network, one shape of config for every chart, so they all look and read alike.
"""

# One categorical palette for every series. Brand colours are no use here: Bluesky, LinkedIn and
# Facebook are three near-identical blues, and Instagram and TikTok merge for deuteranopes. These
# seven stay apart under normal vision, deuteranopia, protanopia and tritanopia (CIEDE2000 ≥ 15
# between any two, simulated with Machado et al. 2009) and each is ≥ 3:1 on white (WCAG 1.4.11);
# tests/dashboard/test_charts.py measures both. They started from Okabe–Ito's hues, darkened to
# 3:1 and then moved apart where darkening had brought two together.
BLUE = "#0050b5"
ORANGE = "#dd6800"
GREEN = "#00a286"
VIOLET = "#a077ff"
RED = "#a60000"
PLUM = "#6b4a5a"
BLACK = "#141414"
PALETTE = (BLUE, ORANGE, GREEN, VIOLET, RED, PLUM, BLACK)

# Each network keeps its colour on every chart and page. The seven most used networks get a colour
# each; the others share one (a hint of their brand where it costs nothing), and `config` tells a
# shared colour apart by a dash or a stripe when both networks are in one chart. The brand colour
# stays only as the dot of the .platform-* labels in app.css, a marker next to the name.
PLATFORM_COLORS = {
    "facebook": BLUE,
    "instagram": VIOLET,
    "linkedin": GREEN,
    "twitter": BLACK,
    "tiktok": ORANGE,
    "youtube": RED,
    "bluesky": PLUM,
    "threads": BLACK,
    "pinterest": RED,
    "reddit": ORANGE,
    "gmb": GREEN,
    "snapchat": PLUM,
    "telegram": BLUE,
}
# A metric keeps its colour on every chart: engagements are orange on the overview and in a
# post's growth chart alike.
METRIC_COLORS = {
    "impressions": BLUE,
    "engagements": ORANGE,
    "views": GREEN,
    "reach": VIOLET,
    "likes": RED,
    "comments": PLUM,
    "shares": BLACK,
}
FALLBACK_COLOR = BLACK

# The second cue of a colour's 2nd and 3rd series in one chart: lines get a dash and a point shape
# (the legend shows the shape), bars a pattern that charts.js draws (JSON cannot carry one).
LINE_CUES = (
    {},
    {"borderDash": [6, 4], "pointStyle": "triangle"},
    {"borderDash": [2, 3], "pointStyle": "rect"},
)
BAR_CUES = (
    {},
    {"pattern": "stripes", "borderWidth": 1},
    {"pattern": "dots", "borderWidth": 1},
)


def platform_color(platform):
    return PLATFORM_COLORS.get(platform, FALLBACK_COLOR)


def metric_color(metric):
    return METRIC_COLORS.get(metric, FALLBACK_COLOR)


def series(label, values, color, **extra):
    """One dataset; None values stay None (a gap, "not reported"), never 0."""
    return {
        "label": label,
        "data": list(values),
        "borderColor": color,
        "backgroundColor": color,
        **extra,
    }


def config(kind, labels, datasets, *, stacked=False, value_format="number", legend=True):
    """A Chart.js config: `kind` is "line" or "bar"; charts.js turns value_format into callbacks."""
    axis = (
        {"stacked": stacked, "grid": {"display": False}}
        if stacked
        else {"grid": {"display": False}}
    )
    return {
        "type": kind,
        "format": value_format,
        "data": {"labels": list(labels), "datasets": _distinguish(kind, datasets)},
        "options": {
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "interaction": {"mode": "index", "intersect": False},
            "plugins": {
                "legend": {
                    "display": legend,
                    "position": "bottom",
                    # A line's legend entry shows its point shape, the cue besides colour.
                    "labels": {"usePointStyle": kind == "line"},
                },
            },
            "scales": {
                "x": axis,
                "y": {"stacked": stacked, "beginAtZero": True},
            },
        },
    }


def _distinguish(kind, datasets):
    """The datasets, each colour's 2nd and later use in this chart with a second cue, so two
    series never look alike (more networks than colours, or an unknown network)."""
    cues = BAR_CUES if kind == "bar" else LINE_CUES
    uses = {}
    out = []
    for dataset in datasets:
        color = dataset["borderColor"]
        repeat = uses.get(color, 0)
        uses[color] = repeat + 1
        out.append({**dataset, **cues[repeat % len(cues)]})
    return out
