"""Assessment workflow: every role × every transition through the views, the refusals of the
shared transition helper (state, version, comment) and the review log."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.models import Assessment, ReviewEvent
from assessments.services import assessments as services
from assessments.services.workflow import InvalidTransition, StaleVersion, available_transitions, transition
from tests.factories import AssessmentFactory

pytestmark = pytest.mark.django_db

A = Assessment.Status
ROLES = ["doit_user", "officer_a", "officer_b", "staff_x", "staff_y", "superuser"]


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("admin.test", "admin@example.vn", "Mat-khau-thu-2026")


# Assessment of enterprise X (district A). "ok" = 302 and the move happened; 403 = may see it but
# not do this; 404 = out of scope. Superusers hold every permission, as everywhere in Django.
EXPECTED = {
    ("submit", A.DRAFT): {
        "doit_user": 403,
        "officer_a": "ok",
        "officer_b": 404,
        "staff_x": 403,
        "staff_y": 404,
        "superuser": "ok",
    },
    ("submit", A.RETURNED): {
        "doit_user": 403,
        "officer_a": "ok",
        "officer_b": 404,
        "staff_x": 403,
        "staff_y": 404,
        "superuser": "ok",
    },
    ("approve", A.SUBMITTED): {
        "doit_user": "ok",
        "officer_a": 403,
        "officer_b": 404,
        "staff_x": 403,
        "staff_y": 404,
        "superuser": "ok",
    },
    ("return", A.SUBMITTED): {
        "doit_user": "ok",
        "officer_a": 403,
        "officer_b": 404,
        "staff_x": 403,
        "staff_y": 404,
        "superuser": "ok",
    },
}
TARGET = {"submit": A.SUBMITTED, "approve": A.APPROVED, "return": A.RETURNED}

CASES = [(action, status, role, outcome) for (action, status), row in EXPECTED.items() for role, outcome in row.items()]


@pytest.mark.parametrize(("action", "from_status", "role", "outcome"), CASES)
def test_every_role_and_transition(request, login, enterprise_x, action, from_status, role, outcome):
    request.getfixturevalue("enterprise_y")
    user = request.getfixturevalue(role)
    assessment = AssessmentFactory(enterprise=enterprise_x, status=from_status)
    response = login(user, language="en").post(
        reverse(f"assessments:{action}", args=[assessment.pk]),
        {"version": assessment.version, "comment": "Bổ sung số liệu điện năm cơ sở."},
    )
    assessment.refresh_from_db()
    if outcome == "ok":
        assert response.status_code == 302
        assert assessment.status == TARGET[action]
        event = ReviewEvent.objects.get(assessment=assessment)
        assert (event.from_status, event.to_status, event.by) == (from_status, TARGET[action], user)
        assert assessment.version == 2
    else:
        assert response.status_code == outcome
        assert assessment.status == from_status
        assert not ReviewEvent.objects.exists()


@pytest.mark.parametrize(
    ("action", "from_status", "role"),
    [
        ("approve", A.DRAFT, "doit_user"),
        ("approve", A.APPROVED, "doit_user"),
        ("approve", A.RETURNED, "doit_user"),
        ("return", A.DRAFT, "doit_user"),
        ("return", A.APPROVED, "doit_user"),
        ("submit", A.SUBMITTED, "officer_a"),
        ("submit", A.APPROVED, "officer_a"),
    ],
)
def test_transition_not_allowed_from_status_changes_nothing(request, login, enterprise_x, action, from_status, role):
    user = request.getfixturevalue(role)
    assessment = AssessmentFactory(enterprise=enterprise_x, status=from_status)
    response = login(user, language="en").post(
        reverse(f"assessments:{action}", args=[assessment.pk]),
        {"version": assessment.version, "comment": "x"},
        follow=True,
    )
    assert response.status_code == 200
    assert "cannot be done" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == from_status and assessment.version == 1
    assert not ReviewEvent.objects.exists()


def test_return_requires_a_comment_and_keeps_the_form(login, doit_user, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, status=A.SUBMITTED)
    response = login(doit_user, language="en").post(
        reverse("assessments:return", args=[assessment.pk]), {"version": assessment.version, "comment": "   "}
    )
    assert response.status_code == 400
    assert "Say why it is returned" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == A.SUBMITTED


def test_returned_assessment_shows_reason_and_log(login, doit_user, officer_a, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, status=A.DRAFT)
    services.assessment_submit(assessment=assessment, by=officer_a)
    services.assessment_return(assessment=assessment, by=doit_user, comment="Thiếu số liệu nước năm cơ sở")
    page = login(officer_a).get(reverse("assessments:detail", args=[assessment.pk])).content.decode()
    assert "Thiếu số liệu nước năm cơ sở" in page
    assert page.count('data-testid="review-event"') == 2
    assert doit_user.full_name in page and officer_a.full_name in page


def test_stale_version_refuses_transition(login, officer_a, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, status=A.DRAFT, version=3)
    response = login(officer_a, language="en").post(
        reverse("assessments:submit", args=[assessment.pk]), {"version": 2, "comment": ""}, follow=True
    )
    assert "Someone else changed this record" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.status == A.DRAFT and assessment.version == 3


def test_service_refusals(doit_user, officer_a, officer_b, staff_x, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, status=A.DRAFT)
    with pytest.raises(PermissionDenied):
        transition(obj=assessment, to=A.SUBMITTED, by=staff_x)
    with pytest.raises(PermissionDenied):
        transition(obj=assessment, to=A.SUBMITTED, by=officer_b)
    with pytest.raises(InvalidTransition):
        transition(obj=assessment, to=A.APPROVED, by=doit_user)
    with pytest.raises(StaleVersion):
        transition(obj=assessment, to=A.SUBMITTED, by=officer_a, version=99)
    transition(obj=assessment, to=A.SUBMITTED, by=officer_a)
    with pytest.raises(ValidationError):
        transition(obj=assessment, to=A.RETURNED, by=doit_user, comment="")
    # A second reviewer holding the old version cannot approve what has moved on.
    stale = Assessment.objects.get(pk=assessment.pk)
    transition(obj=assessment, to=A.APPROVED, by=doit_user)
    with pytest.raises((StaleVersion, InvalidTransition)):
        transition(obj=stale, to=A.RETURNED, by=doit_user, comment="late")
    assert list(ReviewEvent.objects.values_list("to_status", flat=True)) == [A.SUBMITTED, A.APPROVED]


def test_resubmission_after_return_is_recorded(doit_user, officer_a, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, status=A.DRAFT)
    services.assessment_submit(assessment=assessment, by=officer_a)
    services.assessment_return(assessment=assessment, by=doit_user, comment="Bổ sung")
    services.assessment_submit(assessment=assessment, by=officer_a)
    services.assessment_approve(assessment=assessment, by=doit_user)
    steps = list(ReviewEvent.objects.filter(assessment=assessment).values_list("from_status", "to_status"))
    assert steps == [
        ("draft", "submitted"),
        ("submitted", "returned"),
        ("returned", "submitted"),
        ("submitted", "approved"),
    ]
    assert assessment.history.count() == 5  # created + four transitions


def test_available_transitions_drive_the_buttons(login, doit_user, officer_a, staff_x, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, status=A.SUBMITTED)
    assert available_transitions(obj=assessment, by=doit_user) == [A.APPROVED, A.RETURNED]
    assert available_transitions(obj=assessment, by=officer_a) == []
    assert available_transitions(obj=assessment, by=staff_x) == []
    url = reverse("assessments:detail", args=[assessment.pk])
    assert reverse("assessments:approve", args=[assessment.pk]) in login(doit_user).get(url).content.decode()
    page = login(staff_x).get(url).content.decode()
    assert reverse("assessments:approve", args=[assessment.pk]) not in page
    assert reverse("assessments:edit", args=[assessment.pk]) not in page


@pytest.mark.parametrize("role", ROLES)
def test_workflow_urls_refuse_get(request, login, enterprise_x, role):
    user = request.getfixturevalue(role)
    assessment = AssessmentFactory(enterprise=enterprise_x, status=A.SUBMITTED)
    assert login(user).get(reverse("assessments:approve", args=[assessment.pk])).status_code == 405
