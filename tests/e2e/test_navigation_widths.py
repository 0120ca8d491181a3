"""The navigation fits the screens officers and DOIT staff use: no sideways scroll at 1280, 1366,
1440 and 1920 px nor on a 390 px phone, and the account menu (sign out, password, two-step
sign-in) can be opened and used at every width. A screenshot of each width is kept as a test
artefact under ``var/test-artefacts/navigation/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 1366, 1440, 1920, 390]
ARTEFACTS = Path(settings.BASE_DIR) / "var" / "test-artefacts" / "navigation"


def horizontal_overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def open_account_menu(page):
    """Opens the account menu the way a user would at this width; returns the menu's sign-out button."""
    toggler = page.locator("nav .navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    button = page.locator("[data-testid=user-menu]")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, f"account menu off-screen: {box}"
    button.click()
    sign_out = page.get_by_role("button", name="Đăng xuất")
    sign_out.wait_for(state="visible")
    sign_box = sign_out.bounding_box()
    assert sign_box["x"] >= 0 and sign_box["x"] + sign_box["width"] <= width
    return sign_out


@pytest.mark.parametrize("role", ["doit_user", "officer_a", "staff_x"])
def test_navigation_fits_every_width_and_keeps_the_account_menu_reachable(request, sign_in, page, role):
    user = request.getfixturevalue(role)
    sign_in(user)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/")
        page.screenshot(path=str(ARTEFACTS / f"{role}-{width}.png"))
        assert horizontal_overflow(page) <= 0, f"{role} at {width}px scrolls sideways"
        sign_out = open_account_menu(page)
        assert horizontal_overflow(page) <= 0, f"{role} at {width}px scrolls sideways with the menu open"
        page.screenshot(path=str(ARTEFACTS / f"{role}-{width}-account-menu.png"))
        assert page.locator("[data-testid=otp-menu]").is_visible()
        assert sign_out.is_enabled()
    # The account menu really signs out, at the narrowest width.
    sign_out.click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)
