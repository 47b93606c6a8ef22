import datetime
import json
import re

import pytest
from django.utils import timezone

from dashboard.metrics import NOT_REPORTED, NOT_YET
from dashboard.models import MetricSnapshot
from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory, PostFactory

pytestmark = pytest.mark.django_db

DRAWER = {"HX-Request": "true", "HX-Target": "drawer"}
# session, user, membership, the post, its siblings, its snapshots (+ savepoints in tests)
MAX_QUERIES = 8


def url(membership, post):
    return f"/w/{membership.workspace.slug}/posts/{post.pk}/"


@pytest.fixture
def member(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    return membership


@pytest.fixture
def profile(member):
    return ProfileFactory(workspace=member.workspace, title="Acme Coffee")


def snapshot(post, hours_ago, **metrics):
    return MetricSnapshot.objects.create(
        platform_post=post,
        captured_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        **metrics,
    )


def chart_json(page, post):
    match = re.search(
        rf'<script id="growth-{post.pk}" type="application/json">(.*?)</script>', page, re.S
    )
    assert match, "no growth chart data in the page"
    return json.loads(match.group(1))


def test_the_drawer_shows_the_text_escaped_with_line_breaks(client, member, profile):
    post = PlatformPostFactory(
        profile=profile, text="<script>alert(1)</script> launch\nsecond line"
    )
    page = client.get(url(member, post), headers=DRAWER).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; launch<br>second line" in page
    assert "<script>alert(1)" not in page
    assert 'id="drawer-title"' in page and "Acme Coffee" in page


def test_the_drawer_shows_the_thumbnail_and_drops_non_web_links(client, member, profile):
    post = PlatformPostFactory(
        profile=profile,
        thumbnail_url="https://cdn.example.com/thumb.jpg",
        url="javascript:alert(1)",
    )
    page = client.get(url(member, post), headers=DRAWER).content.decode()
    assert '<img class="drawer-thumbnail" src="https://cdn.example.com/thumb.jpg"' in page
    assert 'alt="Thumbnail of this Facebook post"' in page
    assert "javascript:" not in page


def test_the_drawer_lists_every_network_of_the_same_post_with_links(client, member, profile):
    ayrshare_post = PostFactory(profile=profile)
    facebook = PlatformPostFactory(
        profile=profile, post=ayrshare_post, url="https://facebook.com/p/1", impressions=1200
    )
    PlatformPostFactory(
        profile=profile,
        post=ayrshare_post,
        platform="linkedin",
        url="https://linkedin.com/feed/update/2",
    )
    PlatformPostFactory(profile=profile, url="https://facebook.com/p/unrelated")

    page = client.get(url(member, facebook), headers=DRAWER).content.decode()
    assert "On each network" in page
    for link in ("https://facebook.com/p/1", "https://linkedin.com/feed/update/2"):
        assert f'<a href="{link}" rel="noopener noreferrer" target="_blank">' in page
    assert "unrelated" not in page
    assert "1,200" in page


def test_missing_metrics_show_why_never_zero(client, member, profile):
    post = PlatformPostFactory(
        profile=profile, platform="bluesky", likes=0, impressions=None, comments=None
    )
    page = client.get(url(member, post), headers=DRAWER).content.decode()
    assert NOT_REPORTED in page  # bluesky has no impressions
    assert NOT_YET in page  # comments: bluesky reports them, not fetched yet
    likes = re.search(r"<dt>Likes</dt>\s*<dd>(.*?)</dd>", page, re.S).group(1)
    impressions = re.search(r"<dt>Impressions</dt>\s*<dd>(.*?)</dd>", page, re.S).group(1)
    assert likes.strip() == "0"
    assert "—" in impressions and "0" not in impressions


def test_the_metrics_say_when_they_were_fetched_and_when_they_update(client, member, profile):
    post = PlatformPostFactory(
        profile=profile,
        last_updated=datetime.datetime(2026, 5, 1, 9, 30, tzinfo=datetime.UTC),
        next_update=datetime.datetime(2026, 5, 1, 21, 30, tzinfo=datetime.UTC),
    )
    page = client.get(url(member, post), headers=DRAWER).content.decode()
    assert "Metrics as of" in page and "May 1, 2026 09:30" in page
    assert "next update" in page and "May 1, 2026 21:30" in page


def test_a_failed_post_shows_the_networks_error(client, member, profile):
    ayrshare_post = PostFactory(
        profile=profile,
        status="error",
        errors=[
            {"platform": "instagram", "code": 138, "message": "Image aspect ratio is invalid."},
            {"platform": "twitter", "code": 110, "message": "Duplicate tweet."},
        ],
    )
    post = PlatformPostFactory(
        profile=profile,
        post=ayrshare_post,
        platform="instagram",
        status="error",
        social_id="ayrshare:x",
        error_message="Image aspect ratio is invalid.",
        analytics_error="Instagram authorization has expired.",
    )
    page = client.get(url(member, post), headers=DRAWER).content.decode()
    assert "Instagram did not publish this post" in page
    assert "Image aspect ratio is invalid. (code 138)" in page
    assert "Its metrics could not be fetched: Instagram authorization has expired." in page
    assert "Duplicate tweet" not in page  # another network's error
    assert "the post did not reach this network" in page  # why its metrics are missing


def test_the_growth_chart_has_the_snapshot_values_in_order(client, member, profile):
    post = PlatformPostFactory(profile=profile)
    snapshot(post, 1, impressions=300, engagements=30)
    snapshot(post, 3, impressions=100, engagements=10)
    snapshot(post, 2, impressions=200, engagements=None)

    page = client.get(url(member, post), headers=DRAWER).content.decode()
    config = chart_json(page, post)
    datasets = {d["label"]: d["data"] for d in config["data"]["datasets"]}
    assert config["type"] == "line"
    assert datasets == {"Impressions": [100, 200, 300], "Engagements": [10, None, 30]}
    assert len(config["data"]["labels"]) == 3
    assert f'data-chart="growth-{post.pk}" role="img" aria-label="' in page
    assert "Show the numbers" in page  # the table fallback


def test_one_snapshot_says_growth_comes_later(client, member, profile):
    post = PlatformPostFactory(profile=profile)
    snapshot(post, 1, impressions=300)
    page = client.get(url(member, post), headers=DRAWER).content.decode()
    assert "Growth appears after the next metrics update" in page
    assert "data-chart" not in page


def test_htmx_aimed_at_the_drawer_gets_only_the_partial(client, member, profile):
    post = PlatformPostFactory(profile=profile, text="Morning espresso")
    response = client.get(url(member, post), headers=DRAWER)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Morning espresso" in page and "data-drawer-close" in page
    assert "<html" not in page
    assert "HX-Request" in response["Vary"]


def test_without_htmx_it_is_a_whole_page(client, member, profile):
    post = PlatformPostFactory(profile=profile, text="Morning espresso")
    for headers in ({}, {**DRAWER, "HX-History-Restore-Request": "true"}):
        page = client.get(url(member, post), headers=headers).content.decode()
        assert "<html" in page and "Morning espresso" in page
        assert "Post details" in page and "data-drawer-close" not in page


def test_the_posts_table_links_each_row_to_its_drawer(client, member, profile):
    post = PlatformPostFactory(profile=profile)
    page = client.get(f"/w/{member.workspace.slug}/posts/").content.decode()
    detail = url(member, post)
    assert f'href="{detail}" hx-get="{detail}" hx-target="#drawer"' in page
    assert '<aside id="drawer"' in page and 'role="dialog"' in page
    assert "js/drawer.js" in page


def test_a_client_cannot_open_a_post_of_an_unassigned_profile(client, member, profile):
    client_member = MembershipFactory(workspace=member.workspace, role="client")
    client_member.profiles.add(profile)
    theirs = PlatformPostFactory(profile=ProfileFactory(workspace=member.workspace))
    mine = PlatformPostFactory(profile=profile)
    client.force_login(client_member.user)

    assert client.get(url(member, theirs), headers=DRAWER).status_code == 404
    assert client.get(url(member, theirs)).status_code == 404
    assert client.get(url(member, mine)).status_code == 200


def test_a_post_of_another_workspace_is_not_found(client, member):
    elsewhere = PlatformPostFactory()
    assert client.get(url(member, elsewhere)).status_code == 404


@pytest.mark.parametrize("headers", [{}, DRAWER])
def test_query_count_does_not_grow_with_snapshots_or_networks(
    client, member, profile, headers, django_assert_max_num_queries
):
    ayrshare_post = PostFactory(profile=profile)
    post = PlatformPostFactory(profile=profile, post=ayrshare_post)

    def queries_for(n):
        for platform in range(n):
            PlatformPostFactory(profile=profile, post=ayrshare_post, platform=f"net{platform}")
        start = MetricSnapshot.objects.filter(platform_post=post).count()
        for i in range(n):
            snapshot(post, 1000 - start - i, impressions=start + i)
        with django_assert_max_num_queries(MAX_QUERIES) as captured:
            assert client.get(url(member, post), headers=headers).status_code == 200
        return len(captured)

    assert queries_for(2) == queries_for(48)  # 2 snapshots and siblings, then 50


def test_a_video_shows_how_long_people_watched(client, member, profile):
    post = PlatformPostFactory(
        profile=profile,
        platform="tiktok",
        media_type="video",
        views=12170,
        watch_time=78131.0,
        avg_watch_time=6.42,
        completion_rate=None,
    )
    page = client.get(url(member, post), headers=DRAWER).content.decode()
    video = page.split("Video</h5>", 1)[1]
    assert re.search(r"<dt>Watch time</dt>\s*<dd>21 h 42 min</dd>", video)
    assert re.search(r"<dt>Average view duration</dt>\s*<dd>6.4 s</dd>", video)
    assert re.search(r"<dt>Watched to the end</dt>\s*<dd>.*?not reported yet", video, re.S)


def test_an_image_has_no_video_section(client, member, profile):
    post = PlatformPostFactory(profile=profile, platform="instagram", media_type="image")
    page = client.get(url(member, post), headers=DRAWER).content.decode()
    assert "Video</h5>" not in page


def test_a_metric_is_drawn_in_the_overviews_colour_of_it(client, member, profile):
    post = PlatformPostFactory(profile=profile, engagements=30, impressions=300)
    snapshot(post, 2, impressions=100, engagements=10)
    snapshot(post, 1, impressions=300, engagements=30)

    drawer = chart_json(client.get(url(member, post), headers=DRAWER).content.decode(), post)
    overview = client.get(f"/w/{member.workspace.slug}/").content.decode()

    growth = {d["label"]: d["borderColor"] for d in drawer["data"]["datasets"]}
    for name in ("engagements", "impressions"):
        chart = re.search(
            rf'<script id="chart-{name}" type="application/json">(.*?)</script>', overview, re.S
        )
        [dataset] = json.loads(chart[1])["data"]["datasets"]
        assert growth[name.capitalize()] == dataset["borderColor"]
    assert growth["Engagements"] != growth["Impressions"]
