"""WCAG 2.1 A and AA, checked by axe-core on every page the URL × role matrix reaches with a 200.

For each role (a visitor, DOIT staff, a local officer, enterprise staff) every portal URL that the
authorization matrix (tests/security/test_url_matrix.py) expects to answer 200 to that role is
opened in Chromium on the matrix's objects, audited at 1366 px, then at 390 px (the same page
state, the window narrowed), and its forms are sent empty to audit them with their errors. The
error pages and the lists of an office with no data are audited too. Any violation fails the test;
the pages audited and the rules run are printed, and written with any violation under
``var/test-artefacts/accessibility/``. The admin (Django's own pages) is not part of the audit.

axe-core is the copy shipped in the ``axe-playwright-python`` package (MPL-2.0), injected by
Playwright; nothing is fetched at run time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.security.conftest import plan, private_storage, sides, superuser  # noqa: F401 - fixtures
from tests.security.test_url_matrix import (
    DOIT,
    FIXED,
    GET,
    IN,
    MATRIX,
    NEEDS_IMPORT_JOB,
    OFFICER,
    OK,
    ROUTES,
    SCOPED,
    STAFF,
    _with_query,
    build_path,
    import_job_for,
    world,  # noqa: F401 - fixture
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ANON = "anonymous"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (1366, 390)
ARTEFACTS = Path(settings.BASE_DIR) / "var" / "test-artefacts" / "accessibility"
# Forms audited again after being sent with their required fields emptied (the error state).
FORM_SUFFIXES = ("create", "edit", "password_change", "reporting:list", "plan_create", "password_reset")
ROLE_USERS = {DOIT: "doit_user", OFFICER: "officer_a", STAFF: "staff_x"}


# Checks axe does not make (its duplicate-id rules are retired): ids used twice, data tables with
# no caption or label, and the skip link as the first thing a keyboard reaches.
PORTAL_RULES = {
    "portal-unique-ids": "Every id is used once on the page",
    "portal-table-name": "Every data table has a caption or a label",
    "portal-skip-link": "The first tab stop is a skip link to the main content",
}
PORTAL_CHECKS = """() => {
    const seen = {}, duplicates = [];
    document.querySelectorAll('[id]').forEach(el => {
        if (seen[el.id]) { duplicates.push('#' + el.id); }
        seen[el.id] = true;
    });
    const unnamed = [...document.querySelectorAll('table')]
        .filter(t => !t.querySelector('caption') && !t.getAttribute('aria-label') && !t.getAttribute('aria-labelledby'))
        .map(t => t.dataset.testid || t.className || 'table');
    const first = document.querySelector('a[href], button, input, select, textarea, [tabindex]');
    const skip = first && first.matches('a.skip-link[href="#main"]') && document.getElementById('main') ? [] : ['body'];
    return {'portal-unique-ids': duplicates, 'portal-table-name': unnamed, 'portal-skip-link': skip};
}"""


def axe_script() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def audit(page, label: str, found: dict, audited: list) -> None:
    """Runs axe on the page as it is now, at each width; records what it finds under ``label``."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", TAGS
        )
        audited.append(f"{label} @{width}px")
        for violation in result["violations"]:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
            found.setdefault(f"{label} @{width}px", []).append(
                {"rule": violation["id"], "impact": violation["impact"], "help": violation["help"], "nodes": targets}
            )
        for rule, nodes in page.evaluate(PORTAL_CHECKS).items():
            if nodes:
                found.setdefault(f"{label} @{width}px", []).append(
                    {"rule": rule, "impact": "portal", "help": PORTAL_RULES[rule], "nodes": nodes[:5]}
                )
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def pages_for(role: str, world) -> list[tuple[str, str]]:  # noqa: F811 - the fixture's value
    side = world.sides["A"]
    pages = []
    for route in ROUTES:
        if route.is_admin:
            continue
        expect = MATRIX.get(route.key)
        if expect is None or expect.expected(role, IN, GET) != OK:
            continue
        if route.key in NEEDS_IMPORT_JOB:  # the role's own import job, with a row in error
            side.import_job = import_job_for(world.users[role], route.key, side)
        if route.key in SCOPED:
            kwargs = SCOPED[route.key](side)
        elif route.key in FIXED:
            kwargs = FIXED[route.key](world)
        else:
            kwargs = {}
        pages.append((route.key, _with_query(build_path(route, kwargs), kwargs)))
    return pages


