import re
import time
from datetime import timedelta

import pytest
from celery.app.base import Celery
from django.core.cache import cache
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.models import Membership, Workspace
from dashboard import moments, status, upsert
from dashboard.ayrshare import normalize
from dashboard.celery import BEAT_KEY, WORKER_SEEN_KEY
from dashboard.models import LinkedAccount, SyncState
from tests.accounts.factories import MembershipFactory, ProfileFactory

# Beat and a worker run, unless a test says otherwise (tests/dashboard/conftest.py).
pytestmark = pytest.mark.usefixtures("installation")


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


def text(response):
    """The page as read: the non-breaking spaces that keep a time on one line become spaces."""
    return response.content.decode().replace("\xa0", " ")


def poll(client, membership, seen=None):
    """What the progress line's poll asks for while updates run, with the token of what the page
    shows (#sync-seen); without one it is a token the server has forgotten."""
    return client.get(
        status_url(membership),
        {"seen": seen} if seen else {},
        headers={"HX-Request": "true", "HX-Target": "sync-progress"},
    )


def seen(response):
    """The token of what the page shows, as this page or answer leaves it."""
    return re.search(r'id="sync-seen" name="seen" value="(\w+)"', response.content.decode())[1]


def tables(response):
    """The ids of the profiles whose table the answer brings."""
    return sorted(int(pk) for pk in re.findall(r'id="sync-state-(\d+)"', text(response)))


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


def test_the_page_lists_each_kind_of_data_by_name_with_errors_in_plain_words_escaped(client, owner):
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

    unit(
        profile,
        "links",
        last_error="Ayrshare had a server error; gave up after 3 attempts (GET /links, HTTP 503)",
        consecutive_failures=1,
    )

    response = client.get(status_url(owner))

    page = text(response)
    assert response.status_code == 200
    assert "Acme Coffee" in page
    assert "Post history" in page and "Facebook posts" in page and "Followers" in page
    assert "Ayrshare rejected the API key: &lt;b&gt;bad&lt;/b&gt; key" in page
    assert "<b>bad</b>" not in page
    assert "Failed 3 times in a row; next try <time" in page
    # The call and its HTTP code are for the logs, not for the person reading the page.
    assert "Ayrshare had a server error; gave up after 3 attempts</span>" in page
    assert "GET /links" not in page and "HTTP 503" not in page
    assert 'datetime="' in page
    assert "5 minutes ago · " in page and " UTC</time>" in page  # the zone is in the text
    assert 'hx-trigger="every 2s"' not in page  # nothing runs, so nothing polls
    assert "unit" not in strip_tags(page).lower()  # the developers' word for a kind of data


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
    page = text(client.get(response["Location"]))
    assert "Queued 2 updates; the tables below change as each one finishes." in page
    assert 'hx-trigger="every 2s"' in page
    assert "1 of 3 updates done" in page  # the fresh one counts as done


def test_refresh_with_nothing_due_says_until_when_it_is_fresh_and_sends_nothing(
    client, owner, sent, django_capture_on_commit_callbacks
):
    profile = ProfileFactory(workspace=owner.workspace)
    soonest = fresh(profile, "history", minutes=30)
    fresh(profile, "links", minutes=90)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(refresh_url(owner), headers={"HX-Request": "true"})

    page = response.content.decode()
    assert response.status_code == 200
    assert f"Everything is fresh until {moments.clock(soonest.next_update)} (" in page
    assert "the next update Ayrshare announced" in page
    assert "<html" not in page  # only the regions that change
    assert "Refresh now" not in page  # the buttons stay where they are, and keep the focus
    assert 'id="sync-progress"' in page and 'id="sync-state-' in page  # out of band
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
    assert client.post(refresh_url(membership), {"profile": "x"}).status_code == 400
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

    # session, user, membership, fingerprints, profiles, units, unmapped fields, linked accounts
    with django_assert_max_num_queries(8):
        page = client.get(status_url(owner))
    with django_assert_max_num_queries(8):
        assert poll(client, owner).status_code == 200
    # Nothing changed: session, user, membership, fingerprints, the profiles (which page).
    with django_assert_max_num_queries(5):
        assert poll(client, owner, seen(page)).status_code == 204


