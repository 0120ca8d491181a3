"""Savings-report workflow: every role × every transition, through the views, plus the service
refusals (wrong state, stale version, comment required, quality errors)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from assessments.models import ReviewEvent, SavingsReport
from assessments.services import savings as services
from assessments.services.workflow import InvalidTransition, StaleVersion
from tests.factories import SavingsLineFactory, SavingsReportFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(login, settings):
    """Signed-in clients that ask for the English interface (assertions read English text)."""

    def _login(user):
        client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _login


S = SavingsReport.Status
ROLES = ["doit_user", "officer_a", "officer_b", "staff_x", "staff_y", "superuser"]


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("admin.test", "admin@example.vn", "Mat-khau-thu-2026")


def report_in(status: str, enterprise, year: int = 2023) -> SavingsReport:
    report = SavingsReportFactory(enterprise=enterprise, year=year, status=status)
    SavingsLineFactory(report=report)
    return report


# Expected HTTP outcome per role: "ok" = 302 and the move happened, 403 = may see but not act,
# 404 = out of scope. Report belongs to enterprise X (district A). Administrators (superusers)
# hold every permission, as everywhere in Django.
EXPECTED = {
    # (action, from status): {role: outcome}
    ("submit", S.DRAFT): {
        "doit_user": 403,
        "officer_a": 403,
        "officer_b": 404,
        "staff_x": "ok",
        "staff_y": 404,
        "superuser": "ok",
    },
    ("submit", S.RETURNED): {
        "doit_user": 403,
        "officer_a": 403,
        "officer_b": 404,
        "staff_x": "ok",
        "staff_y": 404,
        "superuser": "ok",
    },
    ("verify", S.SUBMITTED): {
        "doit_user": 403,
        "officer_a": "ok",
        "officer_b": 404,
        "staff_x": 403,
        "staff_y": 404,
        "superuser": "ok",
    },
    ("return", S.SUBMITTED): {
        "doit_user": 403,
        "officer_a": "ok",
        "officer_b": 404,
        "staff_x": 403,
        "staff_y": 404,
        "superuser": "ok",
    },
}
TARGET = {"submit": S.SUBMITTED, "verify": S.VERIFIED, "return": S.RETURNED}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "source"), list(EXPECTED))
def test_every_role_and_transition(request, login, enterprise_x, role, action, source):
    user = request.getfixturevalue(role)
    report = report_in(source, enterprise_x)
    data = {"version": report.version, "comment": "Thiếu hóa đơn tiền điện tháng 12."}
    response = login(user).post(reverse(f"savings:{action}", args=[report.pk]), data)
    expected = EXPECTED[(action, source)][role]
    report.refresh_from_db()
    if expected == "ok":
        assert response.status_code == 302
        assert report.status == TARGET[action]
        event = ReviewEvent.objects.get(savings_report=report)
        assert (event.from_status, event.to_status, event.by) == (source, TARGET[action], user)
    else:
        assert response.status_code == expected
        assert report.status == source
        assert not ReviewEvent.objects.filter(savings_report=report).exists()


@pytest.mark.parametrize(
    ("action", "source"),
    [
        ("submit", S.SUBMITTED),
        ("submit", S.VERIFIED),
        ("verify", S.DRAFT),
        ("verify", S.RETURNED),
        ("verify", S.VERIFIED),
        ("return", S.DRAFT),
        ("return", S.VERIFIED),
        ("return", S.RETURNED),
    ],
)
def test_moves_not_allowed_from_a_status_change_nothing(login, enterprise_x, staff_x, officer_a, action, source):
    report = report_in(source, enterprise_x)
    actor = staff_x if action == "submit" else officer_a
    response = login(actor).post(
        reverse(f"savings:{action}", args=[report.pk]), {"version": report.version, "comment": "x"}, follow=True
    )
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == source
    assert not ReviewEvent.objects.filter(savings_report=report).exists()


def test_workflow_urls_answer_post_only(login, enterprise_x, officer_a):
    """Verify and return change state on POST only; submit answers GET with its confirmation
    step, which only the enterprise's staff may open."""
    report = report_in(S.SUBMITTED, enterprise_x)
    for action in ("verify", "return"):
        assert login(officer_a).get(reverse(f"savings:{action}", args=[report.pk])).status_code == 405
    assert login(officer_a).get(reverse("savings:submit", args=[report.pk])).status_code == 403
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


def test_return_needs_a_comment_shown_next_to_the_field(login, enterprise_x, officer_a):
    report = report_in(S.SUBMITTED, enterprise_x)
    response = login(officer_a).post(reverse("savings:return", args=[report.pk]), {"version": report.version})
    assert response.status_code == 400
    assert response.context["return_form"].errors["comment"]
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


def test_return_service_refuses_blank_comment(enterprise_x, officer_a):
    report = report_in(S.SUBMITTED, enterprise_x)
    with pytest.raises(ValidationError):
        services.savings_report_return(report=report, by=officer_a, comment="   ")


