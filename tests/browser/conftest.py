from __future__ import annotations

import os
import shutil

import pytest

from tests.outreach.conftest import smtp  # noqa: F401  (a real SMTP server on loopback)

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing in CI: .ci/run installs it with apt-get")
        print(f"\nNOTICE: {CHROMIUM} not found (apt-get install chromium): browser tests skip.")
        pytest.skip("Debian's chromium is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page steps are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def _plain_http_server():
    """The live server is made once per session, before per-test settings apply: give it
    the plain-HTTP settings a LAN install uses."""
    from django.test import override_settings

    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        SECURE_HSTS_SECONDS=0,
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        yield


@pytest.fixture
def page(browser, _plain_http_server, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    opened = context.new_page()
    opened.outside_requests = []
    opened.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:"))
            else opened.outside_requests.append(request.url)
        ),
    )
    yield opened
    context.close()


@pytest.fixture
def background_worker(transactional_db):
    """The real background worker, in a thread beside the live server (as `make run` has it
    in a process of its own): imports started from the page run in it."""
    import threading

    from django.db import connection

    from patron.worker import PatronWorker

    worker = PatronWorker(interval=0.2)

    def run() -> None:
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="test-worker", daemon=True)
    thread.start()
    yield worker
    worker.running = False
    thread.join(timeout=30)


@pytest.fixture
def login(page):
    """Log a user in through the login form, as a person would."""

    def log_in(username: str, password: str) -> None:
        page.goto("/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button.primary")
        page.wait_for_selector("h1:has-text('Dashboard')")

    return log_in