def test_the_progress_line_polls_only_while_updates_run_and_never_replaces_a_button(client, owner):
    profile = ProfileFactory(workspace=owner.workspace)
    fresh(profile, "history", lease_until=timezone.now() + timedelta(minutes=5))
    fresh(profile, "links")
    fresh(profile, "post_analytics", lease_until=timezone.now() - timedelta(minutes=1))  # ran out

    page = text(client.get(status_url(owner)))
    assert page.count('hx-trigger="every 2s"') == 1
    assert '<p id="sync-progress" class="sync-progress" hx-get=' in page  # the poller

    fragment = text(poll(client, owner))
    assert "<html" not in fragment
    assert 'hx-trigger="every 2s"' in fragment
    assert "2 of 3 updates done" in fragment
    assert "Updating…" in fragment
    assert f'<div id="sync-state-{profile.pk}" class="stack sync-state" hx-swap-oob="true">' in (
        fragment
    )
    assert "<button" not in fragment and "<form" not in fragment
    assert 'id="sync-notice"' not in fragment  # nothing new to say while they run

    SyncState.objects.update(lease_until=None)
    fragment = text(poll(client, owner))
    assert "hx-trigger" not in fragment  # the new line does not poll again
    assert "updates done" not in fragment
    assert '<div id="sync-notice" hx-swap-oob="innerHTML">' in fragment
    assert "All updates have finished." in fragment


def test_an_htmx_request_for_another_region_or_a_history_restore_gets_the_whole_page(client, owner):
    fresh(ProfileFactory(workspace=owner.workspace), "history")

    other = client.get(status_url(owner), headers={"HX-Request": "true", "HX-Target": "main"})
    restore = client.get(
        status_url(owner),
        headers={
            "HX-Request": "true",
            "HX-Target": "sync-progress",
            "HX-History-Restore-Request": "true",
        },
    )

    for response in (other, restore):
        assert "<html" in response.content.decode()
        assert "HX-Request" in response["Vary"]


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


def test_the_page_says_due_now_and_shows_the_zone_of_every_time(client, owner):
    # The workspace's zone, not settings.TIME_ZONE, is the zone of its pages.
    Workspace.objects.filter(pk=owner.workspace_id).update(time_zone="Europe/Berlin")
    profile = ProfileFactory(workspace=owner.workspace)
    fresh(profile, "history", minutes=-1)  # Ayrshare's next update passed a minute ago

    page = text(client.get(status_url(owner)))

    assert ">due now</time>" in page
    assert "ago" not in page.split('data-label="Next update"')[1].split("</td>")[0]
    times = page.split("<time ")[1:]
    assert len(times) == 3
    assert all(" CET</time>" in t or " CEST</time>" in t or ">due now<" in t for t in times)


KINDS = ("history", "platform:facebook", "platform:instagram", "post_analytics", "social", "links")


def test_a_poll_when_nothing_changed_is_empty_and_after_a_change_brings_only_that_table(
    client, owner
):
    profiles = [ProfileFactory(workspace=owner.workspace) for _ in range(status.PAGE_SIZE)]
    for profile in profiles:
        for name in KINDS:
            fresh(profile, name)
    first, second, third = profiles[:3]
    leased = timezone.now() + timedelta(minutes=5)
    SyncState.objects.filter(profile=first, unit="history").update(lease_until=leased)
    page = client.get(status_url(owner))
    token = seen(page)

    unchanged = poll(client, owner, token)
    # No content: htmx swaps nothing, so nothing is read out again, and the line keeps polling.
    assert unchanged.status_code == 204 and unchanged.content == b""
    assert "HX-Request" in unchanged["Vary"]

    SyncState.objects.filter(profile=second, unit="links").update(lease_until=leased)
    started = poll(client, owner, token)
    assert tables(started) == [second.pk]
    units = status.PAGE_SIZE * len(KINDS)
    assert f"{units - 2} of {units} updates done" in text(started)
    assert 'hx-trigger="every 2s"' in text(started)  # the new line polls on
    assert "HX-Reswap" not in started
    assert seen(started) != token

    # The first profile's update finishes as one of the third's starts: the tables of both
    # come; the progress line's words are the same, so it is left in place.
    now = timezone.now()
    SyncState.objects.filter(profile=first).update(
        lease_until=None, last_attempt=now, last_success=now
    )
    SyncState.objects.filter(profile=third, unit="social").update(lease_until=leased)
    swapped = poll(client, owner, seen(started))
    assert tables(swapped) == sorted([first.pk, third.pk])
    assert swapped["HX-Reswap"] == "none"
    assert 'id="sync-progress"' not in text(swapped)
    assert "Updating…" in text(swapped)
    assert len(swapped.content) < len(page.content) / 10

    assert poll(client, owner, seen(swapped)).status_code == 204


