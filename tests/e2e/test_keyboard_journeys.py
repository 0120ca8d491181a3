"""A keyboard-only pass of each role's main journey, written down as a screen reader would announce
it.

Chromium is driven with the keys a keyboard user presses (Tab, Shift+Tab, Enter, Space, the arrow
keys and typed text; the address bar is the only thing "typed" otherwise, as a user types a URL).
At every stop the focused element is read from Chromium's accessibility tree (the DevTools
protocol's ``Accessibility.getPartialAXTree``: the role, name and states that Chromium hands to
a screen reader) and written to ``var/test-artefacts/keyboard/<journey>.txt`` with the key that
led there. Native dialogs (the confirmations before submitting or verifying) are recorded with
their message and accepted, as a user presses Enter on them.

Each journey must end where the user meant to go (the report submitted, verified, the assessment
approved), and every stop must be visible, have a visible focus ring and a non-empty accessible
name. What this cannot show: how a given screen reader words or orders the announcement, live
updates, and whether a person finds the journey understandable (docs/accessibility.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from assessments.models import Assessment, SavingsReport
from tests.factories import AssessmentFactory, BaselineConsumptionFactory, CPOptionFactory, resource

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTEFACTS = Path(settings.BASE_DIR) / "var" / "test-artefacts" / "keyboard"

FOCUS_INFO = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) { return null; }
    const style = getComputedStyle(el), box = el.getBoundingClientRect();
    return {
        tag: el.tagName.toLowerCase(),
        id: el.id || '',
        testid: el.dataset.testid || '',
        visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden',
        ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
        group: ((el.closest('fieldset') || {querySelector: () => null}).querySelector('legend') || {textContent: ''})
            .textContent.trim(),
    };
}"""

# Names browsers and libraries give in English when nobody translated them.
ENGLISH_DEFAULTS = {"Close", "Toggle navigation", "Previous", "Next", "Submit", "Reset"}
STATES = ("required", "invalid", "expanded", "checked", "disabled", "hasPopup", "focused")


