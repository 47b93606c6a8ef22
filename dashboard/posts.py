"""The post history page, its htmx table fragment, its column chooser and its CSV export."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.access import visible_profiles, workspace_member
from dashboard import export, networks
from dashboard.filters import DEFAULT_SORT, SHOW, SORTS, PostFilters, with_defaults
from dashboard.metrics import (
    LABELS,
    METRICS,
    RATE_SENTENCE,
    SHORT_LABELS,
    network_name,
    percent,
)
from dashboard.moments import zone_name
from dashboard.queries import (
    COUNT_CAP,
    counted_posts,
    exported_posts,
    metric_reason,
    network_posts,
    paginate,
    tab_counts,
)

RESULTS_TARGET = "results"
PLACEHOLDER_PREFIX = "ayrshare:"
# What fits a laptop's width beside the post's text; the rest is a choice (ColumnsForm).
DEFAULT_COLUMNS = ("impressions", "reach", "views", "engagements", "engagement_rate")
DATE_HEADINGS = {"published": "Published", "upcoming": "Scheduled for"}


class ColumnsForm(forms.Form):
    columns = forms.MultipleChoiceField(
        label="Numbers to show",
        choices=[(name, LABELS[name]) for name in METRICS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


@workspace_member()
def posts(request, membership):
    filters = PostFilters(with_defaults(request.GET), profiles=visible_profiles(membership))
    fragment = _wants_fragment(request)
    context = {"membership": membership, "filters": filters, "fragment": fragment}
    status = 200
    if filters.is_valid():
        context.update(table_context(membership, filters))
        context["columns_form"] = ColumnsForm(initial={"columns": context["columns"]})
    else:
        context.update(errors=filters.error_text(), sort=DEFAULT_SORT)
        # htmx does not swap a 4xx answer; the fragment shows the message in place instead.
        status = 200 if fragment else 400
    template = "dashboard/posts.html"
    if fragment:
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
    columns = chosen_columns(membership)
    slug = membership.workspace.slug
    for row in page.rows:
        _decorate(row, slug, columns)
    shown = filters.shown()
    chosen = filters.cleaned_data["profiles"] or visible_profiles(membership)
    return {
        "native_limits": networks.native_limits(chosen, since=filters.listed_period()[0]),
        "page": page,
        "sort": sort,
        "sorts": SORTS,
        "shown": shown,
        "tabs": _tabs(tab_counts(membership, filters, page.count), shown),
        "columns": columns,
        "headers": _headers(sort, columns, _date_heading(shown)),
        "rate_formula": RATE_SENTENCE,
    }


def _date_heading(shown):
    """ "Published (CET)": the times below are the workspace's local times, in that zone."""
    return f"{DATE_HEADINGS.get(shown, 'Date')} ({zone_name(timezone.localtime())})"


def chosen_columns(membership):
    if membership.post_columns is None:
        return DEFAULT_COLUMNS
    # In METRICS' order, whatever order was stored, and only names that still exist.
    return tuple(name for name in METRICS if name in membership.post_columns)


@workspace_member()
@require_POST
def posts_columns(request, membership):
    """Saves the person's choice of columns, then goes back to the list they were looking at."""
    form = ColumnsForm(request.POST)
    back = request.POST.get("next", "")
    posts_url = reverse("posts", args=[membership.workspace.slug])
    if not (back.startswith(posts_url) and url_has_allowed_host_and_scheme(back, None)):
        back = posts_url
    if not form.is_valid():
        messages.error(request, f"The columns were not changed: {form.errors['columns'][0]}")
        return redirect(back)
    membership.post_columns = form.cleaned_data["columns"]
    membership.save(update_fields=["post_columns"])
    return redirect(back)


@workspace_member()
def posts_export(request, membership):
    filters = PostFilters(with_defaults(request.GET), profiles=visible_profiles(membership))
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


def _tabs(counts, shown):
    return [
        {
            "key": key,
            "label": label,
            "count": "1,000+" if counts[key] > COUNT_CAP else f"{counts[key]:,}",
            "current": key == shown,
        }
        for key, label in SHOW
    ]


def _decorate(row, slug, columns):
    """What the row partial shows, formatted here: 50 rows of a dozen cells are quicker to
    format in Python than through a dozen template filters each."""
    row.cells = [
        {
            "label": LABELS[name],
            "value": getattr(row, name),
            "display": _display(name, getattr(row, name)),
            "reason": metric_reason(row, name),
        }
        for name in columns
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


def _headers(sort, columns, date_heading):
    """Table headings; the sortable ones link to their next sort (descending first)."""
    headers = [{"label": date_heading, "field": "published_at", "numeric": False}]
    headers += [{"label": "Post"}, {"label": "Profile"}, {"label": "Network"}, {"label": "Status"}]
    headers += [{"label": SHORT_LABELS[name], "field": name, "numeric": True} for name in columns]
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
