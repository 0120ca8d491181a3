"""Two people edit the same record at the same time: both load the edit form, the first saves,
the second gets a clear conflict message and overwrites nothing (optimistic version check:
``Assessment.version``, ``SavingsReport.version``, and ``Enterprise.updated_at`` for enterprises).
Each user has their own session (their own test ``Client``) and posts the form exactly as their
browser received it, with only their own change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Assessment, SavingsReport
from enterprises.models import Enterprise
from tests.factories import AssessmentFactory, EnterpriseStaffFactory, OfficerFactory, SavingsLineFactory

from .conftest import page_form

pytestmark = pytest.mark.django_db

CONFLICT = "Someone else changed this record after you opened it"
SAVINGS_CONFLICT = "Someone else saved this report while you were editing it"


@pytest.fixture
def officer_a2(district_a):
    return OfficerFactory(username="officer.a2", full_name="Đỗ Thị Hai", district=district_a)


def load(client, url: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return page_form(response.content.decode(), action=url)


def test_enterprise_second_save_is_refused_and_overwrites_nothing(login, officer_a, officer_a2, enterprise_x):
    url = reverse("enterprises:edit", args=[enterprise_x.pk])
    first, second = login(officer_a, language="en"), login(officer_a2, language="en")
    first_form, second_form = load(first, url), load(second, url)
    assert first_form["loaded_at"] == second_form["loaded_at"]
    history_before = enterprise_x.history.count()

    first_form["contact_phone"] = "0243 111 1111"
    assert first.post(url, first_form).status_code == 302

    second_form["address"] = "Địa chỉ của người thứ hai"
    response = second.post(url, second_form)
    assert response.status_code == 409
    body = response.content.decode()
    assert CONFLICT in body
    assert "Địa chỉ của người thứ hai" in body  # the second user's input is kept on the page

    enterprise = Enterprise.objects.get(pk=enterprise_x.pk)
    assert enterprise.contact_phone == "0243 111 1111"  # the first save stands
    assert enterprise.address == enterprise_x.address  # the second changed nothing
    assert enterprise.history.count() == history_before + 1

    # Saving again from the conflict page (which now carries the current version) is a deliberate
    # choice to replace the record with what that page shows.
    again = page_form(body, action=url)
    assert again["loaded_at"] != second_form["loaded_at"]
    assert second.post(url, again).status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.address == "Địa chỉ của người thứ hai"


def test_enterprise_edit_after_an_import_changed_it_is_refused(login, officer_a, enterprise_x):
    url = reverse("enterprises:edit", args=[enterprise_x.pk])
    client = login(officer_a, language="en")
    form = load(client, url)
    enterprise_x.contact_name = "Imported"
    enterprise_x.save()  # a write by any path (here: not through the form) moves updated_at
    form["contact_name"] = "Typed"
    assert client.post(url, form).status_code == 409
    assert Enterprise.objects.get(pk=enterprise_x.pk).contact_name == "Imported"


def test_assessment_second_save_is_refused_and_overwrites_nothing(login, officer_a, officer_a2, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, year=2022, notes="")
    url = reverse("assessments:edit", args=[assessment.pk])
    first, second = login(officer_a, language="en"), login(officer_a2, language="en")
    first_form, second_form = load(first, url), load(second, url)

    first_form["notes"] = "ghi chú của người thứ nhất"
    assert first.post(url, first_form).status_code == 302

    second_form["notes"] = "ghi chú của người thứ hai"
    second_form["assessor_name"] = "Người thứ hai"
    response = second.post(url, second_form)
    assert response.status_code == 409
    assert CONFLICT in response.content.decode()

    assessment = Assessment.objects.get(pk=assessment.pk)
    assert assessment.notes == "ghi chú của người thứ nhất"
    assert assessment.assessor_name == "Trần Văn Đánh Giá"
    assert assessment.version == 2  # one save, not two


def test_savings_report_second_save_is_refused_and_overwrites_nothing(login, staff_x, enterprise_x):
    colleague = EnterpriseStaffFactory(username="staff.x2", full_name="Ngô Văn Hai", enterprise=enterprise_x)
    line = SavingsLineFactory(report__enterprise=enterprise_x, report__year=2022, quantity=10_000)
    report = line.report
    url = reverse("savings:edit", args=[report.pk])
    first, second = login(staff_x, language="en"), login(colleague, language="en")
    first_form, second_form = load(first, url), load(second, url)

    first_form["notes"] = "số liệu đã đối chiếu"
    assert first.post(url, first_form).status_code == 302

    second_form["notes"] = "ghi chú khác"
    quantity_field = next(name for name in second_form if name.endswith("-quantity") and second_form[name])
    second_form[quantity_field] = "99999"
    response = second.post(url, second_form)
    assert response.status_code in (200, 409)
    assert SAVINGS_CONFLICT in response.content.decode()

    report = SavingsReport.objects.get(pk=report.pk)
    assert report.notes == "số liệu đã đối chiếu"
    assert [int(q) for q in report.lines.values_list("quantity", flat=True)] == [10_000]
    assert report.version == 2