def test_a_poll_with_a_token_the_server_no_longer_knows_brings_every_table(client, owner):
    profiles = [ProfileFactory(workspace=owner.workspace) for _ in range(3)]
    for profile in profiles:
        fresh(profile, "history", lease_until=timezone.now() + timedelta(minutes=5))
    page = client.get(status_url(owner))
    SyncState.objects.filter(profile=profiles[0]).update(last_attempt=timezone.now())
    cache.clear()  # the token ran out, or Redis was restarted

    for token in (seen(page), "not-a-token"):
        answer = poll(client, owner, token)
        assert answer.status_code == 200
        assert tables(answer) == sorted(p.pk for p in profiles)
        assert "0 of 3 updates done" in text(answer)


def test_each_profile_says_before_when_its_networks_own_posts_may_be_missing(client, owner):
    acme = ProfileFactory(workspace=owner.workspace, title="Acme Coffee")
    bolt = ProfileFactory(workspace=owner.workspace, title="Bolt Bikes")
    fresh(acme, "platform:facebook", cursor={"reaches_back": "2025-03-03T10:00:00+00:00"})
    fresh(acme, "platform:instagram", cursor={})  # fewer than 500 posts: Ayrshare gave them all
    fresh(bolt, "platform:tiktok")

    page = text(client.get(status_url(owner)))

    acme_card, bolt_card = page.split('<section class="card sync-profile"')[1:]
    assert "Acme Coffee" in acme_card and "Bolt Bikes" in bolt_card
    assert "newest 500 posts made directly on it (not through Ayrshare)" in acme_card
    assert "<li>Facebook posts before Mar 3, 2025</li>" in acme_card
    assert "Instagram posts before" not in acme_card
    assert "newest 500" not in bolt_card


def due(profile):
    return unit(profile, "history", next_update=timezone.now() - timedelta(minutes=1))


def refresh_all(client, owner, django_capture_on_commit_callbacks, **headers):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(refresh_url(owner), headers=headers)


def test_while_beat_and_a_worker_run_nothing_is_said_of_them(client, owner):
    profile = ProfileFactory(workspace=owner.workspace)
    due(profile)

    page = text(client.get(status_url(owner)))

    assert "paused" not in page
    assert '<button class="button" id="refresh-all" type="submit">' in page
    assert f'<button class="button" id="refresh-{profile.pk}" type="submit">' in page


def test_the_demo_shows_no_false_alarm_and_refresh_now_starts_updates(
    client, owner, settings, sent, django_capture_on_commit_callbacks
):
    # As the demo runs, without REDIS_URL: every process caches in its own memory, so beat's
    # and the worker's heartbeats never reach the web process, though both run.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "web"}
    }
    due(ProfileFactory(workspace=owner.workspace))

    page = text(client.get(status_url(owner)))
    assert "paused" not in page
    assert '<button class="button" id="refresh-all" type="submit">' in page

    refresh_all(client, owner, django_capture_on_commit_callbacks)
    assert len(sent) == 1


def test_a_late_beat_is_said_with_how_long_and_refresh_now_still_starts_updates(
    client, owner, settings, sent, django_capture_on_commit_callbacks
):
    settings.SYNC_BEAT_SECONDS = 60
    cache.set(BEAT_KEY, time.time() - 12 * 60 - 5)
    due(ProfileFactory(workspace=owner.workspace))

    page = text(client.get(status_url(owner)))

    assert (
        "Updates are paused: the scheduler (beat) has not run for 12 minutes, so no update "
        "starts by itself; Refresh now still starts them. Ask whoever runs this installation "
        "to start the scheduler."
    ) in page
    assert '<button class="button" id="refresh-all" type="submit">' in page
    refresh_all(client, owner, django_capture_on_commit_callbacks)
    assert len(sent) == 1


