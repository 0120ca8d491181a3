"""The six steps as MOIT and VNCPC name them, and the rule that options are implemented at step 5."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from assessments.models import Assessment
from assessments.services import assessments as services
from tests.factories import AssessmentFactory, CPOptionFactory


def test_the_six_steps_carry_the_published_vietnamese_names():
    with translation.override("vi"):
        assert [str(label) for _value, label in Assessment.Step.choices] == [
            "Khởi động",
            "Phân tích các công đoạn sản xuất",
            "Phát triển các cơ hội SXSH",
            "Lựa chọn các giải pháp SXSH",
            "Thực hiện các giải pháp SXSH",
            "Duy trì SXSH",
        ]


def submitted_at_step(enterprise, step: int) -> Assessment:
    assessment = AssessmentFactory(enterprise=enterprise, year=2024, step=step, status="submitted")
    CPOptionFactory(assessment=assessment, status="implemented", implemented_on=datetime.date(2024, 5, 1))
    return assessment


def test_implemented_options_before_step_5_block_approval(doit_user, enterprise_x):
    assessment = submitted_at_step(enterprise_x, 4)
    with pytest.raises(services.ApprovalBlocked):
        services.assessment_approve(assessment=assessment, by=doit_user)
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    assessment.step = 5
    assessment.save()
    services.assessment_approve(assessment=assessment, by=doit_user)
    assessment.refresh_from_db()
    assert assessment.status == "approved"


def test_the_step_warning_is_shown_on_submit_and_on_the_page(login, officer_a, doit_user, enterprise_x):
    assessment = submitted_at_step(enterprise_x, 3)
    Assessment.objects.filter(pk=assessment.pk).update(status="draft")
    response = login(officer_a).post(
        reverse("assessments:submit", args=[assessment.pk]), {"version": assessment.version}, follow=True
    )
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
    assert any("step 5" in str(m) or "bước" in str(m) for m in response.context["messages"])
    page = login(doit_user).get(reverse("assessments:detail", args=[assessment.pk]))
    assert 'data-code="implemented_before_step"' in page.content.decode()
    response = login(doit_user).post(
        reverse("assessments:approve", args=[assessment.pk]), {"version": assessment.version}, follow=True
    )
    assessment.refresh_from_db()
    assert assessment.status == "submitted"
