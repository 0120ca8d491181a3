"""Cross-site scripting: text typed by users (enterprise names and addresses, comments, option
descriptions, notes, course titles, officer names, plan titles) holds script and attribute
payloads; everywhere it is shown it stays text. Pages are parsed, not grepped: a payload that
became markup would add an element or attribute that the checks below find."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse

from assessments.models import ReviewEvent
from reporting.builders.pdf import build_pdf, render_html
from reporting.builders.xlsx import build_xlsx
from reporting.indicators import compute
from reporting.models import ActionPlan
from reporting.report_data import ReportData
from tests.factories import (
    AssessmentFactory,
    AttendanceFactory,
    BaselineConsumptionFactory,
    CourseFactory,
    CPOptionFactory,
    EnterpriseFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    TrainingOfficerFactory,
    next_tax_code,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
TEMPLATE = "{{ request.user.password }}{% debug %}"
PAYLOAD = f"{SCRIPT} {ATTRIBUTE} {JS_URL} {TEMPLATE} '><svg onload=alert(1)>"


class Markup(HTMLParser):
    """Every element and attribute of a page, and the text of inline scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        # A json_script block is data (type="application/json"), never run.
        self._in_script = tag == "script" and dict(attrs).get("type") != "application/json"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def parse(html: str) -> Markup:
    parser = Markup()
    parser.feed(html)
    return parser


def assert_inert(html: str) -> None:
    """No payload became markup: no inline script, no element of the payloads (img with a
    handler, svg), no event-handler attribute, no javascript: URL; the text is escaped."""
    page = parse(html)
    assert not page.inline_scripts
    for tag, attrs in page.tags:
        if tag == "script" and attrs.get("type") != "application/json":
            assert (attrs.get("src") or "").startswith(settings.STATIC_URL), attrs
        assert tag not in ("img", "svg", "iframe") or not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "formaction", "xlink:href"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), (tag, attrs)
    assert SCRIPT not in html and ATTRIBUTE not in html and "<svg onload" not in html


SHORT = SCRIPT + ATTRIBUTE  # for fields of a few dozen characters


@pytest.fixture
def hostile(district_a, officer_a, doit_user, enterprise_x):
    """Every kind of user text in district A, each holding the payloads."""
    enterprise = EnterpriseFactory(
        name=f"Công ty {PAYLOAD}",
        address=PAYLOAD,
        contact_name=SHORT,
        contact_position=SHORT,
        contact_phone=SCRIPT[:30],
        district=district_a,
    )
    enterprise.name = f"Công ty {PAYLOAD} (sửa)"
    enterprise.save()  # a second history row, so the history table shows a change of the name
    assessment = AssessmentFactory(enterprise=enterprise, year=2022, status="approved", assessor_name=SHORT)
    BaselineConsumptionFactory(assessment=assessment, quantity=100_000, cost_vnd=200_000_000)
    option = CPOptionFactory(assessment=assessment, description=PAYLOAD, feasibility_technical=PAYLOAD)
    ReviewEvent.objects.create(assessment=assessment, from_status="submitted", to_status="returned", by=doit_user,
                               comment=PAYLOAD)  # fmt: skip
    verified = SavingsReportFactory(enterprise=enterprise, year=2023, status="verified", notes=PAYLOAD)
    SavingsLineFactory(report=verified, option=option)
    submitted = SavingsReportFactory(enterprise=enterprise, year=2023, period="Q1", status="submitted", notes=PAYLOAD)
    SavingsLineFactory(report=submitted, quantity=150_000, vnd_saved=300_000_000)  # larger than the baseline: a warning
    ReviewEvent.objects.create(savings_report=submitted, from_status="draft", to_status="submitted", by=officer_a,
                               comment=PAYLOAD)  # fmt: skip
    officer = TrainingOfficerFactory(full_name=f"Nguyễn {SHORT}", position=SHORT, district=district_a)
    course = CourseFactory(kind="officer", title=PAYLOAD, organiser=SHORT, district=district_a,
                           start_date=dt.date(2023, 3, 1))  # fmt: skip
    AttendanceFactory(officer=officer, course=course)
    plan = ActionPlan.objects.create(decision_number="99/KH-UBND", title=PAYLOAD, first_year=2021, last_year=2025,
                                     issued_on=dt.date(2021, 2, 1))  # fmt: skip
    return {"enterprise": enterprise, "assessment": assessment, "verified": verified, "submitted": submitted,
            "officer": officer, "course": course, "plan": plan}  # fmt: skip


