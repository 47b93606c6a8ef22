from datetime import timedelta

import pytest
from celery.app.base import Celery
from django.utils import timezone

from accounts.models import Membership
from dashboard import upsert
from dashboard.ayrshare import normalize
from dashboard.models import LinkedAccount, SyncState
from tests.accounts.factories import MembershipFactory, ProfileFactory


@pytest.fixture
def sent(monkeypatch):
    """Messages the app would hand to the broker (the Celery boundary), instead of sending them."""
    calls = []

    def send_task(app, name, args=None, kwargs=None, **options):
        calls.append({"name": name, "args": tuple(args or ()), "chain": options.get("chain")})

    monkeypatch.setattr(Celery, "send_task", send_task)
    return calls


def status_url(membership):
    return f"/w/{membership.workspace.slug}/sync/"


def refresh_url(membership):
    return f"/w/{membership.workspace.slug}/sync/refresh/"


def unit(profile, name, **fields):
    return SyncState.objects.create(profile=profile, unit=name, **fields)


def fresh(profile, name, minutes=30, **fields):
    now = timezone.now()
    return unit(
        profile,
        name,
        last_success=now - timedelta(minutes=5),
        last_updated=now - timedelta(minutes=6),
        next_update=now + timedelta(minutes=minutes),
        **fields,
    )