def send_form_empty(page) -> bool:
    """Empties the required fields of the page's main POST form and sends it without the browser's
    own checks, as a user whose browser skipped them would; True if a form was sent."""
    form = page.locator("main form[method=post]").first
    if not form.count():
        return False
    with page.expect_navigation():
        form.evaluate(
            """form => {
                form.noValidate = true;
                form.querySelectorAll('[required]').forEach(el => {
                    if (el.tagName === 'SELECT') { el.selectedIndex = -1; } else if (el.type !== 'checkbox') { el.value = ''; }
                });
                const submit = form.querySelector('button[type=submit], input[type=submit]');
                form.requestSubmit(submit || undefined);
            }"""
        )
    return True


def kind_of(page, path: str) -> str:
    """ "page", "file" (a download) or "fragment" (a part of a page that htmx loads into it)."""
    response = page.request.get(path, max_redirects=0)
    if response.status != 200 or not response.headers.get("content-type", "").startswith("text/html"):
        return "file"
    return "page" if "<html" in response.text()[:500].lower() else "fragment"


def run_audit(page, role: str, pages: list[tuple[str, str]]) -> tuple[dict, list, list]:
    found: dict = {}
    audited: list = []
    skipped: list = []
    for key, path in pages:
        kind = kind_of(page, path)
        if kind != "page":
            skipped.append(
                f"{key} {path} (a {kind}, audited within its page)" if kind == "fragment" else f"{key} {path} (a file)"
            )
            continue
        response = page.goto(path)
        assert response.status == 200, f"{role}: {path} answered {response.status}"
        audit(page, f"{role} {key} {path}", found, audited)
        if key.endswith(FORM_SUFFIXES) and send_form_empty(page):
            audit(page, f"{role} {key} {path} (form sent empty)", found, audited)
    return found, audited, skipped


def report(role: str, found: dict, audited: list, skipped: list, rules: list[str]) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    slug = role.replace(" ", "-")
    (ARTEFACTS / f"{slug}.json").write_text(
        json.dumps({"rules": rules, "audited": audited, "skipped": skipped, "violations": found}, indent=1),
        encoding="utf-8",
    )
    print(f"\naxe-core ({len(rules)} rules, tags {', '.join(TAGS)}): {', '.join(rules)}")
    print(f"{role}: {len(audited)} page states audited")
    for line in audited:
        print("  ", line)
    for line in skipped:
        print("   not audited:", line)


def rules_run(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    return page.evaluate("tags => axe.getRules(tags).map(rule => rule.ruleId)", TAGS)


def describe(found: dict) -> str:
    return "\n".join(
        f"{state}: {v['rule']} ({v['impact']}) {v['help']} → {v['nodes']}"
        for state, violations in found.items()
        for v in violations
    )


@pytest.mark.parametrize("role", [ANON, DOIT, OFFICER, STAFF])
def test_every_page_of_every_role_passes_axe(request, role, world, page, sign_in):  # noqa: F811
    pages = pages_for(role, world)
    if role == ANON:
        pages.append(("error 404", "/khong-co-trang-nay/"))
    else:
        sign_in(request.getfixturevalue(ROLE_USERS[role]))
    found, audited, skipped = run_audit(page, role, [(k, p) for k, p in pages if not k.startswith("error")])
    for key, path in pages:
        if key.startswith("error"):
            page.goto(path)
            audit(page, f"{role} {key} {path}", found, audited)
    if role == STAFF:
        page.goto(reverse("accounts:users"))  # a refusal (403)
        audit(page, f"{role} error 403", found, audited)
    report(role, found, audited, skipped, rules_run(page))
    assert len(audited) >= 2 * len(WIDTHS)
    assert not found, f"axe found violations in {len(found)} page states:\n" + describe(found)
