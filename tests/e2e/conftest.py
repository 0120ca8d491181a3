"""Browser journeys: Playwright (Python) driving Debian's /usr/bin/chromium against
pytest-django's live server. No browser is ever downloaded."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    """A fresh browser context in Vietnamese against the live server."""
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(locale="vi-VN", base_url=live_server.url, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def sign_in(page):
    """sign_in(user) signs the user in through the real login form. Users with an authenticator
    (DOIT staff and administrators always have one here) then type the code it shows now,
    computed from the device's key as an authenticator app does."""
    from accounts.otp import confirmed_device
    from tests.conftest import otp_device_for, totp_code

    def _sign_in(user, password: str = "Mat-khau-thu-2026"):
        device = otp_device_for(user) if user.requires_second_factor else confirmed_device(user)
        page.goto("/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("main form button[type=submit]")
        if device is not None:
            page.wait_for_url(lambda url: "/accounts/login/code/" in url)
            page.fill("input[name=otp_token]", totp_code(device))
            page.click("form[data-testid=otp-verify-form] button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return _sign_in
