"""One request's work is bounded: the widest periods a query string can name answer with a
bounded number of chart points and the page's usual number of queries.

Counts, not wall-clock time: a period of decades once meant a chart point per day (and its table
row), 6.5 s and 22 MB, or a gunicorn timeout with ?every=day.
"""

import datetime
import json
import re

import pytest
from django.utils import timezone

from dashboard import trends
from dashboard.filters import EARLIEST_DATE, latest_date
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory, at

pytestmark = pytest.mark.django_db

FRAGMENT = {"HX-Request": "true", "HX-Target": "overview"}
# The pages' usual budgets (test_overview, test_agency): the widest period costs no more.
# The overview's includes test_overview's 8 for days waiting for the workspace refresh, which
# nothing runs here.
OVERVIEW_QUERIES = 26 + 8
AGENCY_QUERIES = 12
# Months from 2000 to the end of the latest year a date may name: the most any chart draws.
MOST_POINTS = (latest_date().year - EARLIEST_DATE.year + 1) * 12
WIDEST = f"start={EARLIEST_DATE:%Y-%m-%d}&end={latest_date():%Y-%m-%d}"
WORST = [
    f"?range=custom&{WIDEST}&every=day",
    f"?range=custom&{WIDEST}&every=week",
    f"?range=&{WIDEST}",
    f"?start={EARLIEST_DATE:%Y-%m-%d}&every=day",
    "?range=&every=day",
]


@pytest.fixture
def member(client):
    membership = MembershipFactory()
    membership.profile = ProfileFactory(workspace=membership.workspace)
    client.force_login(membership.user)
    return membership


@pytest.fixture
def decades(member):
    """Posts from 2001 to today on two networks: the longest history a workspace could have."""
    today = timezone.localdate()
    for day in (datetime.date(2001, 3, 5), datetime.date(2015, 6, 1), today):
        for platform in ("facebook", "instagram"):
            PlatformPostFactory(
                profile=member.profile, platform=platform, published_at=at(day), engagements=2
            )
    return member


def _labels(response):
    """The engagements chart's labels, from its json_script (a fragment has no test context)."""
    found = re.search(
        r'id="chart-engagements" type="application/json">(.*?)</script>', _text(response)
    )
    return json.loads(found.group(1))["data"]["labels"]


def _text(response):
    return response.content.decode()


@pytest.mark.parametrize("query", WORST)
@pytest.mark.parametrize("headers", [{}, FRAGMENT], ids=["page", "fragment"])
def test_the_widest_periods_chart_a_bounded_number_of_points_in_the_usual_queries(
    client, decades, query, headers, django_assert_max_num_queries
):
    with django_assert_max_num_queries(OVERVIEW_QUERIES):
        response = client.get(f"/w/{decades.workspace.slug}/{query}", headers=headers)

    assert response.status_code == 200
    assert 0 < len(_labels(response)) <= MOST_POINTS
    # Decades of days or weeks would be thousands of points: they are grouped by month.
    assert "(per month, by publish date" in _text(response)


def test_a_period_from_2000_starts_at_the_first_post(client, member):
    today = timezone.localdate()
    first = today - datetime.timedelta(days=9)
    PlatformPostFactory(profile=member.profile, published_at=at(first))
    query = f"?range=custom&start={EARLIEST_DATE:%Y-%m-%d}&end={today:%Y-%m-%d}&every=day"

    response = client.get(f"/w/{member.workspace.slug}/{query}")

    assert response.status_code == 200
    assert response.context["overview"]["first"] == first
    # 26 years by day would be 9,500 points; the ten days with data stay by day, as asked.
    assert response.context["overview"]["every"] == "day"
    assert len(_labels(response)) == 10


def test_a_year_by_day_is_kept_when_asked(client, member):
    """Days stay a choice up to a year; the cap only starts past it."""
    first = timezone.localdate() - datetime.timedelta(days=300)
    PlatformPostFactory(profile=member.profile, published_at=at(first))

    response = client.get(f"/w/{member.workspace.slug}/?range=&every=day")

    assert response.context["overview"]["every"] == "day"
    assert len(_labels(response)) == 301


@pytest.mark.parametrize(
    ("days", "asked", "every"),
    [
        (92, "day", "day"),
        (366, "day", "day"),
        (367, "day", "week"),
        (728, "week", "week"),
        (729, "week", "month"),
        (729, "day", "month"),
        (366 * 31, "day", "month"),
    ],
)
def test_buckets_grow_coarser_with_the_period(days, asked, every):
    first = datetime.date(2001, 1, 1)
    last = first + datetime.timedelta(days=days - 1)
    assert trends.grouping(first, last, asked) == every
    assert len(trends.buckets(first, last, every)) <= max(366, 105, MOST_POINTS)


@pytest.mark.parametrize("query", WORST[:4])
def test_the_agency_view_draws_bounded_sparklines_in_the_usual_queries(
    client, decades, query, django_assert_max_num_queries
):
    ProfileFactory(workspace=decades.workspace)  # a profile without posts has a line too
    with django_assert_max_num_queries(AGENCY_QUERIES):
        response = client.get(f"/w/{decades.workspace.slug}/agency/{query}")

    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 2
    for row in rows:
        points = sum(len(line.split()) for line in row.sparkline["lines"])
        points += len(row.sparkline["dots"])
        assert points <= MOST_POINTS
        assert row.sparkline["label"].startswith("Monthly engagements")
