"""A keyboard-only pass, written down as a screen reader would announce it (shared by the keyboard
journeys).

Chromium is driven with the keys a keyboard user presses (Tab, Shift+Tab, Enter, Space, the arrow
keys and typed text; the address bar is the only thing "typed" otherwise, as a user types a URL).
At every stop the focused element is read from Chromium's accessibility tree (the DevTools
protocol's ``Accessibility.getPartialAXTree``: the role, name, description and states that Chromium
hands to a screen reader) and written to ``var/test-artefacts/keyboard/<journey>.txt`` with the key
that led there. Native dialogs (the confirmations before submitting or verifying) are recorded with
their message and accepted, as a user presses Enter on them.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

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
        // the groups the element is in, outermost first (each fieldset's legend)
        group: (() => {
            const names = [];
            for (let f = el.closest('fieldset'); f; f = f.parentElement.closest('fieldset')) {
                const legend = f.querySelector(':scope > legend');
                if (legend) { names.unshift(legend.textContent.trim()); }
            }
            return names.join(' › ');
        })(),
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
        description = " ".join(str(node.get("description", {}).get("value", "")).split())
        text = f"{role}, “{name}”"
        if value not in ("", None) and role not in ("link",):
            text += f", value “{value}”"
        if states:
            text += f" [{', '.join(states)}]"
        if description:
            text += f" — “{description}”"
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

    def press(self, key: str, *, navigates: bool = False, timeout: float | None = None) -> str:
        if navigates:
            with self.page.expect_navigation(timeout=timeout):
                self.page.keyboard.press(key)
            self.page.wait_for_load_state()
            self.lines.append(f"== {self.page.url.split(self.page.url.split('/')[2])[-1]}  «{self.page.title()}»")
            return ""
        self.page.keyboard.press(key)
        return self._record(key)[0]

    def focused(self) -> str:
        """Records what has the focus now, without a key (e.g. where a page puts it when it opens)."""
        return self._record("(on load)")[0]

    def choose_file(self, key: str, path: Path) -> None:
        """On a focused file field: the key opens the system's file chooser, the file is picked in it."""
        with self.page.expect_file_chooser() as chooser:
            self.page.keyboard.press(key)
        chooser.value.set_files(str(path))
        self.lines.append(f"     {key} → file chooser: “{path.name}” chosen")

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
