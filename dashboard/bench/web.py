"""What a browser waits for: the history fragment, the overview and the table's template.

Requests go through Django's test client, so middleware, sessions, access checks, queries and
templates all count, as under gunicorn minus the network.
"""

from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.test import Client, RequestFactory, override_settings

from accounts.models import Membership
from dashboard import posts as post_views
from dashboard.bench.report import Result, at_most, ratio
from dashboard.bench.timing import p50_ms
from dashboard.filters import DEFAULT_SORT, SORTS, PostFilters
from dashboard.models import DailyMetrics, PlatformPost, WorkspaceDailyMetrics
from dashboard.queries import PAGE_SIZE, encode_cursor
from dashboard.rollups import KPI_METRICS, PLACEHOLDER_PREFIX
from dashboard.views import OVERVIEW_TARGET

HOST = "bench.invalid"
FRAGMENT_MS_LIMIT = 100


class Browser:
    """A signed-in member of one benchmark workspace."""

    def __init__(self, seeded):
        self.seeded = seeded
        self.slug = seeded.workspace.slug
        self.client = Client(HTTP_HOST=HOST)
        self.client.force_login(seeded.user)

    def get(self, path, target=None):
        headers = {"HX-Request": "true", "HX-Target": target} if target else {}
        with override_settings(ALLOWED_HOSTS=[HOST]):
            response = self.client.get(f"/w/{self.slug}/{path}", headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        return response

    def history_ms(self, query, repeat):
        # Every post of all time, not the page's default (published, 28 days): the deepest
        # sorts and pages there are.
        path = f"posts/?range=&show=all&{query}"
        return p50_ms(lambda: self.get(path, target="results"), repeat)

    def overview_ms(self, repeat, fragment=True):
        target = OVERVIEW_TARGET if fragment else None
        return p50_ms(lambda: self.get("?range=", target=target), repeat)


def history(big, small, repeat):
    """P5, P6, P7: keyset depth, every sort at both sizes, and the capped count."""
    results = [_deep_page(big, repeat)]
    for sort, _label in SORTS:
        ours = big.history_ms(f"sort={sort}", repeat)
        base = small.history_ms(f"sort={sort}", repeat)
        passed = ours <= FRAGMENT_MS_LIMIT and at_most(1.5, ratio(ours, base))
        results.append(
            Result(
                "P6",
                f"history fragment p50, sort {sort}, {big.seeded.posts:,} ÷ {small.seeded.posts:,}",
                f"{ours:.1f} ms",
                f"{base:.1f} ms",
                ratio(ours, base),
                f"<= 1.5 and <= {FRAGMENT_MS_LIMIT} ms",
                passed,
            )
        )
    results.append(_counted(big))
    return results


def _deep_page(browser, repeat):
    """Page 1 against the page holding the middle row, reached by its ?after= link."""
    middle = browser.seeded.posts // 2
    rows = PlatformPost.objects.filter(profile__in=browser.seeded.profiles)
    value, pk = rows.order_by("-sort_time", "-pk").values_list("sort_time", "pk")[middle - 1]
    token = encode_cursor(value, pk, middle // PAGE_SIZE + 1)
    first = browser.history_ms(f"sort={DEFAULT_SORT}", repeat)
    deep = browser.history_ms(f"sort={DEFAULT_SORT}&after={token}", repeat)
    return Result(
        "P5",
        f"history fragment p50, row {middle:,} ÷ page 1",
        f"{deep:.1f} ms",
        f"{first:.1f} ms",
        ratio(deep, first),
        "<= 1.5",
        at_most(1.5, ratio(deep, first)),
    )


def _counted(browser):
    page = _table(browser.seeded, DEFAULT_SORT)["page"]
    return Result(
        "P7",
        f"rows counted per page render ({browser.seeded.posts:,} matching)",
        f"{page.count:,}",
        "-",
        float(page.count),
        "<= 1,001",
        page.count <= 1001,
    )


def _table(seeded, sort):
    """The history view's context for the seeded workspace's owner."""
    membership = Membership.objects.get(user=seeded.user, workspace=seeded.workspace)
    filters = PostFilters({"sort": sort, "show": "all"}, profiles=seeded.workspace.profiles.all())
    if not filters.is_valid():
        raise RuntimeError(filters.error_text())
    return {"membership": membership, "filters": filters} | post_views.table_context(
        membership, filters
    )


def overview(big, small, repeat, followers=""):
    """P8: the overview (KPIs and charts) for all time at both sizes; rollups against raw rows.

    `followers`: what follower history the workspaces have, for the metric's name.
    """
    results = []
    for fragment, what in ((True, "fragment (KPIs + charts)"), (False, "whole page")):
        ours = big.overview_ms(repeat, fragment)
        base = small.overview_ms(repeat, fragment)
        results.append(
            Result(
                "P8",
                f"overview {what} p50, all time, {big.seeded.posts:,} ÷ {small.seeded.posts:,}"
                f"{followers}",
                f"{ours:.1f} ms",
                f"{base:.1f} ms",
                ratio(ours, base),
                "<= 2 and <= 100 ms",
                ours <= 100 and at_most(2, ratio(ours, base)),
            )
        )
    if not followers:
        results.append(rollup_agreement(big.seeded))
    return results


def rollup_agreement(seeded):
    """The worst ratio of a rollup total (per profile, and the workspace's) to the same total
    summed over the raw rows."""
    sums = {"posts": Sum("posts"), **{m: Sum(f"sum_{m}") for m in KPI_METRICS}}
    daily = DailyMetrics.objects.filter(profile__in=seeded.profiles).aggregate(**sums)
    whole = WorkspaceDailyMetrics.objects.filter(workspace=seeded.workspace).aggregate(**sums)
    raw = (
        PlatformPost.objects.filter(profile__in=seeded.profiles, published_at__isnull=False)
        .exclude(social_id__startswith=PLACEHOLDER_PREFIX)
        .aggregate(posts=Count("pk"), **{m: Sum(m) for m in KPI_METRICS})
    )
    ratios = [ratio(rolled[key] or 0, raw[key]) or 1.0 for rolled in (daily, whole) for key in raw]
    worst = max(ratios, key=lambda r: abs(r - 1))
    return Result(
        "P8",
        "rollup total ÷ raw-row total (worst of posts, "
        + ", ".join(KPI_METRICS)
        + "; per profile and per workspace)",
        f"{daily['posts']:,} and {whole['posts']:,} posts",
        f"{raw['posts']:,} posts",
        worst,
        "= 1.000",
        worst == 1.0,
    )


def template_per_row(seeded, repeat):
    """P10: rendering the table fragment at the default page size, per row shown."""
    context = _table(seeded, DEFAULT_SORT)
    page = context["page"]
    request = RequestFactory().get("/", headers={"HX-Request": "true"})
    request.user = seeded.user
    with override_settings(ALLOWED_HOSTS=[HOST]):
        ms = p50_ms(
            lambda: render_to_string("dashboard/posts.html#results", context, request), repeat
        )
    per_row = ms / max(len(page.rows), 1)
    return Result(
        "P10",
        f"template time per table row ({len(page.rows)} rows a page)",
        f"{per_row:.3f} ms",
        f"{ms:.1f} ms a page",
        per_row,
        "<= 0.5 ms",
        at_most(0.5, per_row),
    )