SEARCH = "?q=" + PAYLOAD.replace("&", "%26").replace("#", "%23").replace("+", "%2B").replace("%}", "%25}")
PAGES = {
    "dashboard": lambda h: reverse("dashboard") + "?year=2023",
    "enterprise list": lambda h: reverse("enterprises:list"),
    "enterprise list searched for the payload": lambda h: reverse("enterprises:list") + SEARCH,
    "enterprise detail and history": lambda h: reverse("enterprises:detail", args=[h["enterprise"].pk]),
    "enterprise edit form": lambda h: reverse("enterprises:edit", args=[h["enterprise"].pk]),
    "assessment list": lambda h: reverse("assessments:list"),
    "assessment list searched for the payload": lambda h: reverse("assessments:list") + SEARCH,
    "assessment detail": lambda h: reverse("assessments:detail", args=[h["assessment"].pk]),
    "savings list": lambda h: reverse("savings:list"),
    "verified report": lambda h: reverse("savings:detail", args=[h["verified"].pk]),
    "submitted report with warnings": lambda h: reverse("savings:detail", args=[h["submitted"].pk]),
    "course list": lambda h: reverse("training:courses"),
    "course detail": lambda h: reverse("training:course_detail", args=[h["course"].pk]),
    "officer list": lambda h: reverse("training:officers"),
    "officer detail": lambda h: reverse("training:officer_detail", args=[h["officer"].pk]),
    "coverage": lambda h: reverse("training:coverage"),
    "action plans": lambda h: reverse("reporting:plans"),
    "action plan edit form": lambda h: reverse("reporting:plan_edit", args=[h["plan"].pk]),
    "reports": lambda h: reverse("reporting:list"),
}


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", ["doit_user", "officer_a"])
def test_user_text_is_escaped_on_every_page(request, login, hostile, role, page):
    url = PAGES[page](hostile)
    response = login(request.getfixturevalue(role), language="en").get(url)
    if response.status_code == 403:
        pytest.skip("not a page of this role")
    assert response.status_code == 200, url
    html = response.content.decode()
    assert_inert(html)


