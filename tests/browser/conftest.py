"""Chromium through Playwright for the browser tests: Debian's Chromium, never a downloaded one.

The browser runs against pytest-django's live_server. Each test gets a fresh browser context
and a `screenshot(step)` helper that saves full-page PNGs in test-artifacts/.
"""

import io
import json
import os
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Membership
from dashboard.ayrshare.sandbox import start_sandbox
from tests.accounts.factories import MembershipFactory, WorkspaceFactory
from tests.dashboard.factories import sandbox_profiles

# Playwright's sync API keeps an event loop in this thread, which Django's ORM otherwise refuses.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_runtest_setup(item):
    if not item.get_closest_marker("browser") or Path(CHROMIUM).exists():
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        # CI must run them: a skip there would hide a broken setup.
        pytest.fail(
            f"CI is set but {CHROMIUM} is missing: install Debian's chromium", pytrace=False
        )
    pytest.skip(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="module")
def browser():
    # Imported here so collecting the suite does not need Playwright's driver.
    from playwright.sync_api import sync_playwright

    # Module scope: the event loop lives only while this module's tests run.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def private_cache(settings):
    # Sign-in counters of this test only: failures another test made from 127.0.0.1 in a shared
    # Redis must not lock the browser out.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ui"}
    }


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    ARTIFACTS.mkdir(exist_ok=True)

    def save(step):
        path = ARTIFACTS / f"{request.node.name}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return save


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 A and AA, as the product promises.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def run_axe(page, name):
    """The serious and critical violations axe-core finds on the page as it is now, as
    "rule: target" lines; the whole report goes to test-artifacts/axe-<name>.json."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make test` (npm ci in tests/browser)", pytrace=False)
    ARTIFACTS.mkdir(exist_ok=True)
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    report = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    path = ARTIFACTS / f"axe-{name}.json"
    path.write_text(json.dumps(report["violations"], indent=1))
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')[:200]}"
        for v in report["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]


@pytest.fixture
def axe(page, request):
    """axe(step): run_axe on the test's page, the report named after the test and the step."""
    return lambda step: run_axe(page, f"{request.node.name}-{step}")


# --- a workspace synced from the sandbox, shared by the page tests ---------------------------

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def sandbox():
    # Frozen clock a little ahead of ours: everything it reports is already published.
    with start_sandbox(profiles=3, posts=40, seed=7, speed=0, start=time.time() + 5) as running:
        yield running


@pytest.fixture
def synced(transactional_db, sandbox, settings, tmp_path):
    """A workspace filled by one real sync pass against the sandbox; an owner and a client."""
    settings.AYRSHARE_API_URL = sandbox.url
    settings.REDIS_URL = ""
    settings.DATA_DIR = tmp_path
    keys = sandbox.keys()
    workspace = WorkspaceFactory(name="Northwind Agency", slug="northwind", api_key=keys["apiKey"])
    profiles = sandbox_profiles(workspace, keys)
    call_command("sync", "--once", stdout=io.StringIO())
    owner = MembershipFactory(
        workspace=workspace, role=Membership.Role.OWNER, user__username="olivia"
    )
    client = MembershipFactory(
        workspace=workspace, role=Membership.Role.CLIENT, user__username="clara"
    )
    client.profiles.add(profiles[0])
    return {"workspace": workspace, "profiles": profiles, "owner": owner, "client": client}


def sign_in(page, live_server, username):
    page.goto(live_server.url + reverse("login"))
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server.url + reverse("home", args=["northwind"]))
