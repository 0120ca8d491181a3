"""Data calls (issue 16): the expected set, completeness and timeliness against an independent
count, the enterprise's task on its home page, and the pages of DOIT and officers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.calls import TaskStatus, enterprise_tasks, expected_enterprises, task_status
from assessments.models import DataCall, ReviewEvent, SavingsReport
from enterprises.models import Enterprise, Sector
from reporting.indicators.calls import call_figures
from tests.factories import (
    AssessmentFactory,
    CPOptionFactory,
    DataCallFactory,
    EnterpriseFactory,
    SavingsReportFactory,
)

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 3, 31)


def implemented(enterprise, on=dt.date(2025, 6, 1), status="approved"):
    assessment = AssessmentFactory(enterprise=enterprise, year=2024, status=status)
    return CPOptionFactory(assessment=assessment, status="implemented", implemented_on=on)


def answered(enterprise, status, submitted_on: dt.date | None, year=2025, period="Y"):
    report = SavingsReportFactory(enterprise=enterprise, year=year, period=period, status=status)
    if submitted_on is not None:
        at = timezone.make_aware(dt.datetime.combine(submitted_on, dt.time(10, 0)))
        ReviewEvent.objects.create(savings_report=report, from_status="draft", to_status="submitted", at=at)
    return report


@pytest.fixture
def world(district_a, district_b):
    """Enterprises in two communes, with and without implemented options, in two sectors, and
    with every kind of answer to the 2025 yearly report."""
    ea = [EnterpriseFactory(district=district_a, sector=Sector.objects.get(code="10")) for _ in range(6)]
    eb = [EnterpriseFactory(district=district_b, sector=Sector.objects.get(code="22")) for _ in range(4)]
    inactive = EnterpriseFactory(district=district_a, active=False)
    for e in [*ea[:5], *eb[:3], inactive]:
        implemented(e)
    implemented(ea[5], on=dt.date(2026, 2, 1))  # after the period: not expected by an "implemented" call
    implemented(eb[3], status="draft")  # an option of a draft assessment does not count
    answered(ea[0], "verified", dt.date(2026, 3, 1))  # on time
    answered(ea[1], "submitted", dt.date(2026, 4, 2))  # late
    answered(ea[2], "draft", None)
    answered(ea[3], "returned", dt.date(2026, 3, 5))  # sent back: not received
    answered(eb[0], "submitted", dt.date(2026, 3, 31))  # the due date itself: on time
    answered(eb[1], "verified", dt.date(2026, 1, 10), period="Q4")  # another period: no answer
    return {"a": ea, "b": eb, "inactive": inactive}


def independent(call: DataCall, enterprises: list[Enterprise]):
    """Expected, received and on time counted by hand, per commune, from the rows themselves."""
    counts: dict = {}
    for e in enterprises:
        if not e.active:
            continue
        if call.scope == "implemented":
            ok = any(
                o.status == "implemented" and o.implemented_on <= call.period_end and a.status == "approved"
                for a in e.assessments.all()
                for o in a.options.all()
            )
        elif call.scope == "sectors":
            ok = e.sector in call.sectors.all() or e.sector.parent in call.sectors.all()
        else:
            ok = e.commune in call.communes.all()
        if not ok:
            continue
        row = counts.setdefault(e.commune_id, [0, 0, 0])
        row[0] += 1
        report = SavingsReport.objects.filter(enterprise=e, year=call.year, period=call.period).first()
        if report and report.status in ("submitted", "verified"):
            row[1] += 1
            first = report.review_events.filter(to_status="submitted").order_by("at").first()
            if first and timezone.localdate(first.at) <= call.due_date:
                row[2] += 1
    return counts


def test_expected_set_of_an_implemented_options_call(world):
    call = DataCallFactory(scope="implemented", due_date=DUE)
    expected = set(expected_enterprises(call).values_list("pk", flat=True))
    assert expected == {e.pk for e in [*world["a"][:5], *world["b"][:3]]}


def test_expected_set_of_a_sectors_call_includes_the_groups_of_a_division(world, district_a):
    group = Sector.objects.create(code="101", name="Chế biến, bảo quản thịt", parent=Sector.objects.get(code="10"))
    in_group = EnterpriseFactory(district=district_a, sector=group)
    call = DataCallFactory(scope="sectors", due_date=DUE)
    call.sectors.set([Sector.objects.get(code="10")])
    expected = set(expected_enterprises(call).values_list("pk", flat=True))
    assert expected == {e.pk for e in world["a"]} | {in_group.pk}


def test_expected_set_of_a_communes_call(world, commune_b):
    call = DataCallFactory(scope="communes", due_date=DUE)
    call.communes.set([commune_b])
    expected = set(expected_enterprises(call).values_list("pk", flat=True))
    assert expected == {e.pk for e in world["b"]}


@pytest.mark.parametrize("scope", ["implemented", "sectors", "communes"])
def test_completeness_and_timeliness_match_an_independent_count(world, scope, commune_a, commune_b):
    call = DataCallFactory(scope=scope, due_date=DUE)
    call.sectors.set(Sector.objects.filter(code__in=["10", "22"]))
    call.communes.set([commune_a, commune_b])
    everyone = [*world["a"], *world["b"], world["inactive"]]
    counts = independent(call, everyone)
    figures = call_figures(call)
    assert {r.commune_id: [r.expected, r.received, r.on_time] for r in figures.rows} == counts
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    assert [figures.total.expected, figures.total.received, figures.total.on_time] == total
    assert figures.total.completeness == pytest.approx(100 * total[1] / total[0], abs=0.01)
    assert figures.total.timeliness == pytest.approx(100 * total[2] / total[0], abs=0.01)
    one = call_figures(call, commune_id=commune_a.pk)
    assert [one.total.expected, one.total.received, one.total.on_time] == counts[commune_a.pk]


def test_the_implemented_call_figures_by_hand(world, commune_a, commune_b):
    """Commune A: 5 expected, 2 received (one on time); commune B: 3 expected, 1 received on time."""
    figures = call_figures(DataCallFactory(scope="implemented", due_date=DUE))
    by_commune = {r.commune_id: (r.expected, r.received, r.on_time) for r in figures.rows}
    assert by_commune == {commune_a.pk: (5, 2, 1), commune_b.pk: (3, 1, 1)}
    assert str(figures.total.completeness) == "37.50"
    assert str(figures.total.timeliness) == "25.00"


def test_task_status_follows_the_report_and_the_due_date():
    call = DataCall(year=2025, period="Y", due_date=DUE)
    before, after = DUE, DUE + dt.timedelta(days=1)
    assert task_status(call, None, before) == TaskStatus.NOT_STARTED
    assert task_status(call, "draft", before) == TaskStatus.DRAFT
    assert task_status(call, "returned", before) == TaskStatus.DRAFT
    assert task_status(call, None, after) == TaskStatus.OVERDUE
    assert task_status(call, "draft", after) == TaskStatus.OVERDUE
    assert task_status(call, "submitted", after) == TaskStatus.SUBMITTED
    assert task_status(call, "verified", after) == TaskStatus.VERIFIED


def test_enterprise_sees_its_task_on_its_home_page(login, staff_x, enterprise_x):
    implemented(enterprise_x)
    due = timezone.localdate() + dt.timedelta(days=20)
    call = DataCallFactory(scope="implemented", due_date=due, message="Hạn nộp báo cáo tiết kiệm")
    other = DataCallFactory(scope="communes", due_date=due, period="Q1")  # names no commune: not theirs
    tasks = enterprise_tasks(enterprise_x)
    assert [(t.call.pk, t.status) for t in tasks] == [(call.pk, TaskStatus.NOT_STARTED)]
    assert other.pk not in [t.call.pk for t in tasks]
    page = login(staff_x).get(reverse("dashboard")).content.decode()
    assert 'data-testid="call-tasks"' in page
    assert "Hạn nộp báo cáo tiết kiệm" in page
    assert due.strftime("%d/%m/%Y") in page
    assert "Chưa bắt đầu" in page
    assert "?year=2025&amp;period=Y" in page


def test_enterprise_task_overdue_then_submitted(staff_x, enterprise_x):
    implemented(enterprise_x)
    DataCallFactory(scope="implemented", due_date=timezone.localdate() - dt.timedelta(days=1))
    assert [t.status for t in enterprise_tasks(enterprise_x)] == [TaskStatus.OVERDUE]
    answered(enterprise_x, "submitted", timezone.localdate())
    assert [t.status for t in enterprise_tasks(enterprise_x)] == [TaskStatus.SUBMITTED]


def test_doit_opens_a_call_for_chosen_communes(login, doit_user, commune_a):
    due = timezone.localdate() + dt.timedelta(days=30)
    response = login(doit_user).post(
        reverse("calls:create"),
        {
            "year": "2025",
            "period": "Y",
            "due_date": due.strftime("%d/%m/%Y"),
            "scope": "communes",
            "communes": [commune_a.pk],
            "message": "Báo cáo năm 2025",
        },
    )
    call = DataCall.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("calls:detail", args=[call.pk])
    assert list(call.communes.all()) == [commune_a]
    assert call.created_by == doit_user


def test_call_form_refuses_a_past_due_date_and_a_missing_sector_in_vietnamese(login, doit_user):
    response = login(doit_user).post(
        reverse("calls:create"), {"year": "2025", "period": "Y", "due_date": "01/01/2020", "scope": "sectors"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert not DataCall.objects.exists()
    assert "Hạn nộp không được ở trong quá khứ." in page
    assert "Chọn ít nhất một ngành" in page


def test_officer_sees_only_their_communes_part_of_a_call(world, login, officer_a, commune_a):
    call = DataCallFactory(scope="implemented", due_date=DUE)
    response = login(officer_a).get(reverse("calls:detail", args=[call.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    for e in world["a"][:5]:
        assert e.name in page
    for e in world["b"]:
        assert e.name not in page
    assert response.context["figures"].total.expected == 5


def test_enterprise_staff_have_no_call_pages(login, staff_x):
    call = DataCallFactory()
    client = login(staff_x)
    assert client.get(reverse("calls:list")).status_code == 403
    assert client.get(reverse("calls:detail", args=[call.pk])).status_code == 403
    assert client.get(reverse("calls:create")).status_code == 403


def test_officer_cannot_open_a_call(login, officer_a):
    assert login(officer_a).get(reverse("calls:create")).status_code == 403


def test_call_figures_on_the_dashboards(world, login, doit_user, officer_a):
    DataCallFactory(scope="implemented", due_date=DUE, year=2025)
    page = login(doit_user).get(reverse("dashboard") + "?year=2025").content.decode()
    assert 'data-testid="dashboard-calls"' in page
    assert "37,5" in page or "37.5" in page
    page = login(officer_a).get(reverse("dashboard") + "?year=2025").content.decode()
    assert "2 / 5" in page


def test_call_list_runs_a_fixed_number_of_queries(world, login, doit_user, django_assert_max_num_queries):
    client = login(doit_user)
    for i in range(3):
        DataCallFactory(due_date=DUE + dt.timedelta(days=i))
    client.get(reverse("calls:list"))
    with django_assert_max_num_queries(30) as small:
        assert client.get(reverse("calls:list")).status_code == 200
    for i in range(3, 20):
        DataCallFactory(due_date=DUE + dt.timedelta(days=i))
    with django_assert_max_num_queries(len(small.captured_queries) + 9):
        assert client.get(reverse("calls:list")).status_code == 200


def test_the_yearly_report_shows_each_calls_completeness_and_timeliness(world, commune_a, commune_b):
    """The Excel sheet and the PDF table of the yearly report carry the figures counted above."""
    import io

    import openpyxl
    from django.utils import translation

    from reporting.builders.pdf import render_html
    from reporting.builders.xlsx import build_xlsx
    from reporting.report_data import gather

    DataCallFactory(scope="implemented", due_date=DUE, year=2025)
    with translation.override("vi"):
        data = gather(2025, None)
        buffer = io.BytesIO()
        build_xlsx(data, buffer)
        html = render_html(data)
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["Yêu cầu báo cáo số liệu"]
    rows = {r[2]: r[3:8] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[commune_a.name] == (5, 2, 1, 40.0, 20.0)
    assert rows[commune_b.name] == (3, 1, 1, pytest.approx(33.33), pytest.approx(33.33))
    assert rows["Thành phố Hà Nội"] == (8, 3, 2, 37.5, 25.0)
    assert 'data-testid="data-call"' in html and "37,5" in html


def test_the_coverage_page_shows_the_latest_calls_figures(world, login, doit_user, officer_a, commune_a):
    DataCallFactory(scope="implemented", due_date=DUE, year=2025)
    page = login(doit_user).get(reverse("training:coverage")).content.decode()
    assert 'data-testid="call-coverage"' in page and commune_a.name in page
    response = login(officer_a).get(reverse("training:coverage"))
    figures = response.context["figures"]
    assert [(r.commune_id, r.expected, r.received) for r in figures.rows] == [(commune_a.pk, 5, 2)]
