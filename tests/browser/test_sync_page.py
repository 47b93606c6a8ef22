"""The Sync page by keyboard, on a phone and a laptop: while updates run the page polls; the
polls never take the focus from the Refresh button that was pressed and replace only what
changed; what Refresh did is read out; the page reflows. Without JavaScript the same buttons
post the form and come back."""

import re
import time
from datetime import timedelta

import pytest
from celery.app.base import Celery
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from dashboard.celery import BEAT_KEY
from dashboard.metrics import network_name
from dashboard.models import SyncState
from tests.browser.conftest import ARTIFACTS, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 860}


@pytest.fixture
def sent(monkeypatch):
    """Tasks handed to the broker, kept here instead: no worker runs, so the leases stay."""
    calls = []

    def send_task(app, name, args=None, kwargs=None, **options):
        calls.append(name)

    monkeypatch.setattr(Celery, "send_task", send_task)
    return calls


def two_due(profile):
    """Everything of the profile fresh for an hour but two kinds of data due, and one failing."""
    now = timezone.now()
    states = SyncState.objects.filter(profile=profile)
    states.update(next_update=now + timedelta(hours=1), lease_until=None, backoff_until=None)
    first, second, failing = states.order_by("pk")[:3]
    states.filter(pk__in=[first.pk, second.pk]).update(next_update=now - timedelta(minutes=1))
    states.filter(pk=failing.pk).update(
        last_error="Ayrshare did not answer within 30 s; gave up after 3 attempts "
        "(POST /analytics/social, HTTP 504)",
        consecutive_failures=2,
        next_update=now - timedelta(minutes=5),
        backoff_until=now + timedelta(minutes=10),
    )


def is_poll(response):
    request = response.request
    return request.method == "GET" and request.headers.get("hx-target") == "sync-progress"


def mark(page, selector):
    """Tag the element now in the page, to tell later whether a poll replaced it."""
    page.locator(selector).evaluate("element => { element.dataset.before = 'yes'; }")