def test_without_a_worker_refresh_now_is_disabled_says_why_and_starts_nothing(
    client, owner, sent, django_capture_on_commit_callbacks
):
    cache.delete(WORKER_SEEN_KEY)
    profile = ProfileFactory(workspace=owner.workspace)
    due(profile)
    paused = (
        "Updates are paused: no worker is running, so no update runs, not even with Refresh "
        "now. Ask whoever runs this installation to start the workers."
    )

    page = text(client.get(status_url(owner)))
    assert f'<p class="alert" id="sync-paused">{paused}</p>' in page
    assert '<button class="button" id="refresh-all" type="submit" disabled>' in page
    assert f'<button class="button" id="refresh-{profile.pk}" type="submit" disabled>' in page

    # A page loaded before the workers stopped still has the buttons enabled.
    response = refresh_all(client, owner, django_capture_on_commit_callbacks)
    assert response.status_code == 503
    assert f"Nothing was started. {paused}" in text(response)
    htmx = refresh_all(client, owner, django_capture_on_commit_callbacks, HX_Request="true")
    assert htmx.status_code == 200 and f"Nothing was started. {paused}" in text(htmx)
    assert sent == []
    assert not SyncState.objects.filter(lease_until__isnull=False).exists()

    cache.delete(BEAT_KEY)
    assert (
        "Updates are paused: the scheduler (beat) has not run yet and no worker is running, so "
        "no update runs, not even with Refresh now. Ask whoever runs this installation to start "
        "them."
    ) in text(client.get(status_url(owner)))


def test_with_redis_down_the_page_shows_its_data_and_says_no_update_can_start(
    client, owner, redis_down, sent, django_capture_on_commit_callbacks
):
    profile = ProfileFactory(workspace=owner.workspace, title="Acme Coffee")
    fresh(profile, "history", lease_until=timezone.now() + timedelta(minutes=5))
    due(ProfileFactory(workspace=owner.workspace))

    response = client.get(status_url(owner))
    page = text(response)
    assert response.status_code == 200
    assert "Acme Coffee" in page and "Post history" in page
    assert (
        "Updates are paused: the task queue (Redis) is not answering, so no update can start, "
        "not even with Refresh now. Ask whoever runs this installation to check Redis."
    ) in page
    assert '<button class="button" id="refresh-all" type="submit" disabled>' in page

    # Nothing changed: nothing to recall. Once the update ends, the poll cannot recall what
    # the page shows, so it brings every table.
    assert poll(client, owner, seen(response)).status_code == 204
    SyncState.objects.filter(profile=profile).update(lease_until=None)
    answer = poll(client, owner, seen(response))
    assert answer.status_code == 200 and len(tables(answer)) == 2

    refused = refresh_all(client, owner, django_capture_on_commit_callbacks)
    assert refused.status_code == 503 and "the task queue (Redis) is not answering" in text(refused)
    assert sent == []


def test_hundreds_of_profiles_come_a_page_at_a_time_with_the_failing_ones_named_first(
    client, owner
):
    profiles = [
        ProfileFactory(workspace=owner.workspace, title=f"Client {n:03d}")
        for n in range(status.PAGE_SIZE * 2 + 3)
    ]
    for profile in profiles:
        fresh(profile, "history")
    failing = profiles[-1]
    fresh(
        failing, "links", last_error="Ayrshare did not answer within 90 s", consecutive_failures=2
    )

    first = text(client.get(status_url(owner)))
    assert first.count('class="card sync-profile"') == status.PAGE_SIZE
    assert "Client 000" in first and f"Client {status.PAGE_SIZE:03d}" not in first
    assert f"Profiles 1–{status.PAGE_SIZE} of {len(profiles)}, by name." in first
    assert "Page 1 of 3" in first and 'rel="next"' in first and 'rel="prev"' not in first
    # The failing profile is on the last page, and named (with a link to it) on the first.
    assert "Updates are failing for 1 profile:" in first
    assert f'href="?page=3#sync-profile-{failing.pk}"' in first

    last = text(client.get(status_url(owner), {"page": "3"}))
    assert last.count('class="card sync-profile"') == 3
    assert f'id="sync-profile-{failing.pk}"' in last and "did not answer within 90 s" in last
    # A page past the end (profiles were removed since the link was made) is the last one.
    assert (
        text(client.get(status_url(owner), {"page": "9"})).count('class="card sync-profile"') == 3
    )


def test_a_page_that_is_not_a_number_is_a_400_with_the_message(client, owner):
    ProfileFactory(workspace=owner.workspace)

    response = client.get(status_url(owner), {"page": "two"})

    assert response.status_code == 400
    assert "There is no page “two”" in text(response)
