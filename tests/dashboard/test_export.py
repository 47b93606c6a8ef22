import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from dashboard.export import RATE_HEADER, neutralise
from dashboard.queries import FETCH_FAILED, NOT_REPORTED, NOT_YET, STALE
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


@pytest.fixture
def history(profile):
    """120 posts over three table pages: ties on every metric and on time, and missing numbers."""
    now = timezone.now().replace(microsecond=0)
    for n in range(120):
        PlatformPostFactory(
            profile=profile,
            platform="instagram" if n % 3 else "facebook",
            likes=None if n % 7 == 0 else n % 11,
            views=None if n % 5 == 0 else n % 4,
            engagement_rate=None if n % 6 == 0 else (n % 3) / 100,
            published_at=now - datetime.timedelta(hours=n % 40),
            text=f"post {n}" if n % 2 else f"Launch {n}",
        )


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?sort=published_at",
        "?sort=-likes",
        "?sort=likes",
        "?sort=-engagement_rate",
        "?sort=views",
        "?platforms=instagram&sort=-likes",
        "?q=launch&sort=-views",
    ],
)
def test_rows_equal_the_table_across_all_pages_in_order(client, member, history, query):
    shown = table_ids(client, member, query)
    _, rows, _ = export(client, member, query)
    assert len(shown) > 50  # more than one page was walked
    assert [row["social_id"] for row in rows] == shown


def test_the_download_link_carries_the_filters_and_sort(client, member, history):
    html = client.get(f"/w/{member.workspace.slug}/posts/?platforms=instagram&sort=-likes&page=2")
    links = re.findall(r'href="([^"]*export\.csv[^"]*)"', html.content.decode())
    assert links  # beside the table
    assert all("platforms=instagram" in link and "sort=-likes" in link for link in links)
    assert not any("page=" in link for link in links)  # every page, not just this one


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
    assert row["impressions_note"] == NOT_REPORTED
    assert row["comments_note"] == NOT_YET
    assert row["likes_note"] == STALE  # the number is kept, and said to be no longer updated
    assert row["views_note"] == ""  # a real number


def test_formula_cells_are_neutralised(client, member, profile):
    for text in ("=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "fine", "a=b"):
        PlatformPostFactory(profile=profile, text=text)
    _, rows, _ = export(client, member)
    texts = {row["text"] for row in rows}
    assert texts == {
        "'=HYPERLINK(1)", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "fine", "a=b"
    }  # fmt: skip
    assert neutralise(-3) == -3  # numbers stay numbers


def test_every_text_column_is_neutralised_not_just_the_text(client, member):
    evil = ProfileFactory(workspace=member.workspace, title="=cmd|' /C calc'!A0")
    PlatformPostFactory(
        profile=evil, platform="youtube", social_id="-dQw4w9", url="@http://x", likes=-1
    )
    _, [row], _ = export(client, member)
    assert row["profile"] == "'=cmd|' /C calc'!A0"
    assert row["social_id"] == "'-dQw4w9"
    assert row["url"] == "'@http://x"
    assert row["likes"] == "-1"  # a number is data, not a formula


def test_a_missing_number_is_never_a_zero_and_says_why(client, member, profile):
    PlatformPostFactory(profile=profile, platform="tiktok", social_id="zero", likes=0, views=5)
    PlatformPostFactory(profile=profile, platform="tiktok", social_id="new", likes=None)
    PlatformPostFactory(
        profile=profile, platform="tiktok", social_id="broken", likes=None, analytics_error="500"
    )
    _, rows, _ = export(client, member, "?sort=-published_at")
    by_id = {row["social_id"]: row for row in rows}
    assert (by_id["zero"]["likes"], by_id["zero"]["likes_note"]) == ("0", "")
    assert (by_id["new"]["likes"], by_id["new"]["likes_note"]) == ("", NOT_YET)
    assert (by_id["broken"]["likes"], by_id["broken"]["likes_note"]) == ("", FETCH_FAILED)
    # TikTok has no impressions at all: that is not a failed fetch.
    assert by_id["broken"]["impressions_note"] == NOT_REPORTED
    assert len({NOT_REPORTED, NOT_YET, STALE, FETCH_FAILED}) == 4


def test_the_header_states_the_engagement_rate_formula(client, member, profile):
    PlatformPostFactory(profile=profile, impressions=200, engagements=10, engagement_rate=0.05)
    _, [row], body = export(client, member)
    header = next(csv.reader(io.StringIO(body)))
    assert RATE_HEADER in header
    assert "engagements / the first positive of impressions, reach, views" in RATE_HEADER
    assert row[RATE_HEADER] == "0.05"


def test_excel_option_adds_a_bom(client, member, profile):
    PlatformPostFactory(profile=profile, text="café ☕")
    _, _, plain = export(client, member)
    _, rows, excel = export(client, member, "?excel=1")
    assert not plain.startswith("\ufeff") and excel.startswith("\ufeff")
    assert excel.count("\ufeff") == 1 and excel[1:] == plain
    assert "\r\n" in excel  # line ends Excel expects
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
