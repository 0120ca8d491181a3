"""Objects on both sides of the scope line for the authorization tests.

Side A is district A (Đống Đa) with enterprise X; side B is district B (Đông Anh) with
enterprise Y. The acting officer is ``officer_a`` and the acting enterprise staff ``staff_x``: side A
is inside their scope, side B outside it. DOIT staff and administrators see both sides.
"""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.files.base import ContentFile

from accounts.models import User
from assessments.models import Evidence
from enterprises.models import Contact, Handover
from notifications.models import Notification
from reporting.models import ActionPlan, ReportBatch, ReportJob
from tests.factories import (
    AssessmentFactory,
    AttendanceFactory,
    CourseFactory,
    CPOptionFactory,
    EnterpriseParticipationFactory,
    EnterpriseStaffFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    TrainingOfficerFactory,
    UserFactory,
)

# URL × role × method cases checked by the authorization matrix in this run, per group:
# (cases, URL patterns). Printed at the end of the run (the figure in docs/security.md).
MATRIX_CASES: dict[str, tuple[int, int]] = {}

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Evidence, report files and pending imports go to a throw-away private folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(username="admin.test", full_name="Quản trị viên", role="", is_superuser=True, is_staff=True)


def attendance_workbook() -> bytes:
    """A valid attendance list (the import's own columns) with one officer."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Họ và tên", "Quận/huyện", "Chức vụ", "Đạt", "Số chứng chỉ"])
    ws.append(["Nguyễn Văn Học", "Đống Đa", "Chuyên viên", "x", ""])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _side(district, enterprise, requester) -> SimpleNamespace:
    assessment = AssessmentFactory(enterprise=enterprise, year=2023, status="draft")
    option = CPOptionFactory(assessment=assessment)
    report = SavingsReportFactory(enterprise=enterprise, year=2023, period="Y", status="draft")
    line = SavingsLineFactory(report=report, option=option)
    evidence = Evidence(
        report=report, original_name="hoa-don.pdf", content_type="application/pdf", size=len(PDF), uploaded_by=None
    )
    evidence.file.save("upload.pdf", ContentFile(PDF), save=True)
    officer = TrainingOfficerFactory(district=district)
    course = CourseFactory(kind="officer", district=district, start_date=dt.date(2024, 3, 1))
    attendance = AttendanceFactory(officer=officer, course=course)
    workshop = CourseFactory(kind="workshop", district=district, start_date=dt.date(2024, 5, 1))
    participation = EnterpriseParticipationFactory(enterprise=enterprise, course=workshop)
    batch = ReportBatch.objects.create(year=2022, requester=requester)
    # A report of the commune the enterprise (and the side's officer account) is located in.
    job = ReportJob(year=2025, commune=enterprise.commune, format="pdf", status="done", requester=requester)
    job.file.save("bao-cao.pdf", ContentFile(PDF), save=True)
    batch_job = ReportJob(
        year=2022, commune=enterprise.commune, format="xlsx", status="done", requester=requester, batch=batch
    )
    batch_job.file.save("bao-cao.xlsx", ContentFile(PDF), save=True)
    account = EnterpriseStaffFactory(enterprise=enterprise)
    contact = Contact.objects.create(
        enterprise=enterprise, role="cp_lead", full_name="Nguyễn Văn Liên Hệ", held_from=dt.date(2024, 1, 1)
    )
    departed = Contact.objects.create(
        enterprise=enterprise,
        role="energy_manager",
        full_name="Trần Thị Cũ",
        held_from=dt.date(2020, 1, 1),
        held_until=dt.date(2024, 6, 30),
    )
    successor = Contact.objects.create(
        enterprise=enterprise, role="energy_manager", full_name="Lê Văn Mới", held_from=dt.date(2024, 6, 30)
    )
    handover = Handover.objects.create(
        enterprise=enterprise, departed=departed, successor=successor, on=dt.date(2024, 6, 30), recorded_by=requester
    )
    return SimpleNamespace(
        contact=contact,
        handover=handover,
        district=district,
        enterprise=enterprise,
        account=account,
        assessment=assessment,
        option=option,
        report=report,
        line=line,
        evidence=evidence,
        officer=officer,
        course=course,
        attendance=attendance,
        workshop=workshop,
        participation=participation,
        job=job,
        batch=batch,
    )


@pytest.fixture
def sides(
    district_a, district_b, enterprise_x, enterprise_y, doit_user, officer_a, officer_b
) -> dict[str, SimpleNamespace]:
    sides = {"A": _side(district_a, enterprise_x, doit_user), "B": _side(district_b, enterprise_y, doit_user)}
    for side, officer in ((sides["A"], officer_a), (sides["B"], officer_b)):
        side.notification = Notification.objects.create(
            recipient=officer, event="savings_submitted", url=side.report.get_absolute_url(), email_status="skipped"
        )
    return sides


@pytest.fixture
def plan(db) -> ActionPlan:
    return ActionPlan.objects.create(
        decision_number="77/KH-UBND",
        title="Kế hoạch thử",
        first_year=2021,
        last_year=2025,
        issued_on=dt.date(2021, 2, 1),
    )


@pytest.fixture
def record_matrix_cases():
    def record(group: str, cases: int, patterns: int) -> None:
        MATRIX_CASES[group] = (cases, patterns)

    return record


def pytest_terminal_summary(terminalreporter) -> None:
    if not MATRIX_CASES:
        return
    cases = sum(c for c, _p in MATRIX_CASES.values())
    patterns = sum(p for _c, p in MATRIX_CASES.values())
    admin = sum(p for group, (_c, p) in MATRIX_CASES.items() if group.startswith("admin"))
    terminalreporter.write_line(
        f"Authorization matrix: {cases} URL × role × method cases checked over {patterns} URL patterns "
        f"({patterns - admin} portal, {admin} admin) in {len(MATRIX_CASES)} groups."
    )
