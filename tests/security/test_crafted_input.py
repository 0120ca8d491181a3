"""The crafted requests that answered 500 in the outside review, each with its answer now: NUL
bytes in search boxes and forms, out-of-range dates, huge years, very long user names."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reporting.models import YearLock

pytestmark = pytest.mark.django_db

NUL_MESSAGE_VI = "ký tự điều khiển"


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("staff_x", "/savings/?q=%00"),
        ("officer_a", "/savings/?q=abc%00def&year=2023"),
        ("officer_a", "/assessments/?q=%00"),
        ("doit_user", "/accounts/users/?q=%00"),
        ("doit_user", "/enterprises/?q=%00"),
        ("doit_user", "/accounts/audit/?user=%00"),
        ("doit_user", "/training/courses/?q=%00"),
    ],
)
def test_nul_in_a_search_box_is_a_clear_message_not_a_server_error(request, login, who, url):
    response = login(request.getfixturevalue(who)).get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE_VI in response.content.decode()


def test_nul_anywhere_is_refused_before_any_view(login, officer_a, enterprise_x):
    client = login(officer_a, language="en")
    for url in (f"/assessments/new/?enterprise={enterprise_x.pk}%00", "/?year=%00", "/nothing/?x=%00"):
        response = client.get(url)
        assert response.status_code in (400, 404), url
    response = client.post(reverse("enterprises:edit", args=[enterprise_x.pk]), {"name": "Công ty\x00 TNHH"})
    assert response.status_code == 400
    assert "control character (NUL)" in response.content.decode()
    enterprise_x.refresh_from_db()
    assert "\x00" not in enterprise_x.name


@pytest.mark.parametrize("day", ["01/01/0001", "31/12/9999", "01/01/1899", "32/13/2024"])
def test_audit_page_answers_out_of_range_dates_with_a_form_error(login, doit_user, day):
    client = login(doit_user, language="en")
    for field in ("date_from", "date_to"):
        response = client.get(reverse("accounts:audit"), {field: day})
        assert response.status_code == 200
        assert response.context["form"].errors[field], (field, day)


@pytest.mark.parametrize("day", ["01/01/0001", "0001-01-01", "31/12/9999", "9999-12-31", "01/01/1899"])
@pytest.mark.parametrize("url_name", ["training:coverage", "training:coverage_export"])
def test_coverage_page_and_export_take_an_out_of_range_date_as_today(login, doit_user, day, url_name):
    response = login(doit_user).get(reverse(url_name), {"as_of": day})
    assert response.status_code == 200
    if url_name == "training:coverage":
        from django.utils import timezone

        assert response.context["as_of"] == timezone.localdate()


@pytest.mark.parametrize("year", ["99999999999999999999", "-1", "0", "10000", "2101"])
def test_course_list_answers_a_huge_or_negative_year_with_a_form_error(login, doit_user, year):
    response = login(doit_user).get(reverse("training:courses"), {"year": year})
    assert response.status_code == 200


@pytest.mark.parametrize("year", ["99999999999999999999", "-2024", "1899", "2101"])
def test_year_reopen_with_a_huge_year_changes_nothing(login, doit_user, year):
    YearLock.objects.create(year=2023, locked_by=doit_user)
    response = login(doit_user).post(reverse("reporting:year_reopen"), {"year": year, "comment": "Sai số liệu"})
    assert response.status_code in (200, 302, 400)
    assert YearLock.objects.filter(year=2023).exists()


def test_a_very_long_user_name_is_a_form_error_not_a_server_error(client):
    client.cookies["django_language"] = "en"
    response = client.post(reverse("login"), {"username": "A" * 3000, "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
