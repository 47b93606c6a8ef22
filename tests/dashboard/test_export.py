import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.access import visible_profiles
from dashboard import export as csv_export
from dashboard.export import RATE_HEADER, neutralise
from dashboard.filters import PostFilters
from dashboard.metrics import EXPIRED, FETCH_FAILED, NOT_REPORTED, NOT_YET
from dashboard.models import PlatformPost
from dashboard.queries import (
    exported_posts,
    sort_column,
)
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


# Every post, not the pages' default (the published posts of the last 28 days).
EVERY_POST = "range=&show=all"


def every_post(query):
    return f"{query}&{EVERY_POST}" if query else f"?{EVERY_POST}"


def export(client, member, query=""):
    response = client.get(f"/w/{member.workspace.slug}/posts/export.csv{every_post(query)}")
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    return response, list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff")))), body


def table_ids(client, member, query):
    """The social ids the table shows for the same URL, page after page."""
    ids, page = [], 1
    while True:
        path = f"/w/{member.workspace.slug}/posts/{every_post(query)}&page={page}"
        html = client.get(path).content
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
    assert row["likes_note"] == EXPIRED  # the number is kept, and said to be no longer updated
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
    assert len({NOT_REPORTED, NOT_YET, EXPIRED, FETCH_FAILED}) == 4


def test_a_number_a_network_stopped_reporting_says_since_when(client, member, profile):
    PlatformPostFactory(profile=profile, platform="facebook", social_id="fb", reach=None)
    PlatformPostFactory(profile=profile, platform="instagram", social_id="ig", impressions=None)
    PlatformPostFactory(profile=profile, platform="facebook", social_id="old", reach=40)
    _, rows, _ = export(client, member, "?sort=-published_at")
    by_id = {row["social_id"]: row for row in rows}
    assert by_id["fb"]["reach_note"] == "not reported by Facebook since Nov 2025"
    assert by_id["ig"]["impressions_note"] == "not reported by Instagram since Apr 2025"
    # A post from before the change keeps its number, which needs no note.
    assert (by_id["old"]["reach"], by_id["old"]["reach_note"]) == ("40", "")
    # The Python writer (other databases) says the same.
    for post in PlatformPost.objects.filter(profile=profile):
        assert csv_export.reason(post, "reach") == by_id[post.social_id]["reach_note"]


def test_video_numbers_have_columns_after_the_notes(client, member, profile):
    PlatformPostFactory(
        profile=profile,
        platform="tiktok",
        social_id="clip",
        media_type="video",
        watch_time=78131.0,
        avg_watch_time=6.42,
        completion_rate=None,
    )
    PlatformPostFactory(profile=profile, platform="twitter", social_id="tweet", watch_time=None)
    _, rows, body = export(client, member, "?sort=-published_at")
    header = next(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert header.index("watch_time_seconds") > header.index("engagement_rate_note")
    by_id = {row["social_id"]: row for row in rows}
    clip = by_id["clip"]
    assert (clip["watch_time_seconds"], clip["avg_watch_time_seconds"]) == ("78131.0", "6.42")
    completion = next(name for name in header if name.startswith("completion_rate"))
    assert (clip[completion], clip["completion_rate_note"]) == ("", NOT_YET)
    # X reports no watch time at all: that is said, not left blank.
    assert by_id["tweet"]["watch_time_note"] == NOT_REPORTED


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


def test_a_client_without_profiles_gets_the_header_and_no_rows(client, member):
    client_member = MembershipFactory(workspace=member.workspace, role="client")
    PlatformPostFactory(profile=ProfileFactory(workspace=member.workspace), text="Secret")
    client.force_login(client_member.user)
    response, rows, _ = export(client, member)
    assert response.status_code == 200 and rows == []


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's"
)


def bulk_posts(profile, count):
    # build(), then one bulk_create: no per-row save() and rollup signal.
    rows = PlatformPostFactory.build_batch(count, profile=profile, likes=3)
    for row in rows:
        row.sort_time = row.published_at
    PlatformPost.objects.bulk_create(rows)