def test_returned_report_shows_the_reason_to_the_enterprise(login, enterprise_x, officer_a, staff_x):
    report = report_in(S.SUBMITTED, enterprise_x)
    services.savings_report_return(report=report, by=officer_a, comment="Số liệu điện quý 4 chưa khớp hóa đơn.")
    page = login(staff_x).get(reverse("savings:detail", args=[report.pk]))
    assert page.context["last_return"].comment == "Số liệu điện quý 4 chưa khớp hóa đơn."
    assert "Số liệu điện quý 4 chưa khớp hóa đơn." in page.content.decode()
    assert page.context["can_edit"] and page.context["can_submit"]


def test_full_cycle_is_logged_in_order(enterprise_x, officer_a, staff_x):
    report = report_in(S.DRAFT, enterprise_x)
    services.savings_report_submit(report=report, by=staff_x)
    services.savings_report_return(report=report, by=officer_a, comment="Bổ sung chứng từ.")
    services.savings_report_submit(report=report, by=staff_x)
    services.savings_report_verify(report=report, by=officer_a)
    moves = list(
        ReviewEvent.objects.filter(savings_report=report).order_by("at", "pk").values_list("from_status", "to_status")
    )
    assert moves == [
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.RETURNED),
        (S.RETURNED, S.SUBMITTED),
        (S.SUBMITTED, S.VERIFIED),
    ]
    assert report.version == 5


def test_submission_is_blocked_by_quality_errors(login, enterprise_x, staff_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)  # no lines
    with pytest.raises(services.SubmissionBlocked) as info:
        services.savings_report_submit(report=report, by=staff_x)
    assert [f.code for f in info.value.review.errors] == ["no_lines"]
    response = login(staff_x).post(
        reverse("savings:submit", args=[report.pk]), {"version": report.version}, follow=True
    )
    report.refresh_from_db()
    assert report.status == S.DRAFT
    assert "no_lines" in response.content.decode()


def test_stale_submit_is_refused(enterprise_x, staff_x):
    report = report_in(S.DRAFT, enterprise_x)
    with pytest.raises(StaleVersion):
        services.savings_report_submit(report=report, by=staff_x, version=report.version + 1)


def test_services_refuse_wrong_roles(enterprise_x, officer_a, staff_x, doit_user):
    report = report_in(S.DRAFT, enterprise_x)
    with pytest.raises(PermissionDenied):
        services.savings_report_submit(report=report, by=officer_a)
    with pytest.raises(PermissionDenied):
        services.savings_report_submit(report=report, by=doit_user)
    services.savings_report_submit(report=report, by=staff_x)
    with pytest.raises(PermissionDenied):
        services.savings_report_verify(report=report, by=doit_user)
    with pytest.raises(PermissionDenied):
        services.savings_report_verify(report=report, by=staff_x)
    with pytest.raises(InvalidTransition):
        services.savings_report_submit(report=report, by=staff_x)


# --- edit and create: who may -----------------------------------------------------------------

EDIT_EXPECTED = {"doit_user": 403, "officer_a": 403, "officer_b": 404, "staff_x": 200, "staff_y": 404, "superuser": 200}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_edit_form(request, login, enterprise_x, role):
    report = report_in(S.DRAFT, enterprise_x)
    response = login(request.getfixturevalue(role)).get(reverse("savings:edit", args=[report.pk]))
    assert response.status_code == EDIT_EXPECTED[role]


@pytest.mark.parametrize("status", [S.SUBMITTED, S.VERIFIED])
def test_staff_cannot_edit_a_submitted_or_verified_report(login, enterprise_x, staff_x, status):
    report = report_in(status, enterprise_x)
    client = login(staff_x)
    response = client.get(reverse("savings:edit", args=[report.pk]))
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    response = client.post(
        reverse("savings:edit", args=[report.pk]),
        {"year": 2023, "period": "Q1", "version": report.version, **empty_lines()},
    )
    report.refresh_from_db()
    assert (report.year, report.period) == (2023, "Y")


@pytest.mark.parametrize("status", [S.DRAFT, S.RETURNED])
def test_staff_can_edit_a_draft_or_returned_report(login, enterprise_x, staff_x, status):
    report = report_in(status, enterprise_x)
    assert login(staff_x).get(reverse("savings:edit", args=[report.pk])).status_code == 200


@pytest.mark.parametrize(
    ("role", "expected"),
    [("doit_user", 403), ("officer_a", 403), ("staff_x", 200), ("superuser", 403)],
)
def test_only_enterprise_staff_create_reports(request, login, role, expected, enterprise_x):
    assert login(request.getfixturevalue(role)).get(reverse("savings:create")).status_code == expected


def empty_lines(prefix: str = "lines") -> dict:
    return {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MIN_NUM_FORMS": 0}
