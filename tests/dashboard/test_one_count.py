"""One meaning per number: "posts published" in a period is the same count on the overview, the
posts page, the agency view and the CSV, each page opening on the same period."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone

from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory, PostFactory

pytestmark = pytest.mark.django_db


def ago(days):
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def member(client):
    member = MembershipFactory()
    client.force_login(member.user)
    profile = ProfileFactory(workspace=member.workspace, title="Acme")
    for days in (1, 5, 20):
        PlatformPostFactory(profile=profile, published_at=ago(days))
    # Not counted as published in the last 28 days: an older post, a post still to go out and
    # one that failed (the sync dates both by their schedule).
    PlatformPostFactory(profile=profile, published_at=ago(40))
    for status, days in (("pending", -3), ("error", 2)):
        post = PostFactory(profile=profile, status=status, schedule_date=ago(days))
        PlatformPostFactory(
            profile=profile,
            post=post,
            social_id=f"ayrshare:{post.pk}:facebook",
            status=status,
            published_at=ago(days),
        )
    return member


def test_posts_published_is_one_count_on_every_page_by_default(client, member):
    base = f"/w/{member.workspace.slug}"

    overview = client.get(f"{base}/").content.decode()
    card = re.search(r"<h3>Posts published</h3>\s*<p class=\"big\">([\d,]+)</p>", overview)

    posts = client.get(f"{base}/posts/").content.decode()
    tab = re.search(r'id="tab-published"[^>]*>Published <span class="tab-count">([\d,]+)', posts)

    agency = client.get(f"{base}/agency/").content.decode()
    cell = re.search(r'data-label="Posts published">([\d,]+)</td>', agency)

    export = client.get(f"{base}/posts/export.csv")
    body = b"".join(export.streaming_content).decode().removeprefix("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))

    assert card[1] == tab[1] == cell[1] == str(len(rows)) == "3"
    for page in (overview, posts, agency):
        assert '<option value="28" selected>Last 28 days</option>' in page
