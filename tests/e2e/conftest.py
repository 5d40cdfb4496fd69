"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every test in this folder is marked `e2e`; tests/conftest.py skips them when Chromium is
missing. A failed test leaves a full-page screenshot in test-results/<test name>.png.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in this thread, and Django refuses ORM calls from a
# thread with a running loop unless told otherwise.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

HERE = Path(__file__).parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 10_000
# Set to a folder to keep screenshots of the pages a journey passes through (for a human look).
SHOTS_DIR = os.environ.get("E2E_SCREENSHOTS", "")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the marker must be there before tests/conftest.py decides what to skip.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item so that fixtures can tell whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, request):
    """Opens a page in a fresh context, i.e. another person with their own cookies."""
    contexts = []

    def open_page(viewport=VIEWPORT):
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page

    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    for index, context in enumerate(contexts):
        if failed:
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            suffix = f"-{index + 1}" if len(contexts) > 1 else ""
            target = request.config.rootpath / "test-results" / f"{name}{suffix}.png"
            target.parent.mkdir(exist_ok=True)
            for page in context.pages:
                page.screenshot(path=str(target), full_page=True)
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def snapshot():
    """Saves a full-page screenshot under $E2E_SCREENSHOTS, when it is set."""

    def take(page, name: str) -> None:
        if SHOTS_DIR:
            Path(SHOTS_DIR).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS_DIR) / f"{name}.png"), full_page=True)

    return take
