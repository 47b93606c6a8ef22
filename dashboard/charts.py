"""Chart.js configurations as plain dicts, for `json_script` and static/js/charts.js.

Views build the series from the cache (queries.py, kpis.py); this module only dresses them: one
colour per network, one shape of config for every chart, so they all look and read alike.
"""

# Each network's brand colour, darkened where needed to read on white.
PLATFORM_COLORS = {
    "bluesky": "#0b63c9",
    "facebook": "#1877f2",
    "gmb": "#34a853",
    "instagram": "#c13584",
    "linkedin": "#0a66c2",
    "pinterest": "#bd081c",
    "reddit": "#ff4500",
    "telegram": "#229ed9",
    "threads": "#101010",
    "tiktok": "#0f766e",
    "twitter": "#374151",
    "youtube": "#dc2626",
}
# For series that are not networks (e.g. impressions vs engagements), in order.
SERIES_COLORS = ("#4338ca", "#0891b2", "#d97706", "#059669", "#db2777", "#6b7280")
FALLBACK_COLOR = "#6b7280"


def platform_color(platform):
    return PLATFORM_COLORS.get(platform, FALLBACK_COLOR)


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
        "data": {"labels": list(labels), "datasets": datasets},
        "options": {
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "interaction": {"mode": "index", "intersect": False},
            "plugins": {"legend": {"display": legend, "position": "bottom"}},
            "scales": {
                "x": axis,
                "y": {"stacked": stacked, "beginAtZero": True},
            },
        },
    }
