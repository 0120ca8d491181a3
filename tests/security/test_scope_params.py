"""Object ids that arrive in form fields and query strings are checked against the user's scope on
the server, not only in the page that offered them: another district's id posted into a select,
another enterprise's id in a create form, an object of another parent in a formset or URL, a
filter with another district's id. Each test posts what a tampered browser would and checks that
nothing out of scope is written or shown."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import Role, User
from assessments.models import Assessment, CPOption, Evidence, SavingsLine, SavingsReport
from enterprises.models import Enterprise, ImportJob, IndustrialZone
from reporting.models import ReportJob
from tests.assessments.assessment_forms import formset, full_post, header, option
from tests.assessments.test_savings_views import form_data as savings_form
from tests.assessments.test_savings_views import line as savings_line
from tests.enterprises.test_views import form_data as enterprise_form
from tests.factories import (
    AssessmentFactory,
    AttendanceFactory,
    CourseFactory,
    EnterpriseParticipationFactory,
    SavingsReportFactory,
)
from training.models import Attendance, EnterpriseParticipation

from .conftest import attendance_workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def a(sides):
    return sides["A"]


@pytest.fixture
def b(sides):
    return sides["B"]


def form_errors(response, name: str = "form") -> dict:
    assert response.status_code in (200, 400), response.status_code
    return response.context[name].errors


# --------------------------------------------------------------------------- enterprises


def test_officer_cannot_register_an_enterprise_in_another_commune(login, officer_a, commune_b):
    data = enterprise_form(commune=commune_b.pk)
    response = login(officer_a, language="en").post(reverse("enterprises:create"), data)
    assert form_errors(response)["commune"] == ["You can only register enterprises in your own commune or ward."]
    assert not Enterprise.objects.filter(tax_code=data["tax_code"]).exists()


def test_officer_cannot_move_an_enterprise_to_another_commune(login, officer_a, a, commune_b):
    response = login(officer_a).post(
        reverse("enterprises:edit", args=[a.enterprise.pk]), enterprise_form(a.enterprise, commune=commune_b.pk)
    )
    assert "commune" in form_errors(response)
    a.enterprise.refresh_from_db()
    assert a.enterprise.district_id == a.district.pk and a.enterprise.commune_id != commune_b.pk


def test_officer_cannot_place_an_enterprise_in_another_districts_industrial_zone(login, officer_a, a, district_b):
    zone = IndustrialZone.objects.create(name="KCN Bắc Thăng Long thử", district=district_b)
    response = login(officer_a).post(
        reverse("enterprises:edit", args=[a.enterprise.pk]), enterprise_form(a.enterprise, industrial_zone=zone.pk)
    )
    assert "industrial_zone" in form_errors(response)
    a.enterprise.refresh_from_db()
    assert a.enterprise.industrial_zone_id is None


def test_enterprise_staff_posting_profile_fields_change_only_their_contact(login, staff_x, a, district_b):
    before = Enterprise.objects.get(pk=a.enterprise.pk)
    data = enterprise_form(a.enterprise, district=district_b.pk, name="Tên bị sửa", tax_code="0100109106")
    data["contact_name"] = "Người liên hệ mới"
    response = login(staff_x).post(reverse("enterprises:edit", args=[a.enterprise.pk]), data)
    assert response.status_code == 302
    after = Enterprise.objects.get(pk=a.enterprise.pk)
    assert (after.district_id, after.name, after.tax_code) == (before.district_id, before.name, before.tax_code)
    assert after.contact_name == "Người liên hệ mới"


def test_another_districts_id_in_the_list_and_export_query_string_shows_nothing_of_it(
    login, officer_a, a, b, district_b
):
    client = login(officer_a)
    page = client.get(reverse("enterprises:list"), {"district": district_b.pk, "q": b.enterprise.name})
    assert page.status_code == 200 and list(page.context["page"]) == []
    listed = {e.pk for e in client.get(reverse("enterprises:list"), {"district": district_b.pk}).context["page"]}
    assert listed and b.enterprise.pk not in listed
    assert listed == set(Enterprise.objects.filter(district=a.district).values_list("pk", flat=True))
    export = client.get(reverse("enterprises:export"), {"district": district_b.pk})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None}
    assert a.enterprise.tax_code in cells and b.enterprise.tax_code not in cells


def test_pending_import_belongs_to_the_user_who_uploaded_it(login, officer_a, officer_b):
    job = ImportJob.objects.create(kind="enterprises", requester=officer_a, status="done", summary={"ok": True})
    other = login(officer_b)
    assert other.get(reverse("enterprises:import_job", args=[job.pk])).status_code == 404
    assert other.post(reverse("enterprises:import_confirm", args=[job.pk])).status_code == 404
    assert other.post(reverse("enterprises:import_cancel", args=[job.pk])).status_code == 404
    assert ImportJob.objects.filter(pk=job.pk, phase="preview").exists()


# --------------------------------------------------------------------------- assessments


def _new_assessment_data(**extra) -> dict:
    return {**header(), **formset("baseline", []), **formset("options", []), **extra}


def test_out_of_scope_enterprise_in_the_assessment_create_query_string_is_404(login, officer_a, b):
    client = login(officer_a)
    assert client.get(reverse("assessments:create"), {"enterprise": b.enterprise.pk}).status_code == 404
    url = f"{reverse('assessments:create')}?enterprise={b.enterprise.pk}"
    assert client.post(url, _new_assessment_data()).status_code == 404
    assert Assessment.objects.filter(enterprise=b.enterprise).count() == 1  # only the fixture's


def test_out_of_scope_enterprise_in_the_assessment_create_post_is_404(login, officer_a, a, b):
    client = login(officer_a)
    response = client.post(reverse("assessments:create"), _new_assessment_data(enterprise=b.enterprise.pk))
    assert response.status_code == 404
    # With an enterprise of the officer's own in the query string, a posted one changes nothing.
    url = f"{reverse('assessments:create')}?enterprise={a.enterprise.pk}"
    assert client.post(url, _new_assessment_data(enterprise=b.enterprise.pk)).status_code == 302
    assert Assessment.objects.filter(enterprise=b.enterprise).count() == 1
    assert Assessment.objects.filter(enterprise=a.enterprise).count() == 2


def test_enterprise_choice_page_lists_only_the_officers_district(login, officer_a, a, b):
    page = login(officer_a).get(reverse("assessments:create"), {"q": b.enterprise.name})
    assert page.status_code == 200 and list(page.context["page"]) == []


def test_another_assessments_option_id_in_the_formset_is_not_touched(login, officer_a, a, b):
    own = AssessmentFactory(enterprise=a.enterprise, year=2024)
    foreign = b.option
    data = full_post(own, options=[option(id=foreign.pk, description="Sửa trộm", DELETE="on")], year=2024)
    data["options-INITIAL_FORMS"] = "1"
    response = login(officer_a).post(reverse("assessments:edit", args=[own.pk]), data)
    assert response.status_code == 302  # saved: the foreign row was not one of this assessment's, so left alone
    foreign.refresh_from_db()
    assert foreign.description != "Sửa trộm" and foreign.assessment_id == b.assessment.pk
    assert not CPOption.objects.filter(description="Sửa trộm").exists()
    own.refresh_from_db()  # the version moved on with the save
    data = full_post(own, options=[option(id=foreign.pk, DELETE="on")], year=2024)
    data["options-INITIAL_FORMS"] = "1"
    assert login(officer_a).post(reverse("assessments:edit", args=[own.pk]), data).status_code == 302
    assert CPOption.objects.filter(pk=foreign.pk).exists()


@pytest.mark.parametrize(
    ("who", "action", "status"),
    [
        ("staff_x", "submit", "draft"),  # read-only on assessments
        ("doit_user", "submit", "draft"),  # DOIT reviews, it does not submit
        ("officer_a", "approve", "submitted"),  # an officer cannot approve their own work
        ("staff_x", "return", "submitted"),
    ],
)
def test_complete_workflow_post_by_a_read_only_role_is_403(request, login, a, who, action, status):
    Assessment.objects.filter(pk=a.assessment.pk).update(status=status)
    user = request.getfixturevalue(who)
    response = login(user).post(
        reverse(f"assessments:{action}", args=[a.assessment.pk]), {"version": a.assessment.version, "comment": "x"}
    )
    assert response.status_code == 403
    assert Assessment.objects.get(pk=a.assessment.pk).status == status


# --------------------------------------------------------------------------- savings reports and evidence


def test_enterprise_id_posted_into_savings_create_is_ignored(login, staff_x, a, b):
    data = savings_form(year=2022, lines=[savings_line()])
    data["enterprise"] = b.enterprise.pk
    response = login(staff_x).post(reverse("savings:create"), data)
    assert response.status_code == 302
    assert SavingsReport.objects.get(year=2022).enterprise_id == a.enterprise.pk
    assert not SavingsReport.objects.filter(enterprise=b.enterprise, year=2022).exists()


def test_another_enterprises_option_in_a_savings_line_is_refused(login, staff_x, b):
    data = savings_form(year=2022, lines=[savings_line(option=b.option.pk)])
    response = login(staff_x, language="en").post(reverse("savings:create"), data)
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["option"] == ["Choose one of your enterprise's own options."]
    assert not SavingsReport.objects.filter(year=2022).exists()
    assert not SavingsLine.objects.filter(option=b.option).exclude(report=b.report).exists()


def test_another_reports_line_id_in_the_savings_formset_is_refused(login, staff_x, a, b):
    foreign = b.line
    data = savings_form(
        year=a.report.year,
        period=a.report.period,
        version=a.report.version,
        initial=1,
        lines=[{"id": foreign.pk, "resource": foreign.resource_id, "quantity": "1", "vnd_saved": "1", "option": ""}],
    )
    response = login(staff_x).post(reverse("savings:edit", args=[a.report.pk]), data)
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    foreign.refresh_from_db()
    assert foreign.quantity != 1 and foreign.report_id == b.report.pk


def test_evidence_of_another_report_is_404_for_download_and_delete(login, staff_x, a, b):
    sibling = SavingsReportFactory(enterprise=a.enterprise, year=2022, period="Y")
    sibling_evidence = Evidence.objects.create(
        report=sibling, file=a.evidence.file.name, original_name="x.pdf", content_type="application/pdf", size=1
    )
    client = login(staff_x)
    for evidence in (b.evidence, sibling_evidence):  # another enterprise's, and another report of the same one
        url = reverse("savings:evidence_download", args=[a.report.pk, evidence.pk])
        assert client.get(url).status_code == 404
        url = reverse("savings:evidence_delete", args=[a.report.pk, evidence.pk])
        assert client.post(url).status_code == 404
        assert Evidence.objects.filter(pk=evidence.pk).exists()


def test_savings_list_query_string_does_not_reach_another_enterprise(login, staff_x, officer_a, a, b):
    for user in (staff_x, officer_a):
        page = login(user).get(reverse("savings:list"), {"q": b.enterprise.name, "district": b.district.pk})
        assert page.status_code == 200 and list(page.context["page"]) == []


def test_assessment_list_with_another_districts_id_shows_only_own_district(login, officer_a, a, b, district_b):
    page = login(officer_a).get(reverse("assessments:list"), {"district": district_b.pk})
    assert {x.pk for x in page.context["page"]} == {a.assessment.pk}


# --------------------------------------------------------------------------- training


def test_officer_cannot_record_attendance_even_for_own_district(login, officer_a, a):
    data = {
        "sheet-TOTAL_FORMS": "1",
        "sheet-INITIAL_FORMS": "1",
        "sheet-0-officer": str(a.officer.pk),
        "sheet-0-attended": "on",
        "sheet-0-passed": "on",
    }
    Attendance.objects.all().delete()
    assert login(officer_a).post(reverse("training:course_attendance", args=[a.course.pk]), data).status_code == 403
    assert not Attendance.objects.exists()


def test_another_districts_officer_id_in_a_district_course_sheet_is_refused(login, doit_user, a, b):
    Attendance.objects.all().delete()
    data = {
        "sheet-TOTAL_FORMS": "1",
        "sheet-INITIAL_FORMS": "1",
        "sheet-0-officer": str(b.officer.pk),  # district B's officer on district A's course
        "sheet-0-attended": "on",
    }
    response = login(doit_user).post(reverse("training:course_attendance", args=[a.course.pk]), data)
    assert response.status_code == 200 and response.context["sheet"].non_form_errors()
    assert not Attendance.objects.exists()


def test_participation_of_another_course_is_404(login, doit_user, a, b):
    url = reverse("training:participant_remove", args=[a.workshop.pk, b.participation.pk])
    assert login(doit_user).post(url).status_code == 404
    assert EnterpriseParticipation.objects.filter(pk=b.participation.pk).exists()


def test_pending_attendance_upload_is_bound_to_its_course(login, doit_user, a, b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(doit_user)
    upload = SimpleUploadedFile("d.xlsx", attendance_workbook())
    response = client.post(reverse("training:attendance_import", args=[a.course.pk]), {"file": upload})
    job = ImportJob.objects.get(requester=doit_user)
    assert response.status_code == 302 and job.previewed and job.target_id == a.course.pk
    before = Attendance.objects.count()
    response = client.post(reverse("training:attendance_import_preview", args=[b.course.pk, job.pk]))
    assert response.status_code == 404
    assert Attendance.objects.count() == before


def test_training_filters_with_another_districts_id_show_only_own_district(login, officer_a, a, b, district_b):
    client = login(officer_a)
    officers = client.get(reverse("training:officers"), {"district": district_b.pk}).context["page"]
    assert {o.pk for o in officers} == {a.officer.pk}
    courses = {c.pk for c in client.get(reverse("training:courses"), {"district": district_b.pk}).context["page"]}
    assert a.course.pk in courses and b.course.pk not in courses and b.workshop.pk not in courses
    rows = client.get(reverse("training:coverage")).context["rows"]
    assert [row.district_id for row in rows] == [a.enterprise.commune_id]


# --------------------------------------------------------------------------- reports


def test_officer_cannot_request_a_report_for_another_commune_or_the_city(login, officer_a, commune_b):
    client = login(officer_a, language="en")
    before = ReportJob.objects.count()
    for commune in (commune_b.pk, ""):
        response = client.post(reverse("reporting:list"), {"year": 2025, "commune": commune, "format": "pdf"})
        assert response.status_code == 200
        assert "commune" in response.context["form"].errors
    assert ReportJob.objects.count() == before


def test_officer_report_list_shows_only_own_district_jobs(login, officer_a, a, b):
    for name in ("reporting:list", "reporting:jobs"):
        jobs = login(officer_a).get(reverse(name)).context["jobs"]
        assert sorted(job.pk for job in jobs) == sorted([a.job.pk, *a.batch.jobs.values_list("pk", flat=True)])


# --------------------------------------------------------------------------- user accounts


def _account(**overrides) -> dict:
    data = {
        "username": "tai.khoan.moi",
        "full_name": "Đỗ Thị Mới",
        "email": "tai.khoan.moi@example.vn",
        "phone": "",
        "role": Role.ENTERPRISE,
        "district": "",
        "enterprise": "",
    }
    data.update(overrides)
    return data


def _edit(user, **overrides) -> dict:
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "district": user.district_id or "",
        "enterprise": user.enterprise.tax_code if user.enterprise_id else "",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_officer_cannot_create_an_account_for_another_districts_enterprise(login, officer_a, b):
    response = login(officer_a).post(reverse("accounts:user_create"), _account(enterprise=b.enterprise.tax_code))
    assert "enterprise" in form_errors(response)
    assert not User.objects.filter(username="tai.khoan.moi").exists()


@pytest.mark.parametrize("role", [Role.OFFICER, Role.DOIT])
def test_officer_cannot_create_officer_or_doit_accounts(login, officer_a, a, role):
    data = _account(role=role, district=a.district.pk, enterprise=a.enterprise.tax_code)
    response = login(officer_a).post(reverse("accounts:user_create"), data)
    assert "role" in form_errors(response)
    assert not User.objects.filter(username="tai.khoan.moi").exists()


def test_officer_cannot_change_a_role_or_move_an_account_by_post(login, officer_a, a, b, district_b):
    target = a.account
    client = login(officer_a)
    url = reverse("accounts:user_edit", args=[target.pk])
    assert "role" in form_errors(client.post(url, _edit(target, role=Role.OFFICER, district=district_b.pk)))
    assert "enterprise" in form_errors(client.post(url, _edit(target, enterprise=b.enterprise.tax_code)))
    target.refresh_from_db()
    assert (target.role, target.district_id, target.enterprise_id) == (Role.ENTERPRISE, None, a.enterprise.pk)


def test_posted_superuser_and_staff_flags_are_ignored(login, doit_user, officer_a, a):
    extra = {"is_superuser": "on", "is_staff": "on", "groups": "1"}
    response = login(doit_user).post(
        reverse("accounts:user_create"), _account(enterprise=a.enterprise.tax_code, **extra)
    )
    assert response.status_code == 302
    created = User.objects.get(username="tai.khoan.moi")
    assert not created.is_superuser and not created.is_staff and created.role == Role.ENTERPRISE
    client = login(doit_user)
    client.post(reverse("accounts:user_edit", args=[officer_a.pk]), {**_edit(officer_a), **extra})
    officer_a.refresh_from_db()
    assert not officer_a.is_superuser and not officer_a.is_staff and officer_a.role == Role.OFFICER


def test_user_list_search_does_not_reach_another_district(login, officer_a, a, b):
    page = login(officer_a).get(reverse("accounts:users"), {"q": b.account.username})
    assert list(page.context["page"]) == []
    page = login(officer_a).get(reverse("accounts:users"), {"q": a.account.username})
    assert [u.pk for u in page.context["page"]] == [a.account.pk]


def test_city_wide_course_shows_an_officer_only_own_districts_people(login, officer_a, a, b):
    officer_course = CourseFactory(kind="officer", district=None, title="Tập huấn toàn thành phố")
    AttendanceFactory(officer=a.officer, course=officer_course)
    AttendanceFactory(officer=b.officer, course=officer_course)
    awareness = CourseFactory(kind="awareness", district=None, title="Hội thảo toàn thành phố")
    EnterpriseParticipationFactory(enterprise=a.enterprise, course=awareness)
    EnterpriseParticipationFactory(enterprise=b.enterprise, course=awareness)
    client = login(officer_a)
    page = client.get(reverse("training:course_detail", args=[officer_course.pk]))
    assert [x.officer_id for x in page.context["attendances"]] == [a.officer.pk]
    assert b.officer.full_name not in page.content.decode()
    page = client.get(reverse("training:course_detail", args=[awareness.pk]))
    assert [p.enterprise_id for p in page.context["participants"]] == [a.enterprise.pk]
    assert b.enterprise.name not in page.content.decode()
    listed = {c.pk: c for c in client.get(reverse("training:courses")).context["page"]}
    assert listed[officer_course.pk].n_attended == 1 and listed[awareness.pk].n_enterprises == 1
