"""DOIT records a course with its attendance sheet, and the district's coverage changes from
not covered to covered."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import TrainingOfficerFactory
from training.models import Attendance, Course

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# A journey of the district offices, before the reform of 1/7/2025 (coverage per district then).
BEFORE_REFORM = dt.date(2025, 6, 30)


def coverage_status(page, code: str) -> str:
    page.goto(f"/training/coverage/?as_of={BEFORE_REFORM:%d/%m/%Y}")
    return page.locator(f"[data-testid=coverage-{code}] [data-status]").get_attribute("data-status")


def test_doit_records_course_and_district_becomes_covered(sign_in, doit_user, district_a):
    first = TrainingOfficerFactory(full_name="Nguyễn Thị Thu", district=district_a, position="Chuyên viên")
    second = TrainingOfficerFactory(full_name="Trần Văn Hải", district=district_a, position="Phó Trưởng phòng")
    page = sign_in(doit_user)
    assert coverage_status(page, district_a.code) == "not_covered"

    day = BEFORE_REFORM - dt.timedelta(days=20)
    page.goto("/training/courses/new/")
    page.fill("input[name=title]", "Tập huấn sản xuất sạch hơn cho cán bộ Đống Đa")
    page.select_option("select[name=kind]", "officer")
    page.fill("input[name=start_date]", f"{day:%d/%m/%Y}")
    page.fill("input[name=end_date]", f"{day + dt.timedelta(days=1):%d/%m/%Y}")
    page.fill("input[name=hours]", "16")
    page.select_option("select[name=district]", str(district_a.pk))
    page.fill("input[name=organiser]", "Sở Công Thương Hà Nội")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/training/courses/*/")
    course = Course.objects.get()

    sheet = page.locator("[data-testid=attendance-sheet]")
    rows = sheet.locator("tbody tr")
    assert rows.count() == 2
    for i, (officer, number) in enumerate([(first, "SXSH-E2E-1"), (second, "SXSH-E2E-2")]):
        row = rows.nth(i)
        assert officer.full_name in row.inner_text()
        row.locator("[data-attendance=passed]").check()
        # training.js ticks "attended" with "passed".
        assert row.locator("[data-attendance=attended]").is_checked()
        row.locator("input[name$=certificate_number]").fill(number)
    page.click("form[data-attendance-sheet] button[type=submit]")
    page.wait_for_url(f"**/training/courses/{course.pk}/#attendance")
    assert page.locator(".alert-success").count() == 1

    assert set(Attendance.objects.filter(course=course, passed=True).values_list("certificate_number", flat=True)) == {
        "SXSH-E2E-1",
        "SXSH-E2E-2",
    }
    assert coverage_status(page, district_a.code) == "covered"
    assert page.locator("[data-testid=count-covered]").inner_text() == "1"

    # The officer's page lists the course.
    page.goto(first.get_absolute_url())
    assert "Tập huấn sản xuất sạch hơn cho cán bộ Đống Đa" in page.locator("[data-testid=officer-courses]").inner_text()
