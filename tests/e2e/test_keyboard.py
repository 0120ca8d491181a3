"""Keyboard use: the skip link comes first and lands in the main content, the focus ring is visible
(at least 3:1 against what surrounds it) on the green bar and on the page, and nothing changes the
page or the language until the user presses a button (WCAG 2.4.1, 2.4.7, 1.4.11, 3.2.2)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# The focused element's outline colour and width, and the first opaque background behind it.
FOCUS_STYLE = """() => {
    const el = document.activeElement, style = getComputedStyle(el);
    let node = el.parentElement, background = 'rgb(255, 255, 255)';
    while (node) {
        const bg = getComputedStyle(node).backgroundColor;
        if (bg && bg !== 'transparent' && !bg.endsWith(', 0)')) { background = bg; break; }
        node = node.parentElement;
    }
    return {outline: style.outlineColor, width: parseFloat(style.outlineWidth), style: style.outlineStyle, background};
}"""


def luminance(rgb: str) -> float:
    values = [float(v) for v in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    channels = [(v / 255) / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def tab_to(page, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with the keyboard")


def test_skip_link_is_the_first_tab_stop_and_moves_to_the_content(sign_in, doit_user):
    page = sign_in(doit_user)
    page.goto("/enterprises/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Bỏ qua, đến nội dung chính"
    assert skip.is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the content, not the navigation
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")


@pytest.mark.parametrize(
    "selector", ["nav .nav-link", "[data-testid=user-menu]", "main a", "main button[type=submit]", "main select"]
)
def test_focus_ring_is_visible_with_enough_contrast(sign_in, officer_a, selector):
    page = sign_in(officer_a)
    page.goto("/enterprises/")
    tab_to(page, selector)
    focus = page.evaluate(FOCUS_STYLE)
    assert focus["style"] != "none" and focus["width"] >= 2, focus
    assert contrast(focus["outline"], focus["background"]) >= 3, focus


def test_language_changes_only_when_its_button_is_pressed(sign_in, officer_a):
    page = sign_in(officer_a)
    page.goto("/")
    switch = page.locator("[data-testid=language-switch]")
    assert switch.evaluate("el => el.tagName") == "BUTTON" and switch.get_attribute("lang") == "en"
    switch.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert page.evaluate("document.documentElement.lang") == "vi"
    switch.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.lang") == "en"


def test_choosing_a_year_does_not_reload_the_dashboard_until_asked(sign_in, officer_a):
    page = sign_in(officer_a)
    page.goto("/")
    select = page.locator("#dashboard-year")
    if select.locator("option").count() < 2:
        select.evaluate("s => s.add(new Option('1999', '1999'))")
    url = page.url
    select.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert page.url == url  # nothing happened yet
    with page.expect_navigation():
        page.get_by_role("button", name="Hiển thị").click()
    assert "year=" in page.url
