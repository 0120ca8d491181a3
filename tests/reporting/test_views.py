from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from reporting.models import ActionPlan, Indicator, ReportJob, Target
from tests.factories import (
    ActionPlanFactory,
    EnterpriseFactory,
    OfficerFactory,
    ReportJobFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("reporting:list")
JOBS = reverse("reporting:jobs")


def done_job(district=None, fmt="pdf", **kwargs) -> ReportJob:
    """A built report of the city, a district or (given a Commune) a commune."""
    from enterprises.models import Commune

    if isinstance(district, Commune):
        kwargs["commune"], district = district, None
    job = ReportJobFactory(district=district, format=fmt, status="running", **kwargs)
    job.file.save(f"x.{fmt}", ContentFile(f"report of {district or 'city'}".encode()), save=False)
    job.status = "done"
    job.save()
    return job


@pytest.fixture
def jobs(commune_a, commune_b, district_a, doit_user):
    return {
        "city": done_job(None, requester=doit_user),
        "a": done_job(commune_a, requester=doit_user),
        "b": done_job(commune_b, fmt="xlsx", requester=doit_user),
        "district": done_job(district_a, requester=doit_user),  # a 2024-era district report: DOIT's
    }


# --------------------------------------------------------------------------- download scoping

SCOPES = {
    "doit_user": {"city", "a", "b", "district"},
    "officer_a": {"a", "district"},  # with the reports of its former district
    "officer_b": {"b"},
    "staff_x": set(),
    "staff_y": set(),
}


@pytest.mark.parametrize("role", list(SCOPES))
def test_download_is_scoped_for_every_role(request, login, jobs, role):
    client = login(request.getfixturevalue(role))
    for key, job in jobs.items():
        response = client.get(reverse("reporting:download", args=[job.pk]))
        if key in SCOPES[role]:
            assert response.status_code == 200, (role, key)
            assert response["Content-Disposition"].startswith("attachment")
            assert job.download_name in response["Content-Disposition"]
            assert b"".join(response.streaming_content).startswith(b"report of")
            assert response["Cache-Control"] == "private, no-store"
        else:
            assert response.status_code == 404, (role, key)


def test_download_needs_login(client, jobs):
    response = client.get(reverse("reporting:download", args=[jobs["city"].pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unfinished_missing_or_lost_files_are_404(login, doit_user, jobs):
    client = login(doit_user)
    queued = ReportJobFactory(requester=doit_user)
    assert client.get(reverse("reporting:download", args=[queued.pk])).status_code == 404
    assert client.get(reverse("reporting:download", args=[999_999])).status_code == 404
    jobs["a"].file.storage.delete(jobs["a"].file.name)
    assert client.get(reverse("reporting:download", args=[jobs["a"].pk])).status_code == 404


def test_reports_never_live_under_a_public_url(jobs):
    from django.conf import settings

    assert settings.STORAGES["default"]["OPTIONS"]["base_url"] is None
    assert not jobs["city"].file.name.startswith(str(settings.STATIC_ROOT))


# --------------------------------------------------------------------------- request page


@pytest.mark.parametrize("role", ["doit_user", "officer_a", "staff_x"])
def test_report_page_renders_for_every_role(request, login, role):
    response = login(request.getfixturevalue(role)).get(LIST)
    assert response.status_code == 200
    assert (response.context["form"] is None) == (role == "staff_x")


def test_enterprise_staff_cannot_request(login, staff_x):
    response = login(staff_x).post(LIST, {"year": 2024, "format": "pdf"})
    assert response.status_code == 403 and not ReportJob.objects.exists()


def test_doit_requests_the_city_report_in_both_formats(world, login, doit_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = login(doit_user).post(LIST, {"year": 2024, "district": "", "format": "both"})
    assert response.status_code == 302
    jobs = ReportJob.objects.order_by("format")
    assert [(j.format, j.status, j.district) for j in jobs] == [("pdf", "done", None), ("xlsx", "done", None)]
    page = login(doit_user).get(LIST).content.decode()
    for job in jobs:
        assert reverse("reporting:download", args=[job.pk]) in page


def test_doit_requests_any_district(world, login, doit_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        login(doit_user).post(LIST, {"year": 2024, "district": world.b.pk, "format": "xlsx"})
    assert ReportJob.objects.get().district == world.b


def test_officer_is_held_to_their_commune(world, login, officer_a, commune_b, django_capture_on_commit_callbacks):
    client = login(officer_a)
    response = client.post(LIST, {"year": 2024, "commune": commune_b.pk, "format": "pdf"})
    assert response.status_code == 200 and "commune" in response.context["form"].errors
    assert not ReportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(LIST, {"year": 2024, "commune": officer_a.commune_id, "format": "pdf"}).status_code == 302
    assert ReportJob.objects.get().commune == officer_a.commune


def test_bad_input_keeps_the_form_and_writes_nothing(login, doit_user):
    response = login(doit_user).post(LIST, {"year": 1990, "district": "", "format": "odt"})
    form = response.context["form"]
    assert response.status_code == 200 and {"year", "format"} <= set(form.errors)
    assert form["year"].value() == "1990" and not ReportJob.objects.exists()


def test_job_list_polls_while_a_job_is_unfinished(login, doit_user, jobs):
    client = login(doit_user)
    assert 'hx-trigger="every 2s"' not in client.get(JOBS).content.decode()
    ReportJobFactory(requester=doit_user, status="running", progress=40)
    body = client.get(JOBS).content.decode()
    assert 'hx-trigger="every 2s"' in body and f'hx-get="{JOBS}"' in body and 'value="40"' in body
    assert 'hx-trigger="every 2s"' in client.get(LIST).content.decode()


def test_job_list_shows_failure_reason(login, doit_user):
    ReportJobFactory(requester=doit_user, status="failed", error="Báo cáo lỗi: thiếu dữ liệu")
    assert "Báo cáo lỗi: thiếu dữ liệu" in login(doit_user).get(LIST).content.decode()


def test_officer_sees_only_their_districts_jobs(login, officer_a, jobs):
    body = login(officer_a).get(JOBS).content.decode()
    assert f'data-testid="job-{jobs["a"].pk}"' in body
    assert f'data-testid="job-{jobs["b"].pk}"' not in body and f'data-testid="job-{jobs["city"].pk}"' not in body


@pytest.mark.parametrize("url", [LIST, JOBS])
def test_job_list_query_count_does_not_grow(login, doit_user, district_a, django_assert_max_num_queries, url):
    client = login(doit_user)
    for year in (2023, 2024):  # one unfinished job per report (year, scope, format, kind)
        ReportJobFactory(requester=doit_user, district=district_a, year=year)
    # 14 on the reports page, which also lists the report editions DOIT issues.
    with django_assert_max_num_queries(16) as small:  # and the request form the communes
        assert client.get(url).status_code == 200
    officers = [OfficerFactory(district=district_a) for _i in range(3)]
    for i in range(30):
        ReportJobFactory(requester=officers[i % 3], district=district_a if i % 2 else None, year=1990 + i)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


# --------------------------------------------------------------------------- plans and targets

PLANS = reverse("reporting:plans")
PLAN_NEW = reverse("reporting:plan_create")


def plan_post(plan: ActionPlan, targets: list[dict], **overrides) -> dict:
    data = {
        "plan-decision_number": plan.decision_number,
        "plan-title": plan.title,
        "plan-issued_on": plan.issued_on.strftime("%d/%m/%Y"),
        "plan-first_year": plan.first_year,
        "plan-last_year": plan.last_year,
        "plan-level": plan.level,
        "targets-TOTAL_FORMS": len(targets),
        "targets-INITIAL_FORMS": sum(1 for t in targets if t.get("id")),
        "targets-MIN_NUM_FORMS": 0,
        "targets-MAX_NUM_FORMS": 1000,
        **overrides,
    }
    for i, t in enumerate(targets):
        for key, value in t.items():
            if key == "indicator" and isinstance(value, str) and not value.isdigit():
                value = Indicator.objects.get(code=value).pk  # the form names the indicator row
            data[f"targets-{i}-{key}"] = value
    return data


def test_doit_creates_a_plan_and_its_targets(login, doit_user):
    client = login(doit_user)
    response = client.post(
        PLAN_NEW,
        {
            "decision_number": "45/KH-UBND",
            "title": "Kế hoạch SXSH năm 2024",
            "issued_on": "20/02/2024",
            "first_year": 2024,
            "last_year": 2024,
            "level": "city",
        },
    )
    plan = ActionPlan.objects.get(decision_number="45/KH-UBND")
    assert response.status_code == 302 and response["Location"] == reverse("reporting:plan_edit", args=[plan.pk])
    data = plan_post(
        plan,
        [
            {"indicator": "aware_share", "year": 2024, "value": "60", "note": "Mục tiêu 60%"},
            {"indicator": "assessments_completed", "year": 2024, "value": "25", "note": ""},
        ],
    )
    assert client.post(reverse("reporting:plan_edit", args=[plan.pk]), data).status_code == 302
    assert sorted(plan.targets.values_list("indicator__code", "value")) == [
        ("assessments_completed", 25),
        ("aware_share", 60),
    ]
    assert "Mục tiêu 60%" in client.get(PLANS).content.decode()


def test_targets_are_edited_and_deleted(login, doit_user):
    plan = ActionPlanFactory(first_year=2021, last_year=2025)
    keep = TargetFactory(plan=plan, indicator="aware_share", year=2024, value=40)
    drop = TargetFactory(plan=plan, indicator="applying_share", year=2024, value=20)
    data = plan_post(
        plan,
        [
            {"id": keep.pk, "indicator": "aware_share", "year": 2024, "value": "45", "note": ""},
            {"id": drop.pk, "indicator": "applying_share", "year": 2024, "value": "20", "note": "", "DELETE": "on"},
        ],
    )
    assert login(doit_user).post(reverse("reporting:plan_edit", args=[plan.pk]), data).status_code == 302
    assert list(plan.targets.values_list("indicator__code", "value")) == [("aware_share", 45)]


@pytest.mark.parametrize(
    "target, message",
    [
        ({"indicator": "aware_share", "year": 2030, "value": "50"}, "within the plan"),
        ({"indicator": "aware_share", "year": 2024, "value": "150"}, "100%"),
        ({"indicator": "savings_vnd", "year": 2024, "value": "-5"}, ""),
    ],
)
def test_bad_targets_are_refused_and_nothing_is_written(login, doit_user, target, message):
    plan = ActionPlanFactory(first_year=2021, last_year=2025)
    data = plan_post(plan, [{**target, "note": ""}], **{"plan-title": "Tên mới"})
    response = login(doit_user, language="en").post(reverse("reporting:plan_edit", args=[plan.pk]), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Target.objects.filter(plan=plan).exists()
    plan.refresh_from_db()
    assert plan.title != "Tên mới"


def test_duplicate_targets_are_refused(login, doit_user):
    plan = ActionPlanFactory(first_year=2021, last_year=2025)
    row = {"indicator": "aware_share", "year": 2024, "value": "50", "note": ""}
    response = login(doit_user).post(reverse("reporting:plan_edit", args=[plan.pk]), plan_post(plan, [row, row]))
    assert response.status_code == 200 and not Target.objects.filter(plan=plan).exists()


def test_plan_with_years_reversed_is_refused(login, doit_user):
    data = {"decision_number": "1/KH", "title": "x", "issued_on": "01/01/2024", "first_year": 2025, "last_year": 2024}
    response = login(doit_user).post(PLAN_NEW, data)
    assert response.status_code == 200 and not ActionPlan.objects.filter(decision_number="1/KH").exists()
    assert response.context["form"]["title"].value() == "x"


def test_officers_read_plans_but_cannot_change_them(login, officer_a, staff_x):
    plan = ActionPlan.objects.get(decision_number="1419/QĐ-TTg")
    client = login(officer_a)
    assert client.get(PLANS).status_code == 200
    assert client.get(PLAN_NEW).status_code == 403
    assert client.post(reverse("reporting:plan_edit", args=[plan.pk]), {}).status_code == 403
    assert login(staff_x).get(PLANS).status_code == 403


def test_the_national_strategy_ships_with_its_targets(login, doit_user):
    plan = ActionPlan.objects.get(decision_number="1419/QĐ-TTg")
    assert (plan.first_year, plan.last_year, plan.issued_on) == (2009, 2020, dt.date(2009, 9, 7))
    assert plan.level == "national"
    assert plan.targets.get(indicator__code="applying_share", year=2015).value == 25
    cut = plan.targets.get(indicator__code="intensity_cut_pct", year=2015)
    assert (cut.value, cut.value_max) == (5, 8) and "5–8%" in cut.note and cut.source
    assert plan.targets.count() == 8
    assert login(doit_user).get(PLANS).status_code == 200


def test_plan_list_query_count_does_not_grow(login, doit_user, django_assert_max_num_queries):
    client = login(doit_user)
    with django_assert_max_num_queries(10) as small:
        client.get(PLANS)
    for i in range(6):
        plan = ActionPlanFactory(decision_number=f"{i}/KH")
        for code in ("aware_share", "applying_share", "savings_vnd"):
            TargetFactory(plan=plan, indicator=code, year=2023)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(PLANS)


# --------------------------------------------------------------------------- dashboard


def test_doit_dashboard_shows_city_kpis_against_targets(world, login, doit_user):
    plan = ActionPlanFactory(first_year=2024, last_year=2024, issued_on=dt.date(2024, 1, 2))
    TargetFactory(plan=plan, indicator="aware_share", year=2024, value=50)
    response = login(doit_user).get("/", {"year": 2024})
    body = response.content.decode()
    ind = response.context["ind"]
    assert ind.is_city and ind.year == 2024 and response.context["role"] == "city"
    assert 'data-testid="kpi-aware_share"' in body and 'data-testid="coverage-card"' in body
    assert "126.000.000" in body  # verified savings, Vietnamese format
    assert response.context["queue"].assessments_submitted == 1
    assert 'data-chart="hbar"' in body and "chartjs/chart.umd.min.js" in body and "<script>" not in body


def test_officer_dashboard_is_their_commune_with_review_queue(world, login, officer_b):
    """The commune or ward office the officer acts for (Xã Đông Anh, which carries on district B
    and where its enterprises are located)."""
    response = login(officer_b).get("/", {"year": 2024})
    ind = response.context["ind"]
    assert ind.district_code == officer_b.commune.code == "00454"
    assert response.context["queue"].savings_submitted == 1
    assert 'data-testid="coverage-card"' not in response.content.decode()
    assert world.y.name in response.content.decode()  # the report waiting for verification


def test_enterprise_dashboard_shows_own_trend_and_what_is_due(world, login):
    from tests.factories import EnterpriseStaffFactory

    staff = EnterpriseStaffFactory(enterprise=world.a2)
    response = login(staff).get("/", {"year": 2025})
    overview = response.context["overview"]
    assert overview.name == world.a2.name and overview.due
    assert 'data-testid="due"' in response.content.decode()
    assert "ind" not in response.context


def test_dashboard_ignores_a_bad_year(login, doit_user):
    response = login(doit_user).get("/", {"year": "abc"})
    assert response.context["year"] == dt.date.today().year


def test_dashboard_keeps_its_cached_figures_until_a_write_commits(
    world, login, doit_user, django_assert_max_num_queries
):
    client = login(doit_user)
    client.get("/", {"year": 2024})
    SavingsLineFactory(
        report=SavingsReportFactory(enterprise=world.x, year=2024, period="Q4", status="verified"), vnd_saved=1
    )
    assert client.get("/", {"year": 2024}).context["ind"].savings_vnd == 126_000_000  # still the cached figures


@pytest.mark.parametrize("role", ["doit_user", "officer_a", "staff_x"])
def test_dashboard_query_count_does_not_grow(request, world, login, role, django_assert_max_num_queries):
    from django.core.cache import cache

    from reporting.models import DashboardSnapshot

    client = login(request.getfixturevalue(role))
    SavingsLineFactory(report=SavingsReportFactory(enterprise=world.x, year=2024, period="Q3", status="submitted"))
    # The figures' grouped queries, one per filtered indicator, the plans in force and the page.
    with django_assert_max_num_queries(66) as small:
        assert client.get("/", {"year": 2024}).status_code == 200
    cache.clear()
    DashboardSnapshot.objects.all().delete()  # computed again, as the first request was
    for i in range(12):
        e = EnterpriseFactory(district=world.a if i % 2 else world.b)
        SavingsLineFactory(report=SavingsReportFactory(enterprise=e, year=2024, status="submitted"))
        SavingsLineFactory(report=SavingsReportFactory(enterprise=world.x, year=2010 + i, status="verified"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/", {"year": 2024}).status_code == 200