def test_five_thousand_rows_stream_lazily(client, member, profile):
    bulk_posts(profile, 5000)
    response = client.get(f"/w/{member.workspace.slug}/posts/export.csv")
    assert response.streaming
    pieces = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as before_body:
        header = next(pieces)
    with CaptureQueriesContext(connection) as first_piece:
        first = next(pieces)
    body = header + first + b"".join(pieces)  # read to the end before asserting anything

    # Nothing is read until the body is consumed: the header goes out before any query.
    assert len(before_body) == 0
    assert header.startswith(b"profile,")
    # Then one fetch of 2,000 rows (SQLite), or on PostgreSQL the savepoint, SET LOCAL jit,
    # the query for where the first part ends and the zone for the local times (the COPY runs
    # on psycopg's own cursor, outside Django's query log): not a query per row.
    assert len(first_piece) <= (4 if connection.vendor == "postgresql" else 1)
    assert len(list(csv.DictReader(io.StringIO(body.decode())))) == 5000
    if connection.vendor == "postgresql":
        assert len(first) < len(body) / 2, "the COPY output arrives in pieces, not at once"


@pytest.fixture
def awkward(profile):
    """Rows that exercise every cell rule: quoting, formulas, blanks and why, floats, times."""
    now = timezone.now().replace(microsecond=0)
    post = PostFactory(profile=profile, ayrshare_id="ayr-1")
    texts = [
        'Comma, "quotes" and a\nline break',
        "carriage\rreturn",
        "=SUM(A1)",
        "+1",
        "-1",
        "@handle",
        "\tindented",
        "\rstarts with CR",
        "emoji 🚀 and ünïcode",
        "",
        "plain",
        '"',
        "trailing newline\n",
    ]
    rates = [0.0, 1e-05, 0.1, 0.123456789, 2.0, None, 3.5e-07, 1.0, 0.05, None, 12.25, 0.3, 0.7]
    for n, text in enumerate(texts):
        PlatformPostFactory(
            profile=profile,
            post=post if n % 4 == 0 else None,
            platform=["facebook", "youtube", "tiktok", "gmb", "unknownnet"][n % 5],
            social_id=f"=id{n}" if n == 2 else f"id{n}",
            url="" if n % 3 else f"https://example.com/{n}",
            media_type="" if n % 2 else "video",
            text=text,
            published_at=now - datetime.timedelta(hours=n, microseconds=123456 * (n % 2)),
            impressions=None if n % 2 else n * 1000,
            likes=None if n % 3 == 0 else n,
            engagement_rate=rates[n],
            watch_time=None if n % 3 == 1 else n * 1234.5,
            avg_watch_time=rates[(n + 5) % 13],
            completion_rate=rates[(n + 3) % 13],
            metric_notes={"likes": "stale"} if n == 4 else ({"reach": "expired"} if n == 5 else {}),
            analytics_error="timeout" if n == 6 else "",
        )
    PlatformPostFactory(profile=profile, social_id="ayrshare:ayr-2", published_at=None, text="x")


def ordered_posts(member, query=""):
    data = QueryDict("&".join(part for part in (query, EVERY_POST) if part))
    filters = PostFilters(data, profiles=visible_profiles(member))
    assert filters.is_valid(), filters.errors
    return exported_posts(member, filters)


@postgresql_only
@pytest.mark.parametrize("query", ["", "sort=-likes", "sort=engagement_rate", "sort=published_at"])
@pytest.mark.parametrize("excel", [False, True])
def test_copy_writes_the_same_bytes_as_python(member, awkward, query, excel):
    posts = ordered_posts(member, query)

    copied = b"".join(csv_export.copy_lines(posts, excel))
    written = "".join(csv_export.python_lines(posts, excel)).encode()

    assert copied == written
    assert len(list(csv.reader(io.StringIO(copied.decode().removeprefix("\ufeff"))))) == 15


@pytest.fixture
def others(awkward):
    """Another workspace's rows among the awkward ones, in every order: the index the first
    rows are read from holds every workspace's rows."""
    now = timezone.now().replace(microsecond=0)
    stranger = ProfileFactory()
    for n in range(10):
        PlatformPostFactory(
            profile=stranger,
            published_at=now - datetime.timedelta(hours=n, minutes=30),
            likes=None if n % 4 == 0 else n,
            views=n if n % 2 else None,
            engagement_rate=n / 10,
        )


@postgresql_only
@pytest.mark.parametrize(
    "sort", ["-published_at", "published_at", "-likes", "likes", "-engagement_rate", "views"]
)
@pytest.mark.parametrize("head", [1, 4, 12, 100])
def test_an_export_reads_its_first_rows_on_their_own_and_keeps_the_tables_order(
    member, others, monkeypatch, sort, head
):
    # Few rows first (1, 4), about half of them (12), or more than there are (100).
    monkeypatch.setattr(csv_export, "HEAD_ROWS", head)
    posts = ordered_posts(member, f"sort={sort}")

    copied = b"".join(csv_export.copy_lines(posts, sort=sort))

    column, _ = sort_column(sort)
    valued = posts.filter(**{f"{column}__isnull": False}).count()
    # First rows, the rest with a value, those without; or, too few rows to bother, two.
    assert len(csv_export._parts(posts, sort)) == (3 if valued >= head else 2)
    assert copied == "".join(csv_export.python_lines(posts)).encode()
    assert len(list(csv.reader(io.StringIO(copied.decode())))) == 15