def sideways(page):
    """How many pixels the page is wider than the window (0 when it reflows)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


def scrolling_tables(page):
    """Tables whose box scrolls sideways: such a box takes focus, and polls replace it."""
    return page.evaluate(
        "() => [...document.querySelectorAll('.sync-state .table-wrap')]"
        ".filter(box => box.scrollWidth > box.clientWidth + 1).length"
    )


def focused_id(page):
    return page.evaluate("() => document.activeElement && document.activeElement.id")


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1280"])
def test_polling_keeps_the_focus_on_the_refresh_button_pressed_and_the_notice_is_read_out(
    live_server, page, axe, screenshot, synced, sent, size
):
    profile = synced["profiles"][0]
    two_due(profile)
    page.set_viewport_size(size)
    sign_in(page, live_server, "olivia")
    page.goto(live_server.url + reverse("sync_status", args=["northwind"]))
    expect(page.locator("#sync-progress")).not_to_have_attribute("hx-trigger", re.compile("."))

    button = page.locator(f"#refresh-{profile.pk}")
    button.focus()
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.keyboard.press("Enter")
    notice = page.locator("#sync-notice[role=status]")
    expect(notice).to_have_text("Queued 2 updates; the tables below change as each one finishes.")
    assert len(sent) == 1  # one chain for the profile
    expect(page.locator("#sync-progress")).to_contain_text(re.compile(r"\d+ of \d+ updates done"))
    assert focused_id(page) == f"refresh-{profile.pk}"

    # While nothing changes, a poll's answer is empty: nothing is replaced or read out again.
    other = synced["profiles"][1]
    for selector in ("#sync-progress", f"#sync-state-{profile.pk}", f"#sync-state-{other.pk}"):
        mark(page, selector)
    for _ in range(2):
        with page.expect_response(is_poll) as polled:
            pass
        assert polled.value.status == 204
    assert page.locator("[data-before]").count() == 3

    # One update of the profile finishes as one of another profile starts: the next poll brings
    # both tables; the progress line says the same, so it stays.
    with transaction.atomic():
        finished = SyncState.objects.filter(profile=profile, lease_until__isnull=False).first()
        SyncState.objects.filter(pk=finished.pk).update(
            lease_until=None, last_attempt=timezone.now(), last_success=timezone.now()
        )
        started = SyncState.objects.filter(profile=other).first()
        SyncState.objects.filter(pk=started.pk).update(
            lease_until=timezone.now() + timedelta(minutes=10)
        )
    expect(page.locator(f"#sync-state-{profile.pk}[data-before]")).to_have_count(0)
    expect(page.locator(f"#sync-state-{other.pk}[data-before]")).to_have_count(0)
    expect(page.locator(f"#sync-state-{other.pk}")).to_contain_text("Updating…")
    assert page.locator("#sync-progress[data-before]").count() == 1
    assert focused_id(page) == f"refresh-{profile.pk}"
    expect(page.locator(f"#sync-state-{profile.pk}")).to_contain_text("Updating…")
    # The error in words, without the call or its HTTP code; every time says its zone.
    state = page.locator(f"#sync-state-{profile.pk}")
    expect(state).to_contain_text("Ayrshare did not answer within 30 s")
    expect(state).not_to_contain_text("HTTP 504")
    expect(state).to_contain_text(re.compile(r"Failed 2 times in a row; next try in 9\sminutes"))
    for text in state.locator("time").all_inner_texts():
        assert text == "due now" or text.endswith("UTC"), text

    assert axe("polling") == []
    assert sideways(page) == 0
    assert scrolling_tables(page) == 0
    screenshot("polling")
    # What a person sees first, and the failing row: test-artifacts/sync-390.png and so on.
    width = size["width"]
    button.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / f"sync-{width}.png")
    state.get_by_text("Ayrshare did not answer").scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / f"sync-{width}-error.png")

    # The workers finish: the next poll says so, stops polling, and the focus has not moved.
    SyncState.objects.update(
        lease_until=None, last_success=timezone.now(), last_error="", consecutive_failures=0
    )
    expect(notice).to_have_text("All updates have finished.", timeout=6_000)
    expect(page.locator("#sync-progress")).not_to_have_attribute("hx-trigger", re.compile("."))
    assert focused_id(page) == f"refresh-{profile.pk}"
    assert axe("finished") == []
    screenshot("finished")


def test_without_javascript_refresh_posts_the_form_and_says_what_it_did(
    live_server, browser, synced, sent
):
    profile = synced["profiles"][0]
    two_due(profile)
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, live_server, "olivia")
        url = live_server.url + reverse("sync_status", args=["northwind"])
        page.goto(url)
        page.locator(f"#refresh-{profile.pk}").click()
        page.wait_for_url(url)
        expect(page.locator(".messages[role=status]")).to_have_text(
            "Queued 2 updates; the tables below change as each one finishes."
        )
        expect(page.locator(f"#sync-state-{profile.pk}")).to_contain_text("Updating…")
    finally:
        context.close()


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1280"])
def test_paused_updates_and_the_posts_ayrshare_cannot_give_are_said_in_the_page(
    live_server, page, axe, screenshot, synced, settings, tmp_path, size
):
    # A cache beat and the workers share with the web server (files here, Redis in production):
    # beat last noted 12 minutes ago, no worker at all.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    cache.set(BEAT_KEY, time.time() - 12 * 60 - 5, timeout=None)
    profile = synced["profiles"][0]
    platform = SyncState.objects.filter(profile=profile, unit__startswith="platform:").first()
    platform.cursor = {"reaches_back": "2025-03-03T10:00:00+00:00"}
    platform.save()
    page.set_viewport_size(size)
    sign_in(page, live_server, "olivia")
    page.goto(live_server.url + reverse("sync_status", args=["northwind"]))

    expect(page.locator("#sync-paused")).to_have_text(
        re.compile(
            r"^Updates are paused: the scheduler \(beat\) has not run for 12\sminutes and no "
            r"worker is running, so no update runs, not even with Refresh now\."
        )
    )
    expect(page.locator("#refresh-all")).to_be_disabled()
    expect(page.locator(f"#refresh-{profile.pk}")).to_be_disabled()
    network = network_name(platform.unit.partition(":")[2])
    limits = page.locator(f"#sync-state-{profile.pk} .native-limits")
    expect(limits).to_contain_text("newest 500 posts made directly on it")
    expect(limits.get_by_role("listitem")).to_have_text(f"{network} posts before Mar 3, 2025")
    assert axe("paused") == []
    assert sideways(page) == 0
    screenshot("paused")
