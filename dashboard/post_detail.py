"""One network post in detail: the drawer of the Posts page, and the same content as a page."""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateformat import format as date_format

from accounts.access import visible_profiles, workspace_member
from dashboard import charts
from dashboard.metrics import (
    LABELS,
    METRICS,
    PLATFORM_VIDEO_METRICS,
    VIDEO_LABELS,
    duration,
    network_name,
    percent,
)
from dashboard.models import MetricSnapshot, PlatformPost
from dashboard.queries import metric_reason
from dashboard.weblinks import web_url

DRAWER_TARGET = "drawer"
# The social id of a network post the network has not given an id yet (see upsert.placeholder_id).
PLACEHOLDER_PREFIX = "ayrshare:"
NOT_SENT = "the post did not reach this network"
NOT_PUBLISHED = "not published yet"
# Blobs the drawer never reads.
HEAVY_FIELDS = ("raw", "analytics_raw", "post__raw")
VIDEO_TYPES = ("video", "reel", "story")
# What the growth chart draws, in this order; a series with no value at all is left out.
GROWTH_METRICS = ("impressions", "views", "engagements")
# Snapshots are appended only when numbers change, so this is years of a busy post.
MAX_POINTS = 500


@workspace_member()
def post_detail(request, membership, post_id):
    post = get_object_or_404(
        PlatformPost.objects.filter(profile__in=visible_profiles(membership))
        .select_related("profile", "post")
        .defer(*HEAVY_FIELDS),
        pk=post_id,
    )
    in_drawer = _wants_drawer(request)
    context = {
        "membership": membership,
        "post": post,
        "in_drawer": in_drawer,
        "platform_name": network_name(post.platform),
        # The words as they stand on this network; the Ayrshare original if it gave none.
        "text": post.text or (post.post.text if post.post else ""),
        "thumbnail_url": web_url(post.thumbnail_url),
        "networks": [_network(row, post) for row in _siblings(post)],
        "growth": _growth(post),
    }
    template = "dashboard/post_detail.html"
    if in_drawer:
        template += "#drawer"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _wants_drawer(request):
    htmx = request.htmx
    return bool(htmx) and htmx.target == DRAWER_TARGET and not htmx.history_restore_request


def _siblings(post):
    """This network post and the others of the same Ayrshare post, this one first."""
    if post.post_id is None:
        return [post]
    others = (
        PlatformPost.objects.filter(profile_id=post.profile_id, post_id=post.post_id)
        .exclude(pk=post.pk)
        .defer("raw", "analytics_raw")
        .order_by("platform", "pk")
    )
    return [post, *others]


def _network(row, current):
    """What the drawer shows for one network: link, metrics with reasons, freshness, errors."""
    return {
        "post": row,
        "name": network_name(row.platform),
        "is_current": row.pk == current.pk,
        "url": web_url(row.url),
        "metrics": [
            {
                "label": LABELS[name],
                "value": getattr(row, name),
                "display": _display(name, getattr(row, name)),
                "reason": metric_reason(row, name),
            }
            for name in METRICS
        ],
        "video": _video(row),
        "errors": _errors(row, current.post),
        # One line instead of ten dashes when the network never received the post.
        "unpublished": _unpublished(row),
    }


def _video(row):
    """Watch time and the like, for a video the network reports them on (else nothing)."""
    names = PLATFORM_VIDEO_METRICS.get(row.platform, ())
    values = {name: getattr(row, name) for name in names}
    if row.media_type not in VIDEO_TYPES and all(v is None for v in values.values()):
        return []
    shown = {"watch_time": duration, "avg_watch_time": duration, "completion_rate": percent}
    return [
        {
            "label": VIDEO_LABELS[name],
            "value": value,
            "display": shown[name](value),
            "reason": metric_reason(row, name),
        }
        for name, value in values.items()
    ]


def _unpublished(row):
    if not row.social_id.startswith(PLACEHOLDER_PREFIX):
        return ""
    return NOT_SENT if row.status == "error" else NOT_PUBLISHED


def _errors(row, ayrshare_post):
    """The network's own words about a failure, each once (with its code where known)."""
    messages = []
    if ayrshare_post is not None:
        for entry in ayrshare_post.errors or []:
            if isinstance(entry, dict) and entry.get("platform") == row.platform:
                messages.append(_error_words(entry))
    own = row.error_message.strip()
    # The sync copies the same entry's message into error_message: do not say it twice.
    if own and not any(own in message for message in messages):
        messages.insert(0, own)
    return [m for m in dict.fromkeys(messages) if m]


def _error_words(entry):
    message = str(entry.get("message") or "").strip()
    code = entry.get("code")
    if message and code:
        return f"{message} (code {code})" if str(code) not in message else message
    return message or (f"Error code {code}" if code else "")


def _growth(post):
    """The growth chart of one network post from its snapshots, or why there is none yet."""
    points = list(
        MetricSnapshot.objects.filter(platform_post=post)
        .order_by("-captured_at")
        .values_list("captured_at", *GROWTH_METRICS)[:MAX_POINTS]
    )
    points.reverse()
    growth = {"id": f"growth-{post.pk}", "count": len(points), "chart": None, "rows": []}
    if len(points) < 2:
        return growth
    labels = [date_format(timezone.localtime(p[0]), "M j, H:i") for p in points]
    datasets = []
    for index, name in enumerate(GROWTH_METRICS, start=1):
        values = [p[index] for p in points]
        if any(v is not None for v in values):
            color = charts.metric_color(name)
            datasets.append(charts.series(name.capitalize(), values, color, spanGaps=False))
    if not datasets:
        return growth
    growth["chart"] = charts.config("line", labels, datasets)
    growth["names"] = [d["label"] for d in datasets]
    growth["rows"] = [
        {"when": p[0], "values": [_display("", v) or "—" for v in _pick(p, datasets)]}
        for p in points
    ]
    return growth


def _pick(point, datasets):
    """The values of one snapshot for the datasets drawn, in their order."""
    drawn = {d["label"].lower() for d in datasets}
    return [point[i] for i, name in enumerate(GROWTH_METRICS, start=1) if name in drawn]


def _display(name, value):
    if value is None:
        return ""
    if name == "engagement_rate":
        return percent(value)
    return intcomma(value)