class KeyboardPass:
    """Presses keys, and records after each one what has the focus and how it is announced."""

    def __init__(self, page, journey: str) -> None:
        self.page = page
        self.journey = journey
        self.lines: list[str] = [f"# {journey}"]
        self.problems: list[str] = []
        self.stops = 0
        self.group = ""
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Accessibility.enable")
        page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:
        self.lines.append(f"    [dialog {dialog.type}] “{dialog.message}” → Enter (OK)")
        dialog.accept()

    def note(self, text: str) -> None:
        self.lines.append(f"-- {text}")

    def goto(self, path: str) -> None:
        self.page.goto(path)
        self.lines.append(f"== {path}  «{self.page.title()}»")

    def announce(self) -> str:
        """The focused element as Chromium's accessibility tree gives it: role, name, value, states."""
        try:
            handle = self.cdp.send("Runtime.evaluate", {"expression": "document.activeElement"})
            nodes = self.cdp.send(
                "Accessibility.getPartialAXTree",
                {"objectId": handle["result"]["objectId"], "fetchRelatives": False},
            )["nodes"]
        except Exception as exc:  # noqa: BLE001 - the page navigated between the two calls
            return f"(not read: {exc})"
        node = next((n for n in nodes if not n.get("ignored")), nodes[0] if nodes else {})
        role = node.get("role", {}).get("value", "?")
        name = " ".join(str(node.get("name", {}).get("value", "")).split())
        value = node.get("value", {}).get("value", "")
        states = [
            f"{p['name']}={p['value'].get('value')}"
            for p in node.get("properties", [])
            if p["name"] in STATES and p["name"] != "focused" and p["value"].get("value") not in (False, "false", None)
        ]
        text = f"{role}, “{name}”"
        if value not in ("", None) and role not in ("link",):
            text += f", value “{value}”"
        if states:
            text += f" [{', '.join(states)}]"
        return text

    def _record(self, key: str) -> tuple[str, dict | None]:
        info = self.page.evaluate(FOCUS_INFO)
        said = self.announce() if info else "(nothing focused: the page itself)"
        if info and info["group"] and info["group"] != self.group:
            said += f"  (in group “{info['group']}”)"
        self.group = info["group"] if info else ""
        self.stops += 1
        self.lines.append(f"{self.stops:3d}. {key:<10} {said}")
        if info:
            where = f"{self.journey} stop {self.stops} ({key}) {said} <{info['tag']}#{info['id']}>"
            name = re.search(r"“(.*?)”", said)
            if not info["visible"]:
                self.problems.append(f"{where}: not visible")
            if not info["ring"] and info["tag"] not in ("main",):
                self.problems.append(f"{where}: no visible focus ring")
            if name is not None and not name.group(1) and info["tag"] != "main":
                self.problems.append(f"{where}: no accessible name")
            if name is not None and name.group(1) in ENGLISH_DEFAULTS:
                self.problems.append(f"{where}: an English name on a Vietnamese page")
        return said, info

    def press(self, key: str, *, navigates: bool = False) -> str:
        if navigates:
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
            self.lines.append(f"== {self.page.url.split(self.page.url.split('/')[2])[-1]}  «{self.page.title()}»")
            return ""
        self.page.keyboard.press(key)
        return self._record(key)[0]

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.lines.append(f"     type “{text}”")

    def tab_to(self, selector: str, *, limit: int = 80, back: bool = False) -> int:
        """Tab (or Shift+Tab) until the focused element matches ``selector``; the number of stops."""
        key = "Shift+Tab" if back else "Tab"
        for n in range(1, limit + 1):
            self.press(key)
            if self.page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
                return n
        raise AssertionError(f"{self.journey}: {selector} not reached with {key} in {limit} stops")

    def choose(self, value: str, *, limit: int = 40) -> None:
        """On a focused <select>: ArrowDown until ``value`` is selected (a closed select changes
        with the arrow keys, as in Chromium on Linux and Windows)."""
        for _ in range(limit):
            if self.page.evaluate("() => document.activeElement.value") == value:
                self.lines.append(f"     selected {self.announce()}")
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"{self.journey}: option {value} not reached with the arrow keys")

    def sign_in(self, user, password: str = "Mat-khau-thu-2026", code: str | None = None) -> None:
        self.goto("/accounts/login/")
        self.tab_to("input[name=username]")
        self.type(user.username)
        self.tab_to("input[name=password]")
        self.type(password)
        self.press("Enter", navigates=True)
        if code is not None:
            self.tab_to("input[name=otp_token]")
            self.type(code)
            self.press("Enter", navigates=True)

    def skip_to_content(self) -> None:
        said = self.press("Tab")
        assert "Bỏ qua" in said, f"{self.journey}: first stop is {said}"
        self.press("Enter")
        assert self.page.evaluate("document.activeElement.id") == "main"

    def write(self) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{self.journey}.txt"
        text = "\n".join(self.lines + ["", "problems:", *(self.problems or ["none"])]) + "\n"
        path.write_text(text, encoding="utf-8")
        print("\n" + text)
        return path


def switch(page) -> None:
    page.context.clear_cookies()


@pytest.fixture
def world(enterprise_x, staff_x, officer_a, doit_user):
    year = timezone.localdate().year - 1
    assessment = AssessmentFactory(enterprise=enterprise_x, year=year - 1, status="approved", step=5)
    BaselineConsumptionFactory(assessment=assessment, quantity=100_000, cost_vnd=200_000_000)
    option = CPOptionFactory(
        assessment=assessment, category="technology", description="Thay đèn LED", status="implemented"
    )
    submitted = AssessmentFactory(enterprise=enterprise_x, year=year, status="submitted", step=3)
    BaselineConsumptionFactory(assessment=submitted, quantity=120_000, cost_vnd=240_000_000)
    return {"year": year, "option": option, "submitted": submitted}


