"""The post history page, its htmx table fragment and its CSV export."""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify

from accounts.access import visible_profiles, workspace_member
from dashboard import export
from dashboard.filters import DEFAULT_SORT, PostFilters
from dashboard.metrics import METRICS, RATE_SENTENCE, SHORT_LABELS, network_name, percent
from dashboard.queries import (
    counted_posts,
    exported_posts,
    metric_reason,
    network_posts,
    paginate,
)

RESULTS_TARGET = "results"
PLACEHOLDER_PREFIX = "ayrshare:"


@workspace_member()
def posts(request, membership):
    filters = PostFilters(request.GET, profiles=visible_profiles(membership))
    context = {"membership": membership, "filters": filters}
    status = 200
    if filters.is_valid():
        context.update(table_context(membership, filters))
    else:
        context.update(errors=filters.error_text(), sort=DEFAULT_SORT)
        # htmx does not swap a 4xx answer; the fragment shows the message in place instead.
        status = 200 if _wants_fragment(request) else 400
    template = "dashboard/posts.html"
    if _wants_fragment(request):
        template += "#results"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def table_context(membership, filters):
    """What the results partial shows for valid PostFilters: the page, its sort and headings."""
    sort = filters.sort_order()
    posts = network_posts(membership, filters)
    counted = counted_posts(membership, filters)
    page = paginate(posts, sort, counted=counted, **filters.cursors())
    slug = membership.workspace.slug
    for row in page.rows:
        _decorate(row, slug)
    return {"page": page, "sort": sort, "headers": _headers(sort), "rate_formula": RATE_SENTENCE}


@workspace_member()
def posts_export(request, membership):
    filters = PostFilters(request.GET, profiles=visible_profiles(membership))
    if not filters.is_valid():
        context = {
            "membership": membership,
            "filters": filters,
            "errors": filters.error_text(),
            "sort": DEFAULT_SORT,
        }
        return render(request, "dashboard/posts.html", context, status=400)
    name = f"{membership.workspace.slug}-posts-{timezone.localdate():%Y-%m-%d}.csv"
    return export.csv_response(
        exported_posts(membership, filters),
        name,
        sort=filters.sort_order(),
        excel=request.GET.get("excel") == "1",
    )


def _wants_fragment(request):
    htmx = request.htmx
    return bool(htmx) and htmx.target == RESULTS_TARGET and not htmx.history_restore_request


def _decorate(row, slug):
    """What the row partial shows, formatted here: 50 rows of a dozen cells are quicker to
    format in Python than through a dozen template filters each."""
    row.cells = [
        {
            "value": getattr(row, name),
            "display": _display(name, getattr(row, name)),
            "reason": metric_reason(row, name),
        }
        for name in METRICS
    ]
    row.is_placeholder = row.social_id.startswith(PLACEHOLDER_PREFIX)
    row.platform_label = network_name(row.platform)
    row.status_class = slugify(row.status)
    row.detail_url = reverse("post_detail", args=[slug, row.pk])
    if row.when:
        local = timezone.localtime(row.when)
        row.when_iso = local.isoformat()
        row.when_label = f"{local:%b} {local.day}, {local:%Y %H:%M}"  # as date:"M j, Y H:i"


def _display(name, value):
    if value is None:
        return ""
    if name == "engagement_rate":
        return percent(value)
    return f"{value:,}"


def _headers(sort):
    """Table headings; the sortable ones link to their next sort (descending first)."""
    headers = [{"label": "Published", "field": "published_at", "numeric": False}]
    headers += [{"label": "Profile"}, {"label": "Network"}, {"label": "Post"}, {"label": "Status"}]
    headers += [{"label": SHORT_LABELS[name], "field": name, "numeric": True} for name in METRICS]
    for header in headers:
        field = header.get("field")
        if not field:
            continue
        if sort == f"-{field}":
            header.update(next_sort=field, aria_sort="descending", arrow="↓")
        elif sort == field:
            header.update(next_sort=f"-{field}", aria_sort="ascending", arrow="↑")
        else:
            header["next_sort"] = f"-{field}"
    return headers
