"""Chromium through Playwright for the browser tests: Debian's Chromium, never a downloaded one.

The browser runs against pytest-django's live_server. Each test gets a fresh browser context
and a `screenshot(step)` helper that saves full-page PNGs in test-artifacts/.
"""

import os
from pathlib import Path

import pytest

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