def test_enterprise_staff_report_savings_with_the_keyboard_only(page, staff_x, world):
    kb = KeyboardPass(page, "enterprise-staff-savings-report")
    kb.sign_in(staff_x)
    kb.skip_to_content()
    kb.note("to the savings reports through the navigation (Shift+Tab back from the content)")
    kb.tab_to("nav a[href='/savings/']", back=True)
    kb.press("Enter", navigates=True)
    kb.tab_to("[data-testid=new-report]")
    kb.press("Enter", navigates=True)
    kb.tab_to("select[name=period]")
    kb.choose("Y")
    kb.tab_to("select[name=lines-0-resource]")
    assert any("(in group “Dòng tiết kiệm 1”)" in line for line in kb.lines)  # the line's group is announced
    kb.choose(str(resource("electricity").pk))
    kb.tab_to("input[name=lines-0-quantity]")
    kb.type("20000")
    kb.tab_to("input[name=lines-0-vnd_saved]")
    kb.type("40000000")
    kb.tab_to("select[name=lines-0-option]")
    kb.choose(str(world["option"].pk))
    kb.tab_to("[data-testid=save]")
    kb.press("Enter", navigates=True)
    report = SavingsReport.objects.get(enterprise=staff_x.enterprise)
    assert report.lines.count() == 1
    kb.tab_to("[data-testid=submit]")
    kb.press("Enter", navigates=True)
    kb.note("the confirmation step: what is sent, then the button that sends it")
    kb.tab_to("[data-testid=confirm-submit]")
    kb.press("Enter", navigates=True)
    report.refresh_from_db()
    assert report.status == "submitted"
    kb.note("the print view and its PDF")
    kb.tab_to("[data-testid=print-view]", back=True)
    kb.press("Enter", navigates=True)
    kb.skip_to_content()
    kb.tab_to("[data-testid=print-pdf]", back=True)
    kb.write()
    assert not kb.problems, "\n".join(kb.problems)


def test_officer_verifies_a_report_with_the_keyboard_only(page, staff_x, officer_a, world):
    report = SavingsReport.objects.create(
        enterprise=staff_x.enterprise, year=world["year"], period="Y", status="submitted", created_by=staff_x
    )
    report.lines.create(resource=resource("electricity"), quantity=20_000, vnd_saved=40_000_000)
    kb = KeyboardPass(page, "officer-verify-savings-report")
    kb.sign_in(officer_a)
    kb.skip_to_content()
    kb.tab_to("nav a[href='/savings/']", back=True)
    kb.press("Enter", navigates=True)
    kb.tab_to(f"main a[href='/savings/{report.pk}/']")
    kb.press("Enter", navigates=True)
    kb.tab_to("[data-testid=verify]")
    kb.press("Enter", navigates=True)
    report.refresh_from_db()
    assert report.status == "verified"
    kb.write()
    assert not kb.problems, "\n".join(kb.problems)


def test_doit_approves_an_assessment_and_signs_out_with_the_keyboard_only(page, doit_user, world):
    from tests.conftest import otp_device_for, totp_code

    kb = KeyboardPass(page, "doit-approve-assessment")
    kb.sign_in(doit_user, code=totp_code(otp_device_for(doit_user)))
    kb.skip_to_content()
    kb.tab_to("nav a[href='/assessments/']", back=True)
    kb.press("Enter", navigates=True)
    assessment = world["submitted"]
    kb.tab_to(f"main a[href='/assessments/{assessment.pk}/']")
    kb.press("Enter", navigates=True)
    kb.tab_to("textarea[name=comment]")
    kb.type("Đạt yêu cầu.")
    kb.tab_to("#review button[type=submit]")
    kb.press("Enter", navigates=True)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.APPROVED
    kb.note("the account menu: open it with Enter, move with the arrow keys, sign out")
    kb.tab_to("[data-testid=user-menu]", back=True)
    kb.press("Enter")
    kb.press("ArrowDown")
    for _ in range(10):
        if page.evaluate("() => document.activeElement.closest('form') !== null"):
            break
        kb.press("ArrowDown")
    kb.press("Enter", navigates=True)
    assert "/accounts/login/" in page.url
    kb.write()
    assert not kb.problems, "\n".join(kb.problems)
