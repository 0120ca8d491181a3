"""What a screen reader is given on the main page of each role's journeys, read from Chromium's
accessibility tree (the DevTools protocol's ``Accessibility.getFullAXTree``, the tree Chromium
hands to screen readers over the platform's accessibility interface).

The checks are the mechanical ones axe-core's WCAG rules do not make (``test_accessibility.py``
already checks names of controls, labels, contrast, ids, captions): one level-1 heading and no
skipped heading level going down, one main landmark with the banner, navigation and content-info
landmarks around it, no landmark named in English, every table with header cells, every radio
button inside a named group, and no two named forms (form landmarks) of a page with the same name. The outline (headings and landmarks) of each
page is written to ``var/test-artefacts/accessibility-tree/<role>.txt``. What this cannot prove:
how a screen reader words these, and whether the outline makes sense to a person
(docs/accessibility.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import AssessmentFactory, BaselineConsumptionFactory, CourseFactory, SavingsReportFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTEFACTS = Path(settings.BASE_DIR) / "var" / "test-artefacts" / "accessibility-tree"
LANDMARKS = ("banner", "navigation", "main", "contentinfo")
# Names that templates and libraries give landmarks in English when nobody translated them.
ENGLISH_NAMES = {"breadcrumb", "pagination", "main navigation", "search", "navigation"}


def read_tree(page) -> dict[str, dict]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Accessibility.enable")
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    cdp.detach()
    return {node["nodeId"]: node for node in nodes}


def role(node: dict) -> str:
    return str(node.get("role", {}).get("value", ""))


def name(node: dict) -> str:
    return " ".join(str(node.get("name", {}).get("value", "")).split())


def prop(node: dict, key: str):
    return next((p["value"].get("value") for p in node.get("properties", []) if p["name"] == key), None)


def ancestors(tree: dict[str, dict], node: dict):
    while node.get("parentId") in tree:
        node = tree[node["parentId"]]
        yield node


def descendants(tree: dict[str, dict], node: dict):
    for child in node.get("childIds", []):
        if child in tree:
            yield tree[child]
            yield from descendants(tree, tree[child])


def in_reading_order(tree: dict[str, dict]) -> list[dict]:
    """The tree's nodes in the order a screen reader reads them (depth first from the document)."""
    roots = [n for n in tree.values() if n.get("parentId") not in tree]
    ordered: list[dict] = []
    for root in roots:
        ordered += [root, *descendants(tree, root)]
    return ordered


def check_page(tree: dict[str, dict]) -> tuple[list[str], list[str]]:
    """(the page's outline, the problems found) from its accessibility tree."""
    shown = [n for n in in_reading_order(tree) if not n.get("ignored")]
    outline, problems = [], []
    headings = [(int(prop(n, "level") or 0), name(n)) for n in shown if role(n) == "heading"]
    landmarks = [(role(n), name(n)) for n in shown if role(n) in (*LANDMARKS, "search", "region", "form")]
    outline += [f"  [{r}{': ' + n if n else ''}]" for r, n in landmarks]
    outline += [f"  {'  ' * (level - 1)}h{level} {text}" for level, text in headings]

    if [level for level, _ in headings].count(1) != 1:
        problems.append(f"{[level for level, _ in headings].count(1)} level-1 headings (one expected)")
    previous = 0
    for level, text in headings:
        if level > previous + 1:
            problems.append(f"heading “{text}” at level {level} after level {previous}")
        previous = level
    for landmark in LANDMARKS:
        count = sum(1 for r, _ in landmarks if r == landmark)
        if landmark in ("main", "banner", "contentinfo") and count != 1:
            problems.append(f"{count} {landmark} landmarks (one expected)")
        if landmark == "navigation" and not count:
            problems.append("no navigation landmark")
    problems.extend(
        f"{r} named “{n}” in English on a Vietnamese page" for r, n in landmarks if n.lower() in ENGLISH_NAMES
    )
    problems.extend(
        f"table “{name(table)}” without header cells"
        for table in shown
        if role(table) == "table"
        and not any(role(d) in ("columnheader", "rowheader") for d in descendants(tree, table))
    )
    problems.extend(
        f"radio button “{name(radio)}” outside a named group"
        for radio in shown
        if role(radio) == "radio"
        and not any(role(a) in ("group", "radiogroup") and name(a) for a in ancestors(tree, radio))
    )
    named_forms = [name(n) for n in shown if role(n) == "form" and name(n)]  # a landmark once it is named
    if len(named_forms) != len(set(named_forms)):
        problems.append(f"forms with the same name: {named_forms}")
    return outline, problems


@pytest.fixture
def world(enterprise_x, staff_x, officer_a, doit_user, district_a):
    year = timezone.localdate().year - 1
    assessment = AssessmentFactory(enterprise=enterprise_x, year=year, status="submitted", step=3)
    BaselineConsumptionFactory(assessment=assessment, quantity=120_000, cost_vnd=240_000_000)
    report = SavingsReportFactory(enterprise=enterprise_x, year=year, status="submitted")
    course = CourseFactory(district=district_a)
    return {"assessment": assessment, "report": report, "course": course, "enterprise": enterprise_x}


def pages_of(role_name: str, world: dict) -> list[str]:
    assessment, report, course, enterprise = (world[k] for k in ("assessment", "report", "course", "enterprise"))
    return {
        "officer": [
            "/",
            "/enterprises/",
            "/enterprises/new/",
            "/enterprises/import/",
            enterprise.get_absolute_url(),
            f"/assessments/new/?enterprise={enterprise.pk}",
            assessment.get_absolute_url(),
            f"/savings/{report.pk}/",
            "/notifications/settings/",
        ],
        "doit": [
            "/",
            "/reports/",
            "/training/courses/",
            "/training/courses/new/",
            course.get_absolute_url(),
            assessment.get_absolute_url(),
            "/notifications/",
        ],
        "enterprise": ["/", "/savings/", "/savings/new/", enterprise.get_absolute_url(), "/notifications/settings/"],
    }[role_name]


@pytest.mark.parametrize("role_name", ["visitor", "officer", "doit", "enterprise"])
def test_the_main_pages_of_each_role_give_a_screen_reader_a_usable_outline(page, sign_in, world, role_name):
    if role_name == "visitor":
        paths = ["/accounts/login/", "/accounts/password/reset/"]
    else:
        from accounts.models import User

        username = {"officer": "officer.a", "doit": "doit.test", "enterprise": "staff.x"}[role_name]
        sign_in(User.objects.get(username=username))
        paths = pages_of(role_name, world)
    report, failures = [f"# {role_name}"], []
    for path in paths:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        outline, problems = check_page(read_tree(page))
        report += [f"== {path}  «{page.title()}»", *outline, *(f"  !! {p}" for p in problems)]
        failures += [f"{path}: {p}" for p in problems]
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / f"{role_name}.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    print("\n".join(report))
    assert not failures, "\n".join(failures)
