import pytest

from tests.accounts.factories import MembershipFactory, ProfileFactory
from tests.dashboard.factories import PlatformPostFactory, PostFactory

pytestmark = pytest.mark.django_db

# session, user, membership, profiles choices, count, rows (+ savepoints in tests)
MAX_QUERIES = 8
FRAGMENT = {"HX-Request": "true", "HX-Target": "results"}


def url(membership, query=""):
    return f"/w/{membership.workspace.slug}/posts/{query}"


@pytest.fixture
def member(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    return membership


@pytest.fixture
def profile(member):
    return ProfileFactory(workspace=member.workspace, title="Acme Coffee")


def test_the_page_lists_posts_with_text_escaped(client, member, profile):
    PlatformPostFactory(profile=profile, text="<script>alert(1)</script> launch")
    response = client.get(url(member))
    page = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert(1)" in page and "<script>alert(1)" not in page
    assert "Acme Coffee" in page
    assert 'id="filters"' in page and 'hx-push-url="true"' in page
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_htmx_gets_only_the_table(client, member, profile):
    PlatformPostFactory(profile=profile, text="Morning espresso")
    response = client.get(url(member, "?q=espresso"), headers=FRAGMENT)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Morning espresso" in page
    assert "<html" not in page and 'id="filters"' not in page
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(client, member, profile):
    headers = {**FRAGMENT, "HX-History-Restore-Request": "true"}
    page = client.get(url(member), headers=headers).content.decode()
    assert "<html" in page


def test_empty_state_offers_a_reset(client, member, profile):
    PlatformPostFactory(profile=profile, text="Morning espresso")
    page = client.get(url(member, "?q=tea")).content.decode()
    assert "No posts match these filters" in page
    assert f'href="{url(member)}"' in page


def test_bad_input_is_a_400_with_the_form_and_the_message(client, member):
    response = client.get(url(member, "?start=2026-05-02&end=2026-05-01&sort=evil"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "after the “To” date" in page and "valid choice" in page
    assert 'id="filters"' in page


def test_a_client_never_sees_another_profiles_posts(client, member):
    client_member = MembershipFactory(workspace=member.workspace, role="client")
    mine = ProfileFactory(workspace=member.workspace)
    theirs = ProfileFactory(workspace=member.workspace)
    client_member.profiles.add(mine)
    PlatformPostFactory(profile=mine, text="Assigned post")
    PlatformPostFactory(profile=theirs, text="Secret post")
    client.force_login(client_member.user)

    assert b"Secret post" not in client.get(url(member)).content
    response = client.get(url(member, f"?profiles={theirs.pk}"))
    assert response.status_code == 400 and b"Secret post" not in response.content


def test_missing_metric_is_a_dash_with_a_reason_and_zero_is_zero(client, member, profile):
    PlatformPostFactory(profile=profile, platform="youtube", likes=0, impressions=None)
    page = client.get(url(member)).content.decode()
    row = page.split("<tbody>")[1].split("</tr>")[0]
    assert 'title="Not reported by this network"' in row
    assert ">0</span>" in row


def test_a_failed_metrics_fetch_is_not_a_zero_nor_a_wait(client, member, profile):
    PlatformPostFactory(
        profile=profile, platform="facebook", likes=None, analytics_error="HTTP 500 from Ayrshare"
    )
    page = client.get(url(member)).content.decode()
    row = page.split("<tbody>")[1].split("</tr>")[0]
    assert 'title="Fetch failed"' in row
    assert "Not available yet" not in row


def test_failed_placeholder_shows_the_network_error(client, member, profile):
    post = PostFactory(profile=profile, status="error")
    PlatformPostFactory(
        profile=profile,
        post=post,
        social_id="ayrshare:abc:tiktok",
        status="error",
        published_at=None,
        error_message="Video too long for <TikTok>",
    )
    page = client.get(url(member)).content.decode()
    assert "Video too long for &lt;TikTok&gt;" in page
    assert "not published yet" in page


def test_sort_and_page_links_keep_the_filters(client, member, profile):
    PlatformPostFactory.create_batch(51, profile=profile, platform="instagram")
    page = client.get(url(member, "?platforms=instagram")).content.decode()
    assert 'href="?platforms=instagram&amp;page=2"' in page
    assert 'href="?platforms=instagram&amp;sort=-likes"' in page
    assert "Page 1 of 2" in page


@pytest.mark.parametrize("headers", [{}, FRAGMENT])
def test_query_count_does_not_grow_with_rows(
    client, member, profile, headers, django_assert_max_num_queries
):
    def queries_for(n):
        PlatformPostFactory.create_batch(n, profile=profile)
        with django_assert_max_num_queries(MAX_QUERIES) as captured:
            assert client.get(url(member), headers=headers).status_code == 200
        return len(captured)

    assert queries_for(10) == queries_for(190)  # 10 rows, then 200


def test_the_fragment_carries_a_csv_link_for_the_same_filters(client, member, profile):
    PlatformPostFactory(profile=profile, platform="instagram")
    page = client.get(url(member, "?platforms=instagram&sort=likes&page=1"), headers=FRAGMENT)
    export = f"/w/{member.workspace.slug}/posts/export.csv?platforms=instagram&amp;sort=likes"
    assert f'href="{export}"' in page.content.decode()


def test_bad_input_from_htmx_shows_the_message_in_place(client, member):
    # htmx would not swap a 400, so the fragment carries the message instead.
    response = client.get(url(member, "?start=2026-05-02&end=2026-05-01"), headers=FRAGMENT)
    assert response.status_code == 200
    assert "after the “To” date" in response.content.decode()
    assert 'role="alert"' in response.content.decode()
