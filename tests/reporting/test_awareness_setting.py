"""Which course kinds count as awareness is DOIT's programme setting (technical workshops count by
default); the figures follow it and every report states the definition it used."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import zipfile

import openpyxl
import pytest
from django.urls import reverse

from programme.models import ProgrammeSettings
from programme.services import settings_update
from reporting.builders.docx import build_docx
from reporting.builders.pdf import build_pdf
from reporting.builders.xlsx import build_xlsx
from reporting.indicators import compute
from reporting.measures import Measure
from reporting.report_data import ReportData
from tests.factories import CourseFactory, EnterpriseFactory, EnterpriseParticipationFactory

from .expected import expected

pytestmark = pytest.mark.django_db

WORKSHOP_VI = "Hội thảo kỹ thuật"
AWARENESS_VI = "Nâng cao nhận thức doanh nghiệp"


@pytest.fixture
def workshop_only(world):
    """An active enterprise whose only CP activity in the year is a technical workshop."""
    enterprise = EnterpriseFactory(district=world.a)
    course = CourseFactory(kind="workshop", start_date=dt.date(2024, 5, 6), end_date=dt.date(2024, 5, 7))
    EnterpriseParticipationFactory(enterprise=enterprise, course=course)
    return enterprise


def aware(year: int) -> int:
    return compute(year).measures[Measure.AWARE_COUNT]


def build(builder, ind) -> bytes:
    stream = io.BytesIO()
    builder(ReportData.for_indicators(ind), stream)
    return stream.getvalue()


def test_workshops_count_as_awareness_by_default(world, workshop_only):
    assert ProgrammeSettings.objects.count() == 0  # nothing saved: the defaults
    assert aware(world.year) == expected(world.year)["aware_count"]
    assert workshop_only.pk in expected(world.year)["aware_ids"]


def test_changing_the_setting_changes_the_aware_count(world, workshop_only, doit_user):
    with_workshops = aware(world.year)
    settings_update(by=doit_user, data={"aware_workshops": False})
    without = aware(world.year)
    assert without == with_workshops - 1
    assert without == expected(world.year)["aware_count"]  # the independent recomputation reads the setting too
    settings_update(by=doit_user, data={"aware_workshops": True, "aware_awareness_courses": False})
    assert aware(world.year) == expected(world.year)["aware_count"]


def dashboard_definition(client, year: int) -> tuple[int, str]:
    response = client.get(reverse("dashboard"), {"year": year})
    definition = response.content.decode().split('data-testid="awareness-definition">')[1].split("</p>")[0]
    return response.context["ind"].value("aware_count"), definition


def test_the_setting_page_changes_the_dashboard_figures(
    world, workshop_only, doit_user, login, django_capture_on_commit_callbacks
):
    client = login(doit_user)
    count, definition = dashboard_definition(client, world.year)
    assert WORKSHOP_VI in definition and AWARENESS_VI in definition
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("programme:settings"),
            {
                "aware_awareness_courses": "on",
                "evidence_required": "on",
                "evidence_min_files": 1,
                "evidence_toe_threshold": "10",
            },
        )
    assert response.status_code == 302
    after, definition = dashboard_definition(client, world.year)
    assert after == count - 1
    assert AWARENESS_VI in definition and WORKSHOP_VI not in definition


def definition_in(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("workshops", [True, False])
def test_every_report_format_states_the_definition_used(world, doit_user, workshops):
    settings_update(by=doit_user, data={"aware_workshops": workshops})
    ind = compute(world.year)
    kinds = f"{AWARENESS_VI}, {WORKSHOP_VI}" if workshops else AWARENESS_VI
    sentence = f"các loại sau ({kinds}) hoặc"

    pdf = subprocess.run(
        ["pdftotext", "-", "-"], input=build(build_pdf, ind), capture_output=True, check=True
    ).stdout.decode()
    assert sentence in definition_in(pdf)

    with zipfile.ZipFile(io.BytesIO(build(build_docx, ind))) as docx:
        xml = docx.read("word/document.xml").decode()
    assert sentence in xml and "Định nghĩa doanh nghiệp nhận thức" in xml

    wb = openpyxl.load_workbook(io.BytesIO(build(build_xlsx, ind)))
    cells = [str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value]
    assert any(sentence in c for c in cells)
    assert "Định nghĩa doanh nghiệp nhận thức" in cells
