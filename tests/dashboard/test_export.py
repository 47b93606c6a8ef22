import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from dashboard.export import RATE_HEADER, neutralise
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    return membership


@pytest.fixture
def profile(member):
    return ProfileFactory(workspace=member.workspace, title="Acme")


def export(client, member, query=""):
    response = client.get(f"/w/{member.workspace.slug}/posts/export.csv{query}")
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    return response, list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff")))), body


def table_ids(client, member, query):
    """The social ids the table shows for the same URL, page after page."""
    ids, page = [], 1
    while True:
        sep = "&" if query else "?"
        html = client.get(f"/w/{member.workspace.slug}/posts/{query}{sep}page={page}").content
        found = re.findall(r'data-social-id="([^"]+)"', html.decode())
        ids += found
        if 'rel="next"' not in html.decode():
            return ids
        page += 1


def test_rows_equal_the_table_across_all_pages_in_order(client, member, profile):
    now = timezone.now()
    for n in range(120):
        PlatformPostFactory(
            profile=profile,
            platform="instagram" if n % 3 else "facebook",
            likes=None if n % 7 == 0 else n % 11,
            published_at=now - datetime.timedelta(hours=n % 40),
        )
    query = "?platforms=instagram&sort=-likes"
    shown = table_ids(client, member, query)
    _, rows, _ = export(client, member, query)
    assert len(shown) == 80
    assert [row["social_id"] for row in rows] == shown


def test_one_row_per_network_post_with_every_field(client, member, profile):
    post = PostFactory(profile=profile, ayrshare_id="AYR1")
    published = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    PlatformPostFactory(
        profile=profile,
        post=post,
        platform="youtube",
        social_id="yt1",
        url="https://youtu.be/yt1",
        published_at=published,
        media_type="video",
        views=120,
        likes=0,
        engagements=4,
        engagement_rate=0.033333,
        metric_notes={"likes": "stale"},
    )
    response, rows, body = export(client, member)
    assert response["Content-Disposition"].startswith("attachment;")
    assert RATE_HEADER in body.splitlines()[0]
    [row] = rows
    assert row["profile"] == "Acme" and row["ayrshare_post_id"] == "AYR1"
    assert row["published_at_utc"] == "2026-03-01T09:30:00Z"
    assert row["origin"] == "ayrshare" and row["media_type"] == "video"
    assert row["views"] == "120" and row["likes"] == "0"
    assert row["impressions"] == "" and row["comments"] == ""
    assert "impressions: not reported" in row["notes"]
    assert "comments: not available yet" in row["notes"]
    assert "likes: stale" in row["notes"]


def test_formula_cells_are_neutralised(client, member, profile):
    for text in ("=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "fine"):
        PlatformPostFactory(profile=profile, text=text)
    _, rows, _ = export(client, member)
    texts = {row["text"] for row in rows}
    assert texts == {"'=HYPERLINK(1)", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "fine"}
    assert neutralise(-3) == -3  # numbers stay numbers


def test_excel_option_adds_a_bom(client, member, profile):
    PlatformPostFactory(profile=profile, text="café ☕")
    _, _, plain = export(client, member)
    _, rows, excel = export(client, member, "?excel=1")
    assert not plain.startswith("\ufeff") and excel.startswith("\ufeff")
    assert rows[0]["text"] == "café ☕"


def test_bad_filters_are_a_400_not_a_file(client, member):
    response = client.get(f"/w/{member.workspace.slug}/posts/export.csv?sort=nope")
    assert response.status_code == 400 and not response.streaming


def test_a_client_exports_only_assigned_profiles(client, member):
    client_member = MembershipFactory(workspace=member.workspace, role="client")
    mine = ProfileFactory(workspace=member.workspace)
    client_member.profiles.add(mine)
    PlatformPostFactory(profile=mine, text="Assigned")
    PlatformPostFactory(profile=ProfileFactory(workspace=member.workspace), text="Secret")
    client.force_login(client_member.user)
    _, rows, _ = export(client, member)
    assert [row["text"] for row in rows] == ["Assigned"]


def test_five_thousand_rows_stream_lazily(client, member, profile, django_assert_num_queries):
    PlatformPostFactory.create_batch(5000, profile=profile)
    response = client.get(f"/w/{member.workspace.slug}/posts/export.csv")
    assert response.streaming
    lines = iter(response.streaming_content)
    # Nothing is read until the body is consumed; then one query per chunk of 2,000 rows.
    header = next(lines)
    assert header.startswith(b"profile,")
    with django_assert_num_queries(1):  # the first chunk (SQLite fetches in chunks)
        next(lines)
    assert sum(1 for _ in lines) == 4999
