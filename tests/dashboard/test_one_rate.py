"""One meaning per number: a post's engagement rate is the same figure, written the same way, in
the posts table, the drawer, the overview's top posts, the CSV and the agency view."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory

pytestmark = pytest.mark.django_db

RATE = "8.50 %"  # 85 engagements ÷ 1,000 reached: TikTok reports reach, not impressions


@pytest.fixture
def tiktok(client):
    member = MembershipFactory()
    client.force_login(member.user)
    profile = ProfileFactory(workspace=member.workspace, title="Acme", platforms=["tiktok"])
    post = PlatformPostFactory(
        profile=profile,
        platform="tiktok",
        published_at=timezone.now() - datetime.timedelta(days=2),
        impressions=None,
        reach=1000,
        views=1500,
        likes=80,
        comments=5,
        engagements=85,
        engagement_rate=0.085,
    )
    return member, post


def text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_one_posts_rate_is_the_same_everywhere(client, tiktok):
    member, post = tiktok
    base = f"/w/{member.workspace.slug}"

    table = client.get(f"{base}/posts/").content.decode()
    row = table[table.index(f'data-social-id="{post.social_id}"') :]
    assert RATE in text(row[: row.index("</tr>")])

    drawer = client.get(f"{base}/posts/{post.pk}/").content.decode()
    assert re.search(r"<dt>Engagement rate</dt>\s*<dd>" + re.escape(RATE) + "</dd>", drawer)

    overview = client.get(f"{base}/?range=28").content.decode()
    top = overview[overview.index('class="top-posts') :]
    assert RATE in text(top[: top.index("</table>")])
    cards = overview[overview.index("kpi-card") :]
    assert re.search(r"Engagement rate</h3>\s*<p class=\"big\">" + re.escape(RATE), cards)

    agency = client.get(f"{base}/agency/?range=28").content.decode()
    start = agency.index("</svg> Acme</a>")
    assert RATE in text(agency[start : agency.index("</tr>", start)])

    export = client.get(f"{base}/posts/export.csv")
    body = b"".join(export.streaming_content).decode().removeprefix("\ufeff")
    [exported] = list(csv.DictReader(io.StringIO(body)))
    rate = next(value for key, value in exported.items() if key.startswith("engagement_rate ="))
    assert f"{float(rate) * 100:.2f} %" == RATE
