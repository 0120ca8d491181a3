"""Officers, courses, the attendance sheet and participants, as DOIT records them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AttendanceFactory,
    CourseFactory,
    EnterpriseFactory,
    EnterpriseParticipationFactory,
    OfficerFactory,
    TrainingOfficerFactory,
)
from training.models import Attendance, Course, EnterpriseParticipation, Officer

pytestmark = pytest.mark.django_db

CERT_TAKEN = "This certificate number is already recorded for another attendance."


# --- Certificate numbers ----------------------------------------------------------------------


def test_model_refuses_a_certificate_number_used_twice():
    AttendanceFactory(certificate_number="SXSH-2024-0001")
    duplicate = Attendance(
        officer=TrainingOfficerFactory(), course=CourseFactory(), passed=True, certificate_number="SXSH-2024-0001"
    )
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert excinfo.value.message_dict["certificate_number"] == [CERT_TAKEN]


def test_database_refuses_a_certificate_number_used_twice():
    AttendanceFactory(certificate_number="SXSH-2024-0001")
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceFactory(certificate_number="SXSH-2024-0001")


def test_blank_certificate_numbers_do_not_clash():
    AttendanceFactory(certificate_number="")
    other = AttendanceFactory.build(
        officer=TrainingOfficerFactory(), course=CourseFactory(), passed=False, certificate_number=""
    )
    other.full_clean()
    other.save()
    assert Attendance.objects.filter(certificate_number="").count() == 2


def test_certificate_requires_a_pass_and_a_pass_requires_attendance():
    with pytest.raises(ValidationError):
        AttendanceFactory.build(
            officer=TrainingOfficerFactory(), course=CourseFactory(), passed=False, certificate_number="X1"
        ).full_clean()
    with pytest.raises(ValidationError):
        AttendanceFactory.build(
            officer=TrainingOfficerFactory(), course=CourseFactory(), attended=False, passed=True
        ).full_clean()


# --- The attendance sheet ---------------------------------------------------------------------


@pytest.fixture
def course_a(district_a):
    return CourseFactory(title="Tập huấn quận A", district=district_a, start_date=dt.date(2024, 3, 1))


def sheet_data(response_or_course, client, rows: dict[int, dict]) -> dict:
    """POST data for the sheet as the page renders it, with ``rows`` (officer pk -> values)."""
    response = client.get(reverse("training:course_detail", args=[response_or_course.pk]))
    sheet = response.context["sheet"]
    data = {"sheet-TOTAL_FORMS": str(len(sheet.forms)), "sheet-INITIAL_FORMS": str(len(sheet.forms))}
    for i, form in enumerate(sheet.forms):
        officer_id = form.initial["officer"]
        values = {**form.initial, **rows.get(officer_id, {})}
        data[f"sheet-{i}-officer"] = str(officer_id)
        if values.get("attended"):
            data[f"sheet-{i}-attended"] = "on"
        if values.get("passed"):
            data[f"sheet-{i}-passed"] = "on"
        data[f"sheet-{i}-certificate_number"] = values.get("certificate_number", "")
    return data


def test_sheet_offers_officers_in_post_during_the_course(login, doit_user, course_a, district_a, district_b):
    in_post = TrainingOfficerFactory(full_name="Đang Công Tác", district=district_a)
    TrainingOfficerFactory(full_name="Đã Nghỉ", district=district_a, tenure_end=dt.date(2024, 2, 29))
    TrainingOfficerFactory(full_name="Chưa Đến", district=district_a, tenure_start=dt.date(2024, 3, 2))
    TrainingOfficerFactory(full_name="Huyện Khác", district=district_b)
    response = login(doit_user).get(reverse("training:course_detail", args=[course_a.pk]))
    offered = [form.officer_obj for form in response.context["sheet"].forms]
    assert offered == [in_post]


def test_city_wide_sheet_offers_every_district(login, doit_user, district_a, district_b):
    course = CourseFactory()
    officers = {TrainingOfficerFactory(district=district_a), TrainingOfficerFactory(district=district_b)}
    response = login(doit_user).get(reverse("training:course_detail", args=[course.pk]))
    assert {form.officer_obj for form in response.context["sheet"].forms} == officers


def test_sheet_records_adds_changes_and_removes(login, doit_user, course_a, district_a):
    one, two, three = (TrainingOfficerFactory(district=district_a) for _ in range(3))
    AttendanceFactory(officer=three, course=course_a, passed=False)
    client = login(doit_user)
    data = sheet_data(
        course_a,
        client,
        {
            one.pk: {"attended": True, "passed": True, "certificate_number": " SXSH-1 "},
            two.pk: {"attended": True},
            three.pk: {"attended": False},
        },
    )
    response = client.post(reverse("training:course_attendance", args=[course_a.pk]), data)
    assert response.status_code == 302
    recorded = {a.officer_id: a for a in Attendance.objects.filter(course=course_a)}
    assert set(recorded) == {one.pk, two.pk}
    assert (recorded[one.pk].passed, recorded[one.pk].certificate_number) == (True, "SXSH-1")
    assert (recorded[two.pk].attended, recorded[two.pk].passed) == (True, False)
    # The removal is kept in the change history.
    assert Attendance.history.filter(officer_id=three.pk, history_type="-").exists()


def test_sheet_shows_certificate_taken_elsewhere_and_writes_nothing(login, doit_user, course_a, district_a):
    holder = TrainingOfficerFactory(full_name="Hồ Văn Cũ", district=district_a, tenure_end=dt.date(2023, 1, 1))
    AttendanceFactory(officer=holder, certificate_number="SXSH-9", course=CourseFactory(title="Khóa cũ"))
    officer = TrainingOfficerFactory(full_name="Lê Thị Mới", district=district_a)
    client = login(doit_user)
    data = sheet_data(
        course_a, client, {officer.pk: {"attended": True, "passed": True, "certificate_number": "SXSH-9"}}
    )
    response = client.post(reverse("training:course_attendance", args=[course_a.pk]), data)
    assert response.status_code == 200
    (form,) = response.context["sheet"].forms
    assert form.errors["certificate_number"] == [
        "Certificate number SXSH-9 is already recorded for Hồ Văn Cũ (Khóa cũ)."
    ]
    body = response.content.decode()
    assert "SXSH-9" in body and 'value="SXSH-9"' in body  # the input is kept
    assert not Attendance.objects.filter(course=course_a).exists()


def test_sheet_refuses_the_same_certificate_twice(login, doit_user, course_a, district_a):
    one, two = TrainingOfficerFactory(district=district_a), TrainingOfficerFactory(district=district_a)
    client = login(doit_user)
    values = {"attended": True, "passed": True, "certificate_number": "SXSH-2"}
    data = sheet_data(course_a, client, {one.pk: values, two.pk: values})
    response = client.post(reverse("training:course_attendance", args=[course_a.pk]), data)
    assert response.status_code == 200
    for form in response.context["sheet"].forms:
        assert form.errors["certificate_number"] == ["This certificate number is entered twice on the sheet."]
    assert not Attendance.objects.exists()


def test_sheet_lets_two_officers_swap_certificates(login, doit_user, course_a, district_a):
    one, two = TrainingOfficerFactory(district=district_a), TrainingOfficerFactory(district=district_a)
    AttendanceFactory(officer=one, course=course_a, certificate_number="A")
    AttendanceFactory(officer=two, course=course_a, certificate_number="B")
    client = login(doit_user)
    data = sheet_data(course_a, client, {one.pk: {"certificate_number": "B"}, two.pk: {"certificate_number": "A"}})
    assert client.post(reverse("training:course_attendance", args=[course_a.pk]), data).status_code == 302
    assert Attendance.objects.get(officer=one).certificate_number == "B"
    assert Attendance.objects.get(officer=two).certificate_number == "A"


def test_sheet_refuses_pass_without_attendance(login, doit_user, course_a, district_a):
    officer = TrainingOfficerFactory(district=district_a)
    client = login(doit_user)
    data = sheet_data(course_a, client, {officer.pk: {"passed": True}})
    response = client.post(reverse("training:course_attendance", args=[course_a.pk]), data)
    assert response.context["sheet"].forms[0].errors["passed"] == ["An officer who did not attend cannot pass."]
    assert not Attendance.objects.exists()


def test_sheet_refuses_an_officer_not_offered(login, doit_user, course_a, district_b):
    outsider = TrainingOfficerFactory(district=district_b)
    data = {
        "sheet-TOTAL_FORMS": "1",
        "sheet-INITIAL_FORMS": "1",
        "sheet-0-officer": str(outsider.pk),
        "sheet-0-attended": "on",
    }
    response = login(doit_user).post(reverse("training:course_attendance", args=[course_a.pk]), data)
    assert response.status_code == 200
    assert response.context["sheet"].non_form_errors()
    assert not Attendance.objects.exists()


# --- Participants -----------------------------------------------------------------------------


def test_doit_adds_updates_and_removes_a_participant(login, doit_user, district_a):
    course = CourseFactory(kind="awareness")
    enterprise = EnterpriseFactory(district=district_a)
    client = login(doit_user)
    url = reverse("training:participant_add", args=[course.pk])
    assert client.post(url, {"p-enterprise": f" {enterprise.tax_code} ", "p-attendees": "3"}).status_code == 302
    assert client.post(url, {"p-enterprise": enterprise.tax_code, "p-attendees": "5"}).status_code == 302
    participation = EnterpriseParticipation.objects.get()
    assert (participation.enterprise, participation.attendees) == (enterprise, 5)
    client.post(reverse("training:participant_remove", args=[course.pk, participation.pk]))
    assert not EnterpriseParticipation.objects.exists()


def test_unknown_tax_code_is_refused_with_input_kept(login, doit_user):
    course = CourseFactory(kind="awareness")
    response = login(doit_user).post(
        reverse("training:participant_add", args=[course.pk]), {"p-enterprise": "0100000000", "p-attendees": "2"}
    )
    assert response.status_code == 200
    assert response.context["participation_form"].errors["enterprise"] == ["No enterprise with this tax code."]
    assert 'value="0100000000"' in response.content.decode()


def test_officer_training_takes_no_enterprises(login, doit_user):
    course = CourseFactory(kind="officer")
    enterprise = EnterpriseFactory()
    response = login(doit_user).post(
        reverse("training:participant_add", args=[course.pk]), {"p-enterprise": enterprise.tax_code, "p-attendees": "2"}
    )
    assert response.status_code == 200
    assert not EnterpriseParticipation.objects.exists()
    with pytest.raises(ValidationError):
        EnterpriseParticipationFactory.build(enterprise=enterprise, course=course).full_clean()


# --- Officers and courses ---------------------------------------------------------------------


def test_doit_records_and_edits_an_officer(login, doit_user, district_a):
    client = login(doit_user)
    account = OfficerFactory(username="canbo.dongda", district=district_a)
    response = client.post(
        reverse("training:officer_create"),
        {
            "full_name": "Phạm Thị Hoa",
            "district": district_a.pk,
            "position": "Chuyên viên",
            "tenure_start": "2023-04-01",
            "user": account.pk,
        },
    )
    officer = Officer.objects.get()
    assert response.url == officer.get_absolute_url()
    assert (officer.name_key, officer.user) == ("pham thi hoa", account)
    response = client.post(
        reverse("training:officer_edit", args=[officer.pk]),
        {
            "full_name": "Phạm Thị Hoa",
            "district": district_a.pk,
            "position": "Phó Trưởng phòng",
            "tenure_start": "01/04/2023",
            "tenure_end": "31/12/2025",
        },
    )
    officer.refresh_from_db()
    assert (officer.position, officer.tenure_end, officer.user) == ("Phó Trưởng phòng", dt.date(2025, 12, 31), None)
    assert officer.history.count() == 2
    history = client.get(officer.get_absolute_url()).context["history"]
    assert history[0].changed_fields == ["position", "in post until", "portal account"]


def test_officer_form_keeps_input_on_error(login, doit_user, district_a, district_b):
    account = OfficerFactory(username="canbo.donganh", district=district_b)
    response = login(doit_user).post(
        reverse("training:officer_create"),
        {
            "full_name": "Vũ Văn Sai",
            "district": district_a.pk,
            "position": "Chuyên viên",
            "tenure_start": "2024-05-01",
            "tenure_end": "2024-04-30",
            "user": account.pk,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["tenure_end"] == ["The end of tenure cannot be before its start."]
    assert form.errors["user"] == ["Link an account of an officer of the same office."]
    assert "Vũ Văn Sai" in response.content.decode()
    assert not Officer.objects.exists()


def test_doit_records_a_course(login, doit_user, district_a):
    client = login(doit_user)
    data = {
        "title": "Tập huấn SXSH",
        "kind": "officer",
        "start_date": "2025-03-10",
        "end_date": "2025-03-09",
        "hours": "16",
        "organiser": "Sở Công Thương",
        "district": "",
    }
    response = client.post(reverse("training:course_create"), data)
    assert response.context["form"].errors["end_date"] == ["The course cannot end before it starts."]
    assert not Course.objects.exists()
    response = client.post(reverse("training:course_create"), {**data, "end_date": "2025-03-11"})
    course = Course.objects.get()
    assert response.url == course.get_absolute_url()
    assert course.is_city_wide and course.hours == 16


def test_officer_page_lists_course_history(login, officer_a, district_a):
    officer = TrainingOfficerFactory(district=district_a)
    AttendanceFactory(officer=officer, course=CourseFactory(title="Khóa 2021", start_date=dt.date(2021, 5, 1)))
    AttendanceFactory(
        officer=officer, course=CourseFactory(title="Khóa 2024", start_date=dt.date(2024, 5, 1)), passed=False
    )
    response = login(officer_a).get(officer.get_absolute_url())
    titles = [a.course.title for a in response.context["attendances"]]
    assert titles == ["Khóa 2024", "Khóa 2021"]


def test_officer_list_filters(login, doit_user, district_a, district_b):
    today = timezone.localdate()
    trained = TrainingOfficerFactory(full_name="Nguyễn Đức Được", district=district_a)
    AttendanceFactory(officer=trained, course=CourseFactory(start_date=today - dt.timedelta(days=10)))
    untrained = TrainingOfficerFactory(full_name="Trần Chưa Học", district=district_a)
    left = TrainingOfficerFactory(full_name="Lê Đã Nghỉ", district=district_b, tenure_end=today - dt.timedelta(days=1))
    client = login(doit_user)

    def names(**query):
        response = client.get(reverse("training:officers"), query)
        return {o.full_name for o in response.context["page"]}

    assert names() == {trained.full_name, untrained.full_name, left.full_name}
    assert names(status="in_post") == {trained.full_name, untrained.full_name}
    assert names(status="left") == {left.full_name}
    assert names(trained="yes") == {trained.full_name}
    assert names(trained="no") == {untrained.full_name, left.full_name}
    assert names(district=district_b.pk) == {left.full_name}
    assert names(q="duoc") == {trained.full_name}
