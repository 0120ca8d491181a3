"""A keyboard-only pass of the portal's forms: an assessment with its lines and options (with a
validation error on the way), registering an enterprise and importing a spreadsheet, recording a
course and its attendance, requesting the yearly report and filtering the archive, and the e-mail
settings.

The keys only (see ``keyboard_pass.py``): every stop is recorded as Chromium's accessibility tree
announces it and must be visible, with a focus ring and a name; each journey must reach its end.
The transcripts are written to ``var/test-artefacts/keyboard/<journey>.txt``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from assessments.models import Assessment, ResourceType
from enterprises.models import Enterprise, ImportJob, Sector
from notifications.models import NotificationSettings
from reporting.models import ReportJob
from tests.factories import TrainingOfficerFactory, next_tax_code
from training.models import Attendance, Course

from .keyboard_pass import KeyboardPass

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def keyboard(page):
    """keyboard(journey) → a KeyboardPass on the page; its transcript is written even when the test fails."""
    passes: list[KeyboardPass] = []

    def make(journey: str) -> KeyboardPass:
        passes.append(KeyboardPass(page, journey))
        return passes[-1]

    yield make
    for kb in passes:
        kb.write()


def focused_matches(page, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


def menu_to(kb: KeyboardPass, toggle: str, item: str, *, limit: int = 12) -> None:
    """From the focused navigation: to the menu button, Enter opens it, ArrowDown to the item."""
    kb.tab_to(toggle, back=True)
    kb.press("Enter")
    for _ in range(limit):
        kb.press("ArrowDown")
        if focused_matches(kb.page, item):
            return
    raise AssertionError(f"{kb.journey}: {item} not reached in the menu")


def arrow_to(kb: KeyboardPass, value: str, *, key: str = "ArrowDown", limit: int = 8) -> None:
    """In a focused radio group: the arrow key moves (and checks) until ``value`` is checked."""
    for _ in range(limit):
        if kb.page.evaluate("() => document.activeElement.value") == value:
            return
        kb.press(key)
    raise AssertionError(f"{kb.journey}: radio {value} not reached with {key}")


def doit_sign_in(kb: KeyboardPass, doit_user) -> None:
    from tests.conftest import otp_device_for, totp_code

    kb.sign_in(doit_user, code=totp_code(otp_device_for(doit_user)))


def test_officer_enters_an_assessment_and_corrects_an_error_with_the_keyboard_only(
    page, keyboard, officer_a, enterprise_x
):
    electricity = ResourceType.objects.get(code="electricity")
    water = ResourceType.objects.get(code="water")
    kb = keyboard("officer-assessment-form")
    kb.sign_in(officer_a)
    kb.skip_to_content()
    kb.tab_to("nav a[href='/enterprises/']", back=True)
    kb.press("Enter", navigates=True)
    kb.tab_to(f"main a[href='/enterprises/{enterprise_x.pk}/']")
    kb.press("Enter", navigates=True)
    kb.tab_to("main a[href^='/assessments/new/']")
    kb.press("Enter", navigates=True)

    kb.note("the assessment, with a year outside the programme's range (from the skip link: the address ends in #main)")
    kb.skip_to_content()
    kb.tab_to("input[name=year]")
    kb.type("1990")
    kb.tab_to("select[name=step]")
    kb.choose("3")
    kb.tab_to("input[name=baseline_output]")
    kb.type("1500")
    kb.note("baseline lines: two in the table, a third added with the button (the focus moves into it)")
    kb.tab_to("select[name=baseline-0-resource]")
    kb.choose(str(electricity.pk))
    kb.tab_to("input[name=baseline-0-quantity]")
    kb.type("250000")
    kb.tab_to("input[name=baseline-0-cost_vnd]")
    kb.type("475000000")
    kb.tab_to("[data-formset-add=baseline]")
    kb.press("Space")
    added = page.evaluate("() => document.activeElement.name")
    assert added.startswith("baseline-") and added.endswith("-resource"), added
    kb.choose(str(water.pk))
    kb.press("Tab")
    kb.type("12000")
    kb.note("the first option, a group of its own (“Giải pháp 1”)")
    kb.tab_to("select[name=options-0-category]")
    assert "(in group “Giải pháp 1 › " in kb.lines[-1], kb.lines[-1]
    kb.choose("technology")
    kb.tab_to("textarea[name=options-0-description]")
    kb.type("Thay đèn LED toàn nhà máy")
    kb.tab_to("input[name=options-0-investment_vnd]")
    kb.type("120000000")
    kb.tab_to("input[name=options-0-expected_savings_vnd]")
    kb.type("48000000")
    kb.tab_to("select[name=options-0-saving_resource_1]")
    kb.choose(str(electricity.pk))
    kb.tab_to("input[name=options-0-saving_quantity_1]")
    kb.type("25000")
    kb.tab_to("main form button[type=submit].btn-success")
    kb.press("Enter", navigates=True)

    kb.note("sent back: the focus is on the first field to correct, which announces its error")
    said = kb.focused()
    assert not Assessment.objects.exists()
    assert focused_matches(page, "input[name=year]"), said
    assert "invalid=true" in said and "— “Nhập năm" in said, said  # the error message is read with the field
    kb.press("Control+a")
    kb.type("2023")
    kb.note("what was typed is still there: the lines and the option")
    assert page.input_value("input[name=baseline-0-quantity]") == "250000"
    assert page.input_value("textarea[name=options-0-description]") == "Thay đèn LED toàn nhà máy"
    kb.tab_to("main form button[type=submit].btn-success")
    kb.press("Enter", navigates=True)

    assessment = Assessment.objects.get()
    assert assessment.year == 2023
    assert assessment.baseline_lines.count() == 2
    assert assessment.options.get().description == "Thay đèn LED toàn nhà máy"
    assert page.url.split("#")[0].endswith(f"/assessments/{assessment.pk}/")
    assert not kb.problems, "\n".join(kb.problems)


def test_officer_registers_and_imports_enterprises_with_the_keyboard_only(page, keyboard, officer_a, tmp_path):
    from tests.enterprises.test_import import row, xlsx_bytes

    kb = keyboard("officer-enterprise-register-import")
    kb.sign_in(officer_a)
    kb.skip_to_content()
    kb.tab_to("nav a[href='/enterprises/']", back=True)
    kb.press("Enter", navigates=True)
    kb.tab_to("main a[href='/enterprises/new/']")
    kb.press("Enter", navigates=True)
    tax_code = next_tax_code()
    kb.tab_to("input[name=tax_code]")
    kb.type(tax_code)
    kb.tab_to("input[name=name]")
    kb.type("Công ty TNHH Cơ khí Tây Sơn")
    kb.tab_to("select[name=sector]")
    kb.choose(str(Sector.objects.get(code="25").pk))
    kb.tab_to("input[name=address]")
    kb.type("Số 20, phố Tây Sơn, Đống Đa, Hà Nội")
    kb.tab_to("select[name=ownership]")
    kb.choose(Enterprise.Ownership.PRIVATE)
    kb.tab_to("select[name=size]")
    kb.choose(Enterprise.Size.SMALL)
    kb.tab_to("input[name=employees]")
    kb.type("65")
    kb.tab_to("input[name=contact_name]")
    kb.type("Nguyễn Văn Cơ")
    kb.note("nothing was sent yet: no field may be announced as invalid")
    assert not [line for line in kb.lines if "invalid=true" in line]
    kb.tab_to("main form button[type=submit]")
    kb.press("Enter", navigates=True)
    created = Enterprise.objects.get(tax_code=tax_code)
    assert page.url.endswith(f"/enterprises/{created.pk}/")

    kb.note("the spreadsheet import: upload, preview, confirm")
    workbook = tmp_path / "doanh-nghiep.xlsx"
    workbook.write_bytes(xlsx_bytes([row(name="Công ty TNHH Nhập Bằng Bàn Phím"), row(name="Công ty TNHH Thứ Hai")]))
    kb.skip_to_content()
    kb.tab_to("nav a[href='/enterprises/']", back=True)
    kb.press("Enter", navigates=True)
    kb.tab_to("main a[href='/enterprises/import/']")
    kb.press("Enter", navigates=True)
    kb.tab_to("main input[type=file]")
    kb.choose_file("Space", workbook)
    kb.tab_to("main form button[type=submit]")
    kb.press("Enter", navigates=True)
    assert page.locator("[data-testid=count-new]").inner_text() == "2"
    kb.tab_to("main form[action$='/confirm/'] button[type=submit]")
    kb.press("Enter", navigates=True)
    page.locator("[data-testid=import-result]").wait_for()
    assert ImportJob.objects.get().applied
    assert Enterprise.objects.filter(name="Công ty TNHH Nhập Bằng Bàn Phím").exists()
    kb.tab_to("main a[href='/enterprises/']")
    assert not kb.problems, "\n".join(kb.problems)


def test_doit_records_a_course_and_its_attendance_with_the_keyboard_only(page, keyboard, doit_user, district_a):
    first = TrainingOfficerFactory(full_name="Nguyễn Thị Thu", district=district_a, position="Chuyên viên")
    TrainingOfficerFactory(full_name="Trần Văn Hải", district=district_a, position="Phó Trưởng phòng")
    day = timezone.localdate() - dt.timedelta(days=20)
    kb = keyboard("doit-course-attendance")
    doit_sign_in(kb, doit_user)
    kb.skip_to_content()
    kb.note("Đào tạo is a menu: Enter opens it, ArrowDown to the courses")
    menu_to(
        kb,
        "nav button.dropdown-toggle:has(+ .dropdown-menu a[href='/training/courses/'])",
        "a[href='/training/courses/']",
    )
    kb.press("Enter", navigates=True)
    kb.tab_to("main a[href='/training/courses/new/']")
    kb.press("Enter", navigates=True)
    kb.tab_to("input[name=title]")
    kb.type("Tập huấn sản xuất sạch hơn cho cán bộ")
    kb.tab_to("select[name=kind]")
    kb.choose("officer")
    kb.tab_to("input[name=start_date]")
    kb.type(f"{day:%d/%m/%Y}")
    kb.note("the calendar button beside the date: Enter opens it, Escape closes it and the focus returns")
    kb.press("Tab")
    assert focused_matches(page, "[data-testid=datepicker-toggle]")
    said = kb.press("Enter")
    assert f"“{day.day} Tháng {day.month} {day.year}”" in said, said  # the day named with its month
    kb.press("Escape")
    assert focused_matches(page, "input[name=start_date]")
    kb.tab_to("input[name=end_date]")
    kb.type(f"{day + dt.timedelta(days=1):%d/%m/%Y}")
    kb.tab_to("input[name=hours]")
    kb.type("16")
    kb.tab_to("select[name=district]")
    kb.choose(str(district_a.pk))
    kb.tab_to("input[name=organiser]")
    kb.type("Sở Công Thương Hà Nội")
    kb.tab_to("main form button[type=submit]")
    kb.press("Enter", navigates=True)
    course = Course.objects.get()

    kb.note("the attendance sheet: Space ticks “passed” (which ticks “attended”), then the certificate number")
    for number in ("SXSH-BP-1", "SXSH-BP-2"):
        kb.tab_to("[data-testid=attendance-sheet] [data-attendance=passed]:not(:checked)")
        kb.press("Space")
        kb.tab_to("[data-testid=attendance-sheet] input[name$=certificate_number]")
        kb.type(number)
    kb.tab_to("form[data-attendance-sheet] button[type=submit]")
    kb.press("Enter", navigates=True)
    passed = Attendance.objects.filter(course=course, passed=True, attended=True)
    assert set(passed.values_list("certificate_number", flat=True)) == {"SXSH-BP-1", "SXSH-BP-2"}
    assert passed.filter(officer=first).exists()
    assert not kb.problems, "\n".join(kb.problems)


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


def test_doit_requests_the_yearly_report_and_filters_the_archive_with_the_keyboard_only(
    page, keyboard, private_storage, doit_user, enterprise_x
):
    from tests.factories import SavingsLineFactory, SavingsReportFactory, resource

    last_year = timezone.localdate().year - 1
    report = SavingsReportFactory(enterprise=enterprise_x, year=last_year, status="verified")
    SavingsLineFactory(report=report, resource=resource("electricity"), quantity=12_000, vnd_saved=22_800_000)
    kb = keyboard("doit-report-request-archive")
    doit_sign_in(kb, doit_user)
    kb.skip_to_content()
    kb.tab_to("nav a[href='/reports/']", back=True)
    kb.press("Enter", navigates=True)
    form = "[data-testid=report-request]"
    kb.tab_to(f"{form} select[name=year]")
    kb.choose(str(last_year))
    kb.tab_to(f"{form} input[name=format]")
    kb.note("the format is a radio group: the arrow keys move and choose")
    arrow_to(kb, "pdf")
    kb.tab_to(f"{form} button[type=submit]")
    kb.press("Enter", navigates=True, timeout=90_000)  # the report is built while the request waits here
    job = ReportJob.objects.get()
    assert (job.year, job.format) == (last_year, "pdf")
    page.locator("[data-testid=download-pdf]").first.wait_for(timeout=60_000)

    kb.note("the archive: its filters, then the file")
    kb.tab_to("[data-testid=archive-filters] select[name=year]")
    kb.choose(str(last_year))
    kb.tab_to("[data-testid=archive-filters] select[name=status]")
    kb.choose("done")
    kb.tab_to("[data-testid=archive-filters] button[type=submit]")
    kb.press("Enter", navigates=True)
    assert f"year={last_year}" in page.url and "status=done" in page.url
    kb.tab_to("[data-testid=download-pdf]")
    with page.expect_download() as download:
        kb.press("Enter")
    assert download.value.suggested_filename.endswith(".pdf")
    unread = [line for line in kb.lines if "link, “Thông báo" in line and "chưa đọc" in line]
    assert unread and all("“Thông báo 1 thông báo chưa đọc”" in line for line in unread), unread  # the count said once
    assert not kb.problems, "\n".join(kb.problems)


def test_enterprise_staff_change_their_email_settings_with_the_keyboard_only(page, keyboard, staff_x):
    kb = keyboard("enterprise-staff-email-settings")
    kb.sign_in(staff_x)
    kb.skip_to_content()
    kb.tab_to("[data-testid=notifications-link]", back=True)
    kb.press("Enter", navigates=True)
    kb.tab_to("[data-testid=notification-settings]")
    kb.press("Enter", navigates=True)
    kb.tab_to("main input[name=email]")
    kb.note("one e-mail a day: the arrow keys in the radio group")
    arrow_to(kb, "digest")
    kb.tab_to("main form button[type=submit]")
    kb.press("Enter", navigates=True)
    assert NotificationSettings.objects.get(user=staff_x).email == "digest"
    assert not kb.problems, "\n".join(kb.problems)


def test_the_focus_survives_the_parts_of_a_page_that_update_themselves(page, keyboard, officer_a):
    """An import's progress and the report list are replaced every two seconds while a job runs:
    a focused link keeps the focus, and when it is gone (the job ended) the focus goes to the
    part's heading, which a screen reader then reads, not to the top of the page."""
    from tests.factories import ReportJobFactory

    year = timezone.localdate().year - 1
    ReportJobFactory(  # a report already built: its download link is where the focus waits
        requester=officer_a, district=officer_a.district, year=year, status="done", file="reports/bao-cao.pdf"
    )
    running = ReportJobFactory(requester=officer_a, district=officer_a.district, year=year, status="running")
    kb = keyboard("officer-self-updating-parts")
    kb.sign_in(officer_a)
    kb.goto("/reports/")
    kb.tab_to("[data-testid=download-pdf]")
    kb.note("three refreshes of the report list (a report is being built)")
    page.wait_for_timeout(6_500)
    assert focused_matches(page, "[data-testid=download-pdf]"), kb.focused()
    ReportJob.objects.filter(pk=running.pk).update(status="failed")

    job = ImportJob.objects.create(
        kind=ImportJob.Kind.ENTERPRISES, requester=officer_a, status="running", original_name="doanh-nghiep.xlsx"
    )
    kb.goto(f"/enterprises/import/{job.pk}/")
    kb.tab_to("[data-testid=import-progress] a")
    kb.note("the import is being checked: two refreshes")
    page.wait_for_timeout(4_500)
    assert focused_matches(page, "[data-testid=import-progress] a"), kb.focused()
    kb.note("the import ends (here with an error): the link is gone, the focus goes to the page's heading")
    ImportJob.objects.filter(pk=job.pk).update(status="failed", error="Tệp không đọc được.")
    page.locator("[data-testid=import-error]").wait_for()
    page.wait_for_timeout(300)
    said = kb.focused()
    assert focused_matches(page, "#import-job h1"), said
    assert not kb.problems, "\n".join(kb.problems)