@pytest.fixture
def owner(db, client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    return membership


def test_the_page_lists_units_by_name_with_errors_in_plain_words_escaped(client, owner):
    profile = ProfileFactory(workspace=owner.workspace, title="Acme Coffee")
    fresh(profile, "history")
    fresh(profile, "platform:facebook")
    unit(
        profile,
        "social",
        last_error="Ayrshare rejected the API key: <b>bad</b> key",
        consecutive_failures=3,
        backoff_until=timezone.now() + timedelta(minutes=20),
    )

    response = client.get(status_url(owner))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Acme Coffee" in page
    assert "Post history" in page and "Facebook posts" in page and "Followers" in page
    assert "Ayrshare rejected the API key: &lt;b&gt;bad&lt;/b&gt; key" in page
    assert "<b>bad</b>" not in page
    assert "Failed 3 times in a row; retrying" in page
    assert 'datetime="' in page  # exact times sit beside the relative ones
    assert 'hx-trigger="every 2s"' not in page  # nothing runs, so nothing polls


def test_refresh_leases_the_due_units_and_sends_one_chain_per_profile(
    client, owner, sent, django_capture_on_commit_callbacks
):
    profile = ProfileFactory(workspace=owner.workspace)
    history = unit(profile, "history", next_update=timezone.now() - timedelta(minutes=1))
    analytics = unit(profile, "post_analytics")  # never synced: due
    later = fresh(profile, "links")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(refresh_url(owner), {"profile": profile.pk})

    assert response.status_code == 302 and response["Location"] == status_url(owner)
    history.refresh_from_db()
    analytics.refresh_from_db()
    later.refresh_from_db()
    assert history.lease_until and analytics.lease_until
    assert later.lease_until is None  # not due: never run early
    assert len(sent) == 1
    assert sent[0]["name"] == "dashboard.tasks.run_unit"
    assert sent[0]["args"] == (history.pk, history.lease_token)  # /history runs first
    assert [tuple(s["args"]) for s in sent[0]["chain"]] == [(analytics.pk, analytics.lease_token)]
    page = client.get(response["Location"]).content.decode()
    assert "Queued 2 units of work" in page
    assert 'hx-trigger="every 2s"' in page
    assert "1 of 3 units done" in page  # the fresh unit counts as done


def test_refresh_with_nothing_due_says_until_when_it_is_fresh_and_sends_nothing(
    client, owner, sent, django_capture_on_commit_callbacks
):
    profile = ProfileFactory(workspace=owner.workspace)
    soonest = fresh(profile, "history", minutes=30)
    fresh(profile, "links", minutes=90)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(refresh_url(owner), headers={"HX-Request": "true"})

    page = response.content.decode()
    until = timezone.localtime(soonest.next_update).strftime("%H:%M")
    assert response.status_code == 200
    assert f"Everything is fresh until {until}" in page
    assert "the next update Ayrshare announced" in page
    assert "<html" not in page  # only the table is swapped
    assert sent == []
    assert not SyncState.objects.filter(lease_until__isnull=False).exists()


def test_a_client_cannot_refresh_a_profile_they_are_not_assigned(client, db, sent):
    membership = MembershipFactory(role=Membership.Role.CLIENT)
    mine = ProfileFactory(workspace=membership.workspace, title="Mine")
    theirs = ProfileFactory(workspace=membership.workspace, title="Not mine")
    membership.profiles.add(mine)
    unit(mine, "history")
    unit(theirs, "history")
    client.force_login(membership.user)

    assert client.post(refresh_url(membership), {"profile": theirs.pk}).status_code == 404
    assert client.post(refresh_url(membership), {"profile": "x"}).status_code == 404
    assert client.get(status_url(membership)).content.decode().count("Not mine") == 0

    response = client.post(refresh_url(membership))  # "all" means all of theirs
    assert response.status_code == 302
    assert SyncState.objects.get(profile=mine).lease_until is not None
    assert SyncState.objects.get(profile=theirs).lease_until is None


def test_refresh_is_post_only(client, owner):
    assert client.get(refresh_url(owner)).status_code == 405


@pytest.mark.parametrize("profiles", [1, 6])
def test_query_count_does_not_grow_with_profiles_or_units(
    client, owner, profiles, django_assert_max_num_queries
):
    for _ in range(profiles):
        profile = ProfileFactory(workspace=owner.workspace)
        for name in ("history", "platform:facebook", "platform:twitter", "social", "links"):
            fresh(profile, name, last_error="Timed out")

    # session, user, membership, profiles, units, unmapped fields, linked accounts
    with django_assert_max_num_queries(7):
        assert client.get(status_url(owner)).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(status_url(owner), headers={"HX-Request": "true"}).status_code == 200


def test_the_table_polls_only_while_units_are_leased(client, owner):
    profile = ProfileFactory(workspace=owner.workspace)
    fresh(profile, "history", lease_until=timezone.now() + timedelta(minutes=5))
    fresh(profile, "links")
    fresh(profile, "post_analytics", lease_until=timezone.now() - timedelta(minutes=1))  # ran out

    fragment = client.get(status_url(owner), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in fragment
    assert "2 of 3 units done" in fragment
    assert "Updating…" in fragment

    SyncState.objects.update(lease_until=None)
    fragment = client.get(status_url(owner), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment
    assert "units done" not in fragment


def test_fields_ayrshare_sent_that_the_dashboard_does_not_read_are_listed(client, owner):
    profile = ProfileFactory(workspace=owner.workspace, title="Acme Coffee")
    fresh(profile, "platform:instagram")
    answer = {"id": "17900", "likeCount": 4, "igNewThing": 7, "<script>x": 1}
    upsert.upsert_network_posts(
        profile, [normalize.platform_post("instagram", answer)], timezone.now()
    )
    stranger = ProfileFactory()
    upsert.upsert_network_posts(
        stranger, [normalize.platform_post("tiktok", {"id": "9", "tkSecret": 1})], timezone.now()
    )

    page = client.get(status_url(owner)).content.decode()

    assert (
        "Instagram: Ayrshare sent 2 fields this dashboard does not use yet: "
        "&lt;script&gt;x, igNewThing."
    ) in page
    assert "tkSecret" not in page  # another workspace's profile


def test_a_network_to_reconnect_and_an_unlinked_one_are_said(client, owner):
    profile = ProfileFactory(workspace=owner.workspace, title="Acme Coffee")
    now = timezone.now()
    LinkedAccount.objects.create(
        profile=profile,
        platform="linkedin",
        display_name="Acme",
        refresh_days_remaining=12,
        checked_at=now - timedelta(days=2),
    )
    LinkedAccount.objects.create(
        profile=profile, platform="instagram", checked_at=now, unlinked_at=now - timedelta(days=1)
    )
    LinkedAccount.objects.create(
        profile=profile, platform="tiktok", refresh_days_remaining=200, checked_at=now
    )

    page = client.get(status_url(owner)).content.decode()

    assert "Reconnect LinkedIn in Ayrshare within 10 days, or its numbers stop updating." in page
    assert "Instagram was unlinked on" in page and "its history is kept" in page
    assert "Reconnect TikTok" not in page  # 200 days left: nothing to do yet
