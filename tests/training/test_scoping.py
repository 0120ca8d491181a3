"""Who sees what in the training module: every URL × role (DESIGN.md §4)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import (
    AttendanceFactory,
    CourseFactory,
    EnterpriseFactory,
    EnterpriseParticipationFactory,
    TrainingOfficerFactory,
)
from training.models import Attendance, Course, Officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(district_a, district_b):
    officer_a = TrainingOfficerFactory(full_name="Nguyễn Văn Quận A", district=district_a)
    officer_b = TrainingOfficerFactory(full_name="Trần Thị Huyện B", district=district_b)
    city = CourseFactory(title="Khóa toàn thành phố")
    course_a = CourseFactory(title="Khóa quận A", district=district_a, kind="awareness")
    course_b = CourseFactory(title="Khóa huyện B", district=district_b, kind="awareness")
    AttendanceFactory(officer=officer_a, course=city, certificate_number="CC-A")
    AttendanceFactory(officer=officer_b, course=city, certificate_number="CC-B")
    enterprise_a = EnterpriseFactory(name="Doanh nghiệp Quận A", district=district_a)
    enterprise_b = EnterpriseFactory(name="Doanh nghiệp Huyện B", district=district_b)
    part_a = EnterpriseParticipationFactory(enterprise=enterprise_a, course=course_a)
    part_b_city = EnterpriseParticipationFactory(enterprise=enterprise_b, course=course_a)
    part_b = EnterpriseParticipationFactory(enterprise=enterprise_b, course=course_b)
    return {
        "officer_a": officer_a,
        "officer_b": officer_b,
        "city": city,
        "course_a": course_a,
        "course_b": course_b,
        "part_a": part_a,
        "part_b_city": part_b_city,
        "part_b": part_b,
    }


def urls(w):
    """(name, url, method) of every training page, for objects of district A (in scope of
    officer A) and B (out of scope)."""
    a, b = w["officer_a"], w["officer_b"]
    ca, cb = w["course_a"], w["course_b"]
    return {
        "officers": (reverse("training:officers"), "get"),
        "officer_new": (reverse("training:officer_create"), "get"),
        "officer_a": (reverse("training:officer_detail", args=[a.pk]), "get"),
        "officer_b": (reverse("training:officer_detail", args=[b.pk]), "get"),
        "officer_a_edit": (reverse("training:officer_edit", args=[a.pk]), "get"),
        "officer_b_edit": (reverse("training:officer_edit", args=[b.pk]), "get"),
        "courses": (reverse("training:courses"), "get"),
        "course_new": (reverse("training:course_create"), "get"),
        "course_city": (reverse("training:course_detail", args=[w["city"].pk]), "get"),
        "course_a": (reverse("training:course_detail", args=[ca.pk]), "get"),
        "course_b": (reverse("training:course_detail", args=[cb.pk]), "get"),
        "course_a_edit": (reverse("training:course_edit", args=[ca.pk]), "get"),
        "course_b_edit": (reverse("training:course_edit", args=[cb.pk]), "get"),
        "course_a_sheet": (reverse("training:course_attendance", args=[ca.pk]), "post"),
        "course_b_sheet": (reverse("training:course_attendance", args=[cb.pk]), "post"),
        "course_a_add": (reverse("training:participant_add", args=[ca.pk]), "post"),
        "course_b_add": (reverse("training:participant_add", args=[cb.pk]), "post"),
        "course_a_remove": (reverse("training:participant_remove", args=[ca.pk, w["part_a"].pk]), "post"),
        "course_b_remove": (reverse("training:participant_remove", args=[cb.pk, w["part_b"].pk]), "post"),
        "course_a_import": (reverse("training:attendance_import", args=[ca.pk]), "get"),
        "course_b_import": (reverse("training:attendance_import", args=[cb.pk]), "get"),
        "course_a_preview": (reverse("training:attendance_import_preview", args=[ca.pk, 1]), "get"),
        "import_template": (reverse("training:attendance_import_template"), "get"),
        "coverage": (reverse("training:coverage"), "get"),
        "coverage_xlsx": (reverse("training:coverage_export"), "get"),
    }


EXPECTED_OFFICER = {
    "officers": 200,
    "officer_new": 403,
    "officer_a": 200,
    "officer_b": 404,
    "officer_a_edit": 403,
    "officer_b_edit": 404,
    "courses": 200,
    "course_new": 403,
    "course_city": 200,
    "course_a": 200,
    "course_b": 404,
    "course_a_edit": 403,
    "course_b_edit": 404,
    "course_a_sheet": 403,
    "course_b_sheet": 404,
    "course_a_add": 403,
    "course_b_add": 404,
    "course_a_remove": 403,
    "course_b_remove": 404,
    "course_a_import": 403,
    "course_b_import": 404,
    "course_a_preview": 403,
    "import_template": 403,
    "coverage": 200,
    "coverage_xlsx": 200,
}


def _status(client, url, method):
    return (client.post(url) if method == "post" else client.get(url)).status_code


def test_doit_reaches_every_page(login, doit_user, world):
    client = login(doit_user)
    for name, (url, method) in urls(world).items():
        if method == "post":
            continue  # writes are tested with real data elsewhere
        expected = 404 if name == "course_a_preview" else 200  # no such import job of this user
        assert _status(client, url, method) == expected, name


def test_officer_reads_own_district_only(login, officer_a, world):
    client = login(officer_a)
    for name, (url, method) in urls(world).items():
        assert _status(client, url, method) == EXPECTED_OFFICER[name], name


def test_enterprise_staff_get_403_everywhere(login, staff_x, world):
    client = login(staff_x)
    for name, (url, method) in urls(world).items():
        assert _status(client, url, method) == 403, name


def test_anonymous_is_sent_to_login(client, world):
    for name, (url, method) in urls(world).items():
        response = client.post(url) if method == "post" else client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name


def test_officer_writes_change_nothing(login, officer_a, world):
    client = login(officer_a)
    course = world["course_a"]
    client.post(
        reverse("training:course_attendance", args=[course.pk]),
        {
            "sheet-TOTAL_FORMS": "1",
            "sheet-INITIAL_FORMS": "1",
            "sheet-0-officer": world["officer_a"].pk,
            "sheet-0-attended": "on",
        },
    )
    client.post(reverse("training:officer_create"), {"full_name": "X", "district": officer_a.district_id})
    assert not Attendance.objects.filter(course=course).exists()
    assert Officer.objects.count() == 2 and Course.objects.count() == 3


def test_officer_lists_show_own_district_rows_only(login, officer_a, world):
    client = login(officer_a)
    body = client.get(reverse("training:officers")).content.decode()
    assert "Nguyễn Văn Quận A" in body and "Trần Thị Huyện B" not in body
    assert reverse("training:officer_create") not in body
    body = client.get(reverse("training:courses")).content.decode()
    assert "Khóa toàn thành phố" in body and "Khóa quận A" in body and "Khóa huyện B" not in body


def test_officer_sees_only_own_district_on_a_city_course(login, officer_a, world):
    body = login(officer_a).get(reverse("training:course_detail", args=[world["city"].pk])).content.decode()
    assert "Nguyễn Văn Quận A" in body and "CC-A" in body
    assert "Trần Thị Huyện B" not in body and "CC-B" not in body
    assert 'name="sheet-TOTAL_FORMS"' not in body  # read-only


def test_officer_sees_only_own_district_participants(login, officer_a, world):
    body = login(officer_a).get(reverse("training:course_detail", args=[world["course_a"].pk])).content.decode()
    assert "Doanh nghiệp Quận A" in body and "Doanh nghiệp Huyện B" not in body


def test_officer_coverage_is_own_commune_row(login, officer_a, world):
    client = login(officer_a)
    response = client.get(reverse("training:coverage"))
    assert [row.code for row in response.context["rows"]] == ["00235"]
    response = client.get(reverse("training:coverage_export"))
    ws = openpyxl.load_workbook(_bytes(response)).active
    assert [r[0] for r in ws.iter_rows(min_row=2, values_only=True)] == ["00235"]
    # Before 1/7/2025: the former district its commune was formed from.
    response = client.get(reverse("training:coverage"), {"as_of": "30/06/2025"})
    assert [row.code for row in response.context["rows"]] == ["006"]


def test_doit_coverage_lists_every_commune_and_before_the_reform_every_district(login, doit_user, world):
    response = login(doit_user).get(reverse("training:coverage"))
    assert len(response.context["rows"]) == 126
    response = login(doit_user).get(reverse("training:coverage"), {"as_of": "30/06/2025"})
    assert len(response.context["rows"]) == 30


def test_training_nav_hidden_from_enterprise_staff(login, staff_x, officer_a):
    assert reverse("training:coverage") not in login(staff_x).get("/").content.decode()
    assert reverse("training:coverage") in login(officer_a).get("/").content.decode()


def test_dashboard_card_for_doit_only(login, doit_user, officer_a, world):
    body = login(doit_user).get("/").content.decode()
    assert 'data-testid="coverage-card"' in body
    assert 'data-testid="coverage-card"' not in login(officer_a).get("/").content.decode()


def test_dashboard_card_counts(login, doit_user, commune_a):
    for _i in range(2):
        officer = TrainingOfficerFactory(district=None, commune=commune_a, tenure_start=dt.date(2025, 7, 1))
        AttendanceFactory(officer=officer, course=CourseFactory(start_date=dt.date.today() - dt.timedelta(days=30)))
    response = login(doit_user).get("/")
    counts = response.context["coverage_counts"]
    assert (counts.covered, counts.at_risk, counts.not_covered) == (1, 0, 125)


def _bytes(response):
    import io

    return io.BytesIO(b"".join(response.streaming_content))