def test_detail_pages_show_the_text_literally(login, doit_user, hostile):
    client = login(doit_user, language="en")
    html = client.get(reverse("enterprises:detail", args=[hostile["enterprise"].pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert TEMPLATE.replace("'", "&#x27;") in html  # shown as typed, never rendered as a template
    html = client.get(reverse("assessments:detail", args=[hostile["assessment"].pk])).content.decode()
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # description, feasibility, comment


def test_staff_pages_escape_their_enterprise_text(login, hostile):
    from tests.factories import EnterpriseStaffFactory

    staff = EnterpriseStaffFactory(enterprise=hostile["enterprise"])
    client = login(staff, language="en")
    for url in (reverse("dashboard"), reverse("savings:detail", args=[hostile["verified"].pk]),
                reverse("enterprises:detail", args=[hostile["enterprise"].pk])):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200
        assert_inert(response.content.decode())


def test_import_preview_escapes_the_file_text(login, doit_user):
    from openpyxl import Workbook

    from enterprises.spreadsheet import COLUMNS

    wb = Workbook()
    ws = wb.active
    ws.append([str(label) for _key, label in COLUMNS])
    values = {key: "" for key, _label in COLUMNS}
    values.update(tax_code=next_tax_code(), name=PAYLOAD, district_code="006", sector_code="10", address=PAYLOAD,
                  ownership=SCRIPT, size="small", employees=ATTRIBUTE)  # fmt: skip
    ws.append([values[key] for key, _label in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "x.xlsx"
    response = login(doit_user, language="en").post(reverse("enterprises:import"), {"file": out}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the refused values are quoted in the row errors
    assert_inert(html)
    assert response.context.get("preview") is not None  # the preview, not a refusal of the file


def test_chart_labels_stay_text_in_the_data_attribute(login, doit_user, hostile, district_a):
    district_a.name = SHORT  # district names are edited in the admin
    district_a.save()
    html = login(doit_user, language="en").get(reverse("dashboard") + "?year=2023").content.decode()
    assert_inert(html)
    charts = [
        attrs["data-chart-data"] for tag, attrs in parse(html).tags if tag == "canvas" and "data-chart-data" in attrs
    ]
    assert charts
    labels = [label for chart in charts for label in json.loads(chart)["labels"]]
    assert SHORT in labels  # the attribute decodes back to the exact text, for Chart.js to draw on a canvas


def test_enterprise_chart_data_is_a_json_script_block(login, doit_user, hostile):
    html = login(doit_user, language="en").get(reverse("enterprises:detail", args=[hostile["enterprise"].pk]))
    blocks = re.findall(r'<script id="[^"]+" type="application/json">(.*?)</script>', html.content.decode(), re.S)
    for block in blocks:
        assert "<" not in block  # json_script escapes <, > and & so the block cannot be closed early
        json.loads(block)


OWN_SCRIPTS = sorted((Path(settings.BASE_DIR) / "static" / "js").glob("*.js"))
# Each use of an HTML sink in our own scripts, reviewed: the formset clones its own <template>,
# which the server rendered (escaped); no data from JSON or attributes goes through these.
REVIEWED_SINKS = {
    ("formset.js", "template.innerHTML"),
    ("formset.js", "body.innerHTML"),
    ("formset.js", "target.insertAdjacentHTML"),
    # the calendar: fixed month and day names, numbers and dates it formats itself; the typed
    # value is only parsed into a date, never written into the page
    ("datepicker.js", "panel.innerHTML"),
}
SINK_RE = re.compile(r"([\w.]+)\.(innerHTML|outerHTML|insertAdjacentHTML)|document\.write|\beval\(|new Function\(")


def test_our_scripts_put_data_into_the_page_as_text_only():
    assert OWN_SCRIPTS
    found = set()
    for path in OWN_SCRIPTS:
        for match in SINK_RE.finditer(path.read_text()):
            assert match.group(1), f"{path.name}: {match.group(0)}"
            found.add((path.name, f"{match.group(1)}.{match.group(2)}"))
    assert found <= REVIEWED_SINKS, found - REVIEWED_SINKS


def test_pdf_report_escapes_the_markup_and_prints_the_text(hostile, district_a):
    ind = compute(2023)
    html = render_html(ReportData.for_indicators(ind))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the plan title, the enterprise of a finding
    assert_inert(html.replace('<svg xmlns="http://www.w3.org/2000/svg"', "<svg"))
    stream = io.BytesIO()
    build_pdf(ReportData.for_indicators(ind), stream)
    text = subprocess.run(["pdftotext", "-", "-"], input=stream.getvalue(), capture_output=True, check=True).stdout
    flat = " ".join(text.decode().split())
    assert SCRIPT in flat  # printed as the text it is
    assert b"/JavaScript" not in stream.getvalue() and b"/JS" not in stream.getvalue()


def test_district_pdf_escapes_enterprise_text_too(hostile, district_a):
    html = render_html(ReportData.for_indicators(compute(2023, district_a)))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and SCRIPT not in html


def test_excel_report_holds_the_text_as_text(hostile):
    stream = io.BytesIO()
    build_xlsx(ReportData.for_indicators(compute(2023)), stream)
    wb = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    mine = [c for c in cells if SCRIPT in c.value]
    assert mine and all(c.data_type == "s" for c in mine)
    assert not [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_there_is_no_json_endpoint_that_could_leak_markup():
    """No view returns JSON (charts take their data from escaped attributes and json_script);
    this test fails when one is added, so that its escaping gets a test here."""
    offenders = []
    base = Path(settings.BASE_DIR)
    for app in ("accounts", "assessments", "cleanprod", "enterprises", "periods", "reporting", "training"):
        for path in (base / app).rglob("*.py"):
            text = path.read_text()
            if ("JsonResponse" in text or "application/json" in text) and path.relative_to(
                base
            ) not in JSON_WITHOUT_USER_DATA:
                offenders.append(str(path.relative_to(base)))
    assert not offenders


# JSON endpoints that carry no stored or user-supplied text at all, each with the test that proves it.
JSON_WITHOUT_USER_DATA = {Path("cleanprod/health.py")}  # test_health_answers_figures_and_fixed_words_only


@pytest.mark.django_db
def test_health_answers_figures_and_fixed_words_only(client):
    payload = client.get("/health/").json()

    def leaves(value):
        if isinstance(value, dict):
            for item in value.values():
                yield from leaves(item)
        else:
            yield value

    words = {"ok", "failing", "down", "warning", "full"}
    assert all(isinstance(leaf, (bool, int, float)) or leaf in words for leaf in leaves(payload))