@postgresql_only
@pytest.mark.parametrize("rate", [1e15, 1e15 + 0.5, 9.5e15, 1e16, -0.0, float("inf"), float("nan")])
def test_extreme_rates_are_written_as_python_writes_them(member, profile, rate):
    PlatformPostFactory(profile=profile, engagement_rate=rate)
    posts = ordered_posts(member)

    copied = b"".join(csv_export.copy_lines(posts))

    assert copied == "".join(csv_export.python_lines(posts)).encode()


@postgresql_only
def test_the_download_uses_copy_on_postgresql(client, member, awkward):
    response = client.get(
        f"/w/{member.workspace.slug}/posts/export.csv{every_post('?sort=-likes')}"
    )
    body = b"".join(response.streaming_content)

    assert body == b"".join(csv_export.copy_lines(ordered_posts(member, "sort=-likes")))


@postgresql_only
@pytest.mark.parametrize("read", [1, 2, 4, 7])
def test_a_download_cut_short_leaves_the_connection_usable(member, profile, monkeypatch, read):
    # Three parts (the first 1,000 rows, the rest, none without a time): cut in the header,
    # in the first part, near its end and in the second.
    monkeypatch.setattr(csv_export, "HEAD_ROWS", 1000)
    bulk_posts(profile, 3000)
    everything = list(csv_export.copy_lines(ordered_posts(member), sort="-published_at"))
    assert len(everything) > read + 1
    pieces = csv_export.copy_lines(ordered_posts(member), sort="-published_at")
    for _ in range(read):
        next(pieces)

    pieces.close()  # what the server does when the browser goes away

    assert PlatformPost.objects.filter(profile=profile).count() == 3000
    body = b"".join(csv_export.copy_lines(ordered_posts(member), sort="-published_at"))
    assert body == b"".join(everything)
    assert len(list(csv.DictReader(io.StringIO(body.decode())))) == 3000


def test_records_end_in_crlf_and_newlines_inside_a_text_survive(client, member, awkward):
    _, rows, body = export(client, member)

    assert body.count("\r\n") == 15  # one per record (header included), none inside a text
    texts = {row["text"] for row in rows}
    assert 'Comma, "quotes" and a\nline break' in texts
    assert "trailing newline\n" in texts


@postgresql_only
@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "UTC"])
def test_copy_writes_the_local_times_of_the_workspaces_zone_as_python_does(member, awkward, zone):
    PlatformPostFactory(
        profile=ProfileFactory(workspace=member.workspace),
        published_at=datetime.datetime(2026, 3, 8, 6, 59, 59, 250000, tzinfo=datetime.UTC),
    )
    with timezone.override(zone):
        posts = ordered_posts(member)
        copied = b"".join(csv_export.copy_lines(posts))
        assert copied == "".join(csv_export.python_lines(posts)).encode()
    local = [row["published_at_local"] for row in csv.DictReader(io.StringIO(copied.decode()))]
    expected = {
        "America/New_York": "2026-03-08T01:59:59-05:00",
        "Asia/Kolkata": "2026-03-08T12:29:59+05:30",
        "UTC": "2026-03-08T06:59:59+00:00",
    }
    assert expected[zone] in local


@postgresql_only
@pytest.mark.parametrize("read", [None, 2])
def test_times_read_after_an_export_in_the_same_transaction_are_right(member, profile, read):
    # The test's transaction is the outer one that a SET LOCAL in the export would outlast.
    published = datetime.datetime(2026, 3, 8, 6, 59, 59, tzinfo=datetime.UTC)
    post = PlatformPostFactory(profile=profile, published_at=published)
    with timezone.override("America/New_York"):
        pieces = csv_export.copy_lines(ordered_posts(member))
        if read is None:
            b"".join(pieces)
        else:  # a download cut short
            for _ in range(read):
                next(pieces)
            pieces.close()

    assert PlatformPost.objects.get(pk=post.pk).published_at == published
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz::text", [published])
        assert cursor.fetchone()[0] == "2026-03-08 06:59:59+00"
