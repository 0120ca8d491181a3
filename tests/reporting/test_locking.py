"""Period locking (DESIGN.md §10): DOIT issues the final report of a year, which locks it; nothing
of that year can change until DOIT reopens it (recorded); the locked year's reports are the same
every time, whatever happens to the live data afterwards."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from assessments.forms.assessments import AssessmentForm, BaselineFormSet, CPOptionFormSet
from assessments.models import (
    Assessment,
    BaselineConsumption,
    CPOption,
    Evidence,
    OptionExpectedSaving,
    ResourceFactor,
    ReviewEvent,
    SavingsLine,
    SavingsReport,
)
from assessments.services import assessments as assessment_services
from assessments.services import savings as savings_services
from assessments.services.savings import LineInput
from assessments.services.workflow import YearLocked, ensure_year_open, transition
from reporting import dashboard, indicators, services, snapshots
from reporting.builders.pdf import build_pdf
from reporting.builders.xlsx import build_xlsx
from reporting.indicators.calls import year_call_figures
from reporting.models import ReportJob, YearLock, YearLockEvent, YearSnapshot, YearSnapshotLine
from reporting.report_data import gather
from reporting.selectors import ADVISORY_NAMESPACE, is_year_locked, locked_years
from tests.assessments.assessment_forms import full_post
from tests.assessments.test_evidence_checks import pdf_bytes
from tests.factories import (
    AssessmentFactory,
    BaselineConsumptionFactory,
    CPOptionFactory,
    DataCallFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    resource,
)

from .expected import expected
from .test_builders import pdf_text, vi

pytestmark = pytest.mark.django_db

LOCKED, OPEN = 2024, 2023
LIST = reverse("reporting:list")
LOCK_URL = reverse("reporting:year_lock")
REOPEN_URL = reverse("reporting:year_reopen")


def locked_message(year: int = LOCKED) -> str:
    with translation.override("en"):
        return YearLocked(year).message


def lock_by_row(year: int, by) -> YearLock:
    """A lock as the service leaves it, without computing a snapshot (the write services only
    look at the lock itself)."""
    return YearLock.objects.create(year=year, locked_by=by)


def lock_and_store(year: int, by, note: str = "") -> YearLock:
    """``year_lock`` as the request runs it, then what the first report build does in the worker
    before anything else: store the locked year's figures (``year_snapshot_ensure``)."""
    lock = services.year_lock(year=year, by=by, note=note)
    assert services.year_snapshot_ensure(year=year)
    return lock


# --------------------------------------------------------------------------- who may lock


@pytest.mark.parametrize("role", ["officer_a", "staff_x"])
def test_only_doit_can_lock_or_reopen_a_year(request, role, doit_user):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.year_lock(year=LOCKED, by=user)
    lock_by_row(LOCKED, doit_user)
    with pytest.raises(PermissionDenied):
        services.year_reopen(year=LOCKED, by=user, comment="Sai số liệu")
    with pytest.raises(PermissionDenied):
        services.report_request(by=user, year=LOCKED, district=None, formats=["pdf"], final=True)
    assert list(YearLock.objects.values_list("year", flat=True)) == [LOCKED]
    assert not YearLockEvent.objects.exists() and not ReportJob.objects.exists()


@pytest.mark.parametrize("role", ["officer_a", "staff_x"])
def test_other_roles_get_403_on_the_lock_urls_and_see_no_button(request, login, role, doit_user):
    client = login(request.getfixturevalue(role))
    assert client.post(LOCK_URL, {"year": LOCKED}).status_code == 403
    lock_by_row(LOCKED, doit_user)
    assert client.post(REOPEN_URL, {"year": LOCKED, "comment": "x"}).status_code == 403
    assert is_year_locked(LOCKED) and not YearLockEvent.objects.exists()
    page = client.get(LIST).content.decode()
    assert 'data-testid="final-report"' not in page and LOCK_URL not in page


def test_doit_sees_the_final_report_button_with_a_confirmation(login, doit_user):
    page = login(doit_user, language="en").get(LIST).content.decode()
    assert 'data-testid="issue-final"' in page and "data-confirm=" in page
    assert f'action="{LOCK_URL}"' in page
    # Only years that have ended can be locked.
    form = page.split('data-testid="year-lock-form"', 1)[1].split("</form>", 1)[0]
    assert f'<option value="{timezone.localdate().year}"' not in form
    assert f'<option value="{timezone.localdate().year - 1}"' in form


def test_lock_refuses_the_current_year_and_a_locked_year(doit_user):
    with pytest.raises(ValidationError) as exc:
        services.year_lock(year=timezone.localdate().year, by=doit_user)
    assert "year" in exc.value.message_dict
    lock_by_row(LOCKED, doit_user)
    with pytest.raises(ValidationError):
        services.year_lock(year=LOCKED, by=doit_user)
    assert YearLock.objects.count() == 1 and not YearLockEvent.objects.exists()


def test_is_year_locked_is_one_query(doit_user, django_assert_num_queries):
    lock_by_row(LOCKED, doit_user)
    with django_assert_num_queries(1):
        assert is_year_locked(LOCKED)
    with django_assert_num_queries(1):
        assert not is_year_locked(OPEN)
    with django_assert_num_queries(1):
        assert locked_years([OPEN, LOCKED]) == {LOCKED}


# --------------------------------------------------------------------------- issuing the final report


def test_doit_issues_the_final_report_from_the_reports_page(
    world, login, doit_user, django_capture_on_commit_callbacks
):
    client = login(doit_user, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LOCK_URL, {"year": LOCKED, "note": "Công văn 123/SCT-QLCN"})
    assert response.status_code == 302
    lock = YearLock.objects.get(year=LOCKED)
    assert lock.locked_by == doit_user and lock.note == "Công văn 123/SCT-QLCN"
    event = YearLockEvent.objects.get()
    assert (event.year, event.action, event.by, event.comment) == (LOCKED, "lock", doit_user, lock.note)
    # Figures for the city and every district, and the year's verified lines.
    from enterprises.models import District

    assert set(YearSnapshot.objects.values_list("scope", flat=True)) == {"city"} | set(
        District.objects.values_list("code", flat=True)
    )
    assert YearSnapshotLine.objects.filter(lock=lock).count() == 6
    # The city report in both formats, marked final, built.
    jobs = ReportJob.objects.order_by("format")
    assert [(j.format, j.final, j.district, j.status) for j in jobs] == [
        ("pdf", True, None, "done"),
        ("xlsx", True, None, "done"),
    ]
    page = client.get(LIST).content.decode()
    assert 'data-testid="final-badge"' in page and f'data-testid="locked-{LOCKED}"' in page
    assert 'data-testid="lock-event"' in page and "Công văn 123/SCT-QLCN" in page


def test_locking_an_invalid_year_shows_the_form_again(login, doit_user):
    response = login(doit_user, language="en").post(LOCK_URL, {"year": 1999, "note": "x"})
    assert response.status_code == 400 and b"is-invalid" in response.content
    assert not YearLock.objects.exists() and not YearLockEvent.objects.exists()


# --------------------------------------------------------------------------- every write is refused


def state() -> dict:
    """Everything the write services could change, to compare before and after."""
    return {
        "assessments": sorted(Assessment.objects.values_list("pk", "year", "status", "version", "notes")),
        "baseline": sorted(BaselineConsumption.objects.values_list("pk", "assessment_id", "quantity")),
        "options": sorted(CPOption.objects.values_list("pk", "assessment_id", "description", "status")),
        "expected": sorted(OptionExpectedSaving.objects.values_list("pk", "option_id", "quantity")),
        "reports": sorted(SavingsReport.objects.values_list("pk", "year", "period", "status", "version", "notes")),
        "lines": sorted(SavingsLine.objects.values_list("pk", "report_id", "quantity")),
        "evidence": sorted(Evidence.objects.values_list("pk", "file")),
        "events": ReviewEvent.objects.count(),
        "factors": ResourceFactor.objects.count(),
        "history": [m.history.count() for m in (Assessment, BaselineConsumption, CPOption, SavingsReport, SavingsLine)],
    }


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def items(enterprise_x, officer_a, staff_x, doit_user):
    """A draft and a submitted assessment and savings report in LOCKED, with lines, an option
    with an expected saving and an evidence file; a draft assessment and report in OPEN."""
    draft = AssessmentFactory(enterprise=enterprise_x, year=LOCKED, status="draft")
    BaselineConsumptionFactory(assessment=draft, resource=resource("electricity"), quantity=100_000)
    option = CPOptionFactory(assessment=draft)
    OptionExpectedSaving.objects.create(option=option, resource=resource("electricity"), quantity=5_000)
    submitted = AssessmentFactory(enterprise=enterprise_x, year=LOCKED, status="submitted")
    open_assessment = AssessmentFactory(enterprise=enterprise_x, year=OPEN, status="draft")
    report = SavingsReportFactory(enterprise=enterprise_x, year=LOCKED, period="Q1", status="draft")
    line = SavingsLineFactory(report=report, quantity=1_000, vnd_saved=2_000_000)
    evidence = savings_services.evidence_add(
        report=report, by=staff_x, upload=SimpleUploadedFile("hoa-don.pdf", pdf_bytes())
    )
    report_submitted = SavingsReportFactory(enterprise=enterprise_x, year=LOCKED, period="Q2", status="submitted")
    SavingsLineFactory(report=report_submitted, quantity=500, vnd_saved=1_000_000)
    open_report = SavingsReportFactory(enterprise=enterprise_x, year=OPEN, period="Y", status="draft")
    return {
        "x": enterprise_x,
        "officer": officer_a,
        "staff": staff_x,
        "doit": doit_user,
        "draft": draft,
        "option": option,
        "submitted": submitted,
        "open_assessment": open_assessment,
        "report": report,
        "line": line,
        "evidence": evidence,
        "report_submitted": report_submitted,
        "open_report": open_report,
    }


def _assessment_forms(assessment: Assessment, data: dict):
    form = AssessmentForm(data, instance=assessment)
    options = assessment.options.order_by("pk") if assessment.pk else CPOption.objects.none()
    baseline = BaselineFormSet(data, instance=assessment, prefix="baseline")
    option_forms = CPOptionFormSet(data, instance=assessment, prefix="options", queryset=options)
    assert form.is_valid() and baseline.is_valid() and option_forms.is_valid(), (
        form.errors,
        baseline.errors,
        option_forms.errors,
    )
    return form, baseline, option_forms


def assessment_create(i):
    data = full_post(year=LOCKED, baseline=[{"resource": resource("water").pk, "quantity": "900", "cost_vnd": ""}])
    form, baseline, options = _assessment_forms(Assessment(enterprise=i["x"]), data)
    assessment_services.assessment_create(
        by=i["officer"], enterprise=i["x"], assessment=form.instance, baseline_formset=baseline, option_formset=options
    )


def _update(i, assessment: Assessment, **overrides):
    assessment = Assessment.objects.get(pk=assessment.pk)
    data = full_post(assessment, **overrides)
    form, baseline, options = _assessment_forms(assessment, data)
    assessment_services.assessment_update(
        by=i["officer"],
        assessment=form.instance,
        version=assessment.version,
        baseline_formset=baseline,
        option_formset=options,
    )


def assessment_update(i):
    _update(i, i["draft"], year=LOCKED, notes="Bổ sung số liệu")


def assessment_update_deleting_a_baseline_line(i):
    line = i["draft"].baseline_lines.get()
    rows = [{"id": line.pk, "resource": line.resource_id, "quantity": line.quantity, "cost_vnd": "", "DELETE": "on"}]
    _update(i, i["draft"], year=LOCKED, baseline=rows)


def assessment_update_moving_it_into_the_locked_year(i):
    _update(i, i["open_assessment"], year=LOCKED)


def option_expected_savings_set(i):
    option = CPOption.objects.select_related("assessment").get(pk=i["option"].pk)
    assessment_services.option_expected_savings_set(option=option, savings={resource("water").pk: Decimal(10)})


def assessment_submit(i):
    assessment_services.assessment_submit(assessment=i["draft"], by=i["officer"])


def assessment_approve(i):
    assessment_services.assessment_approve(assessment=i["submitted"], by=i["doit"])


def assessment_return(i):
    assessment_services.assessment_return(assessment=i["submitted"], by=i["doit"], comment="Thiếu số liệu")


def workflow_transition(i):
    transition(obj=i["report_submitted"], to=SavingsReport.Status.VERIFIED, by=i["officer"])


def factor_create(i):
    factor = ResourceFactor(resource=resource("electricity"), valid_from_year=LOCKED, tco2e_per_unit="0.6", source="x")
    assessment_services.factor_create(by=i["doit"], factor=factor)


def savings_report_create(i):
    savings_services.savings_report_create(
        by=i["staff"],
        enterprise=i["x"],
        year=LOCKED,
        period="Q3",
        lines=[LineInput(resource=resource("electricity"), quantity=Decimal(100), vnd_saved=200_000)],
    )


def savings_report_update(i):
    savings_services.savings_report_update(
        by=i["staff"],
        report=i["report"],
        version=i["report"].version,
        year=LOCKED,
        period="Q1",
        notes="Sửa",
        lines=[LineInput(resource=resource("water"), quantity=Decimal(5), vnd_saved=50_000)],
    )


def savings_report_update_deleting_a_line(i):
    line = i["line"]
    savings_services.savings_report_update(
        by=i["staff"],
        report=i["report"],
        version=i["report"].version,
        year=LOCKED,
        period="Q1",
        lines=[LineInput(resource=line.resource, quantity=line.quantity, vnd_saved=0, line=line, delete=True)],
    )


def savings_report_update_moving_it_into_the_locked_year(i):
    report = i["open_report"]
    savings_services.savings_report_update(
        by=i["staff"], report=report, version=report.version, year=LOCKED, period="Q4"
    )


def savings_report_submit(i):
    savings_services.savings_report_submit(report=i["report"], by=i["staff"])


def savings_report_verify(i):
    savings_services.savings_report_verify(report=i["report_submitted"], by=i["officer"])


def savings_report_return(i):
    savings_services.savings_report_return(report=i["report_submitted"], by=i["officer"], comment="Thiếu hóa đơn")


def evidence_add(i):
    savings_services.evidence_add(
        report=i["report"], by=i["staff"], upload=SimpleUploadedFile("bien-ban.pdf", pdf_bytes())
    )


def evidence_delete(i):
    savings_services.evidence_delete(evidence=i["evidence"], by=i["staff"])


WRITES = [
    assessment_create,
    assessment_update,
    assessment_update_deleting_a_baseline_line,
    assessment_update_moving_it_into_the_locked_year,
    option_expected_savings_set,
    assessment_submit,
    assessment_approve,
    assessment_return,
    workflow_transition,
    factor_create,
    savings_report_create,
    savings_report_update,
    savings_report_update_deleting_a_line,
    savings_report_update_moving_it_into_the_locked_year,
    savings_report_submit,
    savings_report_verify,
    savings_report_return,
    evidence_add,
    evidence_delete,
]


@pytest.mark.parametrize("write", WRITES, ids=[w.__name__ for w in WRITES])
def test_every_write_in_a_locked_year_is_refused_and_nothing_is_written(items, write, private_storage):
    lock_by_row(LOCKED, items["doit"])
    before, files = state(), stored_files(private_storage)
    with translation.override("en"), pytest.raises(YearLocked) as exc:
        write(items)
    assert exc.value.year == LOCKED and exc.value.message == locked_message()
    assert state() == before and stored_files(private_storage) == files


@pytest.mark.parametrize("write", WRITES, ids=[w.__name__ for w in WRITES])
def test_the_same_write_goes_through_once_the_year_is_reopened(items, write):
    lock_by_row(LOCKED, items["doit"])
    services.year_reopen(year=LOCKED, by=items["doit"], comment="Doanh nghiệp nộp bổ sung hóa đơn")
    before = state()
    write(items)
    assert state() != before


def test_the_year_check_guards_the_year_until_the_transaction_ends(doit_user):
    """Inside a write, the year's shared advisory lock is held, so locking the year waits for it."""
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    query = "SELECT mode FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s AND pid = pg_backend_pid()"
    with transaction.atomic():
        ensure_year_open(OPEN)
        with connection.cursor() as cursor:
            cursor.execute(query, [ADVISORY_NAMESPACE, OPEN])
            assert [row[0] for row in cursor.fetchall()] == ["ShareLock"]


# --------------------------------------------------------------------------- pages of locked items


@pytest.fixture
def locked_items(items):
    lock_by_row(LOCKED, items["doit"])
    return items


def test_locked_assessment_page_shows_the_badge_and_no_action(login, locked_items, doit_user):
    draft, submitted = locked_items["draft"], locked_items["submitted"]
    officer_page = login(locked_items["officer"], language="en").get(draft.get_absolute_url()).content.decode()
    assert 'data-testid="locked-badge"' in officer_page and 'data-testid="year-locked"' in officer_page
    assert reverse("assessments:edit", args=[draft.pk]) not in officer_page
    assert reverse("assessments:submit", args=[draft.pk]) not in officer_page
    doit_page = login(doit_user, language="en").get(submitted.get_absolute_url()).content.decode()
    assert 'data-testid="locked-badge"' in doit_page
    assert reverse("assessments:approve", args=[submitted.pk]) not in doit_page


def test_open_assessment_page_has_no_badge(login, locked_items):
    page = login(locked_items["officer"]).get(locked_items["open_assessment"].get_absolute_url()).content.decode()
    assert 'data-testid="locked-badge"' not in page
    assert reverse("assessments:edit", args=[locked_items["open_assessment"].pk]) in page


def test_locked_assessment_edit_and_moves_answer_with_the_message(login, locked_items):
    draft = locked_items["draft"]
    client = login(locked_items["officer"], language="en")
    before = state()
    response = client.get(reverse("assessments:edit", args=[draft.pk]), follow=True)
    assert response.redirect_chain and locked_message() in response.content.decode()
    response = client.post(reverse("assessments:edit", args=[draft.pk]), full_post(draft, year=LOCKED), follow=True)
    assert locked_message() in response.content.decode()
    response = client.post(reverse("assessments:submit", args=[draft.pk]), {"version": draft.version}, follow=True)
    assert response.status_code == 200 and locked_message() in response.content.decode()
    doit = login(locked_items["doit"], language="en")
    submitted = locked_items["submitted"]
    for action in ("approve", "return"):
        response = doit.post(
            reverse(f"assessments:{action}", args=[submitted.pk]),
            {"version": submitted.version, "comment": "Thiếu"},
            follow=True,
        )
        assert response.status_code == 200 and locked_message() in response.content.decode()
    assert state() == before


def test_creating_an_assessment_in_a_locked_year_is_a_form_error(login, locked_items):
    x = locked_items["x"]
    before = state()
    response = login(locked_items["officer"], language="en").post(
        f"{reverse('assessments:create')}?enterprise={x.pk}", {**full_post(year=LOCKED), "enterprise": x.pk}
    )
    assert response.status_code == 400 and locked_message() in response.content.decode()
    assert state() == before


def test_a_factor_for_a_locked_year_is_a_form_error(login, locked_items):
    before = state()
    response = login(locked_items["doit"], language="en").post(
        reverse("assessments:factors"),
        {
            "resource": resource("electricity").pk,
            "valid_from_year": LOCKED,
            "toe_per_unit": "0.0001543",
            "tco2e_per_unit": "0.0006",
            "source": "DCC 2024",
            "method": "",
        },
    )
    assert response.status_code == 400 and locked_message() in response.content.decode()
    assert state() == before


def test_locked_savings_report_page_shows_the_badge_and_no_action(login, locked_items):
    report, submitted = locked_items["report"], locked_items["report_submitted"]
    page = login(locked_items["staff"], language="en").get(report.get_absolute_url()).content.decode()
    assert 'data-testid="locked-badge"' in page and 'data-testid="year-locked"' in page
    for testid in ('data-testid="edit"', 'data-testid="submit"', 'data-testid="evidence-form"'):
        assert testid not in page
    assert reverse("savings:evidence_delete", args=[report.pk, locked_items["evidence"].pk]) not in page
    page = login(locked_items["officer"], language="en").get(submitted.get_absolute_url()).content.decode()
    assert 'data-testid="verify"' not in page and 'data-testid="return-form"' not in page


def test_locked_savings_report_edit_moves_and_evidence_answer_with_the_message(login, locked_items):
    report, submitted = locked_items["report"], locked_items["report_submitted"]
    staff = login(locked_items["staff"], language="en")
    officer = login(locked_items["officer"], language="en")
    before = state()
    requests = [
        (staff, "get", reverse("savings:edit", args=[report.pk]), None),
        (staff, "post", reverse("savings:edit", args=[report.pk]), {"year": LOCKED, "period": "Q1", "version": 1}),
        (staff, "post", reverse("savings:submit", args=[report.pk]), {"version": report.version}),
        (staff, "post", reverse("savings:evidence_upload", args=[report.pk]), None),
        (staff, "post", reverse("savings:evidence_delete", args=[report.pk, locked_items["evidence"].pk]), {}),
        (officer, "post", reverse("savings:verify", args=[submitted.pk]), {"version": submitted.version}),
        (officer, "post", reverse("savings:return", args=[submitted.pk]), {"version": 1, "comment": "Thiếu"}),
    ]
    for client, method, url, data in requests:
        if url.endswith("/evidence/"):
            data = {"file": SimpleUploadedFile("a.pdf", pdf_bytes(), content_type="application/pdf")}
        response = getattr(client, method)(url, data, follow=True) if data is not None else client.get(url, follow=True)
        assert response.status_code == 200, url
        assert locked_message() in response.content.decode(), url
    assert state() == before


def test_creating_a_savings_report_in_a_locked_year_is_a_form_error(login, locked_items):
    before = state()
    data = {
        "year": LOCKED,
        "period": "Q3",
        "notes": "",
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        "lines-0-resource": resource("electricity").pk,
        "lines-0-quantity": "100",
        "lines-0-vnd_saved": "200000",
        "lines-0-option": "",
    }
    response = login(locked_items["staff"], language="en").post(reverse("savings:create"), data)
    assert response.status_code == 200 and locked_message() in response.content.decode()
    assert state() == before


# --------------------------------------------------------------------------- reopening


def test_doit_reopens_with_a_comment_which_is_recorded_and_edits_work_again(login, locked_items):
    doit, report = locked_items["doit"], locked_items["report"]
    client = login(doit, language="en")
    response = client.post(REOPEN_URL, {"year": LOCKED, "comment": ""})
    assert response.status_code == 400 and is_year_locked(LOCKED)
    assert "Say why the year is reopened" in response.content.decode()
    assert not YearLockEvent.objects.exists()

    started = timezone.now()
    response = client.post(REOPEN_URL, {"year": LOCKED, "comment": "Doanh nghiệp X nộp bổ sung hóa đơn"})
    assert response.status_code == 302 and not is_year_locked(LOCKED)
    event = YearLockEvent.objects.get()
    assert (event.year, event.action, event.by, event.comment) == (
        LOCKED,
        "reopen",
        doit,
        "Doanh nghiệp X nộp bổ sung hóa đơn",
    )
    assert started <= event.at <= timezone.now()
    page = client.get(LIST).content.decode()
    assert 'data-action="reopen"' in page and "Doanh nghiệp X nộp bổ sung hóa đơn" in page

    staff = login(locked_items["staff"], language="en")
    assert 'data-testid="edit"' in staff.get(report.get_absolute_url()).content.decode()
    savings_services.savings_report_update(
        by=locked_items["staff"], report=report, version=report.version, year=LOCKED, period="Q1", notes="Đã sửa"
    )
    assert SavingsReport.objects.get(pk=report.pk).notes == "Đã sửa"


def test_reopening_a_year_that_is_not_locked_is_refused(doit_user, login):
    with pytest.raises(ValidationError):
        services.year_reopen(year=LOCKED, by=doit_user, comment="x")
    response = login(doit_user, language="en").post(REOPEN_URL, {"year": LOCKED, "comment": "x"})
    assert response.status_code == 400 and "is not locked" in response.content.decode()
    assert not YearLockEvent.objects.exists()


# --------------------------------------------------------------------------- reproducible figures


def all_values(ind) -> list:
    """Every leaf value of the indicators, to check the kinds the snapshot must carry."""
    out = []

    def walk(v):
        if dataclasses.is_dataclass(v):
            for f in dataclasses.fields(v):
                walk(getattr(v, f.name))
        elif isinstance(v, tuple | list):
            for x in v:
                walk(x)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        else:
            out.append(v)

    walk(ind)
    return out


def test_snapshot_round_trip_is_exact(world):
    for district in (None, world.a, world.c):
        ind = indicators.compute_live(LOCKED, district)
        stored = json.loads(json.dumps(snapshots.indicators_to_json(ind)))  # as the database keeps it
        back = snapshots.indicators_from_json(stored)
        assert back == ind
        kinds = {type(v) for v in all_values(back)}
        assert {Decimal, int, str, bool, type(None), dt.date, dt.datetime} <= kinds
        assert [type(f.value) for f in back.figures] == [type(f.value) for f in ind.figures]
        assert back.computed_at.tzinfo is not None and back.computed_at == ind.computed_at


def test_snapshot_refuses_what_it_did_not_write():
    with pytest.raises(snapshots.SnapshotError):
        snapshots.encode(object())
    with pytest.raises(snapshots.SnapshotError):
        snapshots.decode({"$dc": "User", "fields": {}})
    with pytest.raises(snapshots.SnapshotError):
        snapshots.indicators_from_json({"version": 999, "indicators": None})


def test_stored_figures_equal_the_live_computation_at_lock_time(world, doit_user):
    with translation.override("vi"):  # the report's language, in which free texts are stored
        live = {None: indicators.compute_live(LOCKED), world.a: indicators.compute_live(LOCKED, world.a)}
    lock_and_store(LOCKED, doit_user)
    for district, ind in live.items():
        with translation.override("vi"):
            frozen = indicators.compute(LOCKED, district)
        # With the data calls of the year, counted when it was locked (the city's for a district).
        calls = tuple(year_call_figures(LOCKED))
        assert frozen == dataclasses.replace(ind, computed_at=frozen.computed_at, calls=calls)
    assert list(indicators.verified_line_rows(LOCKED, None)) == list(indicators.live_verified_line_rows(LOCKED, None))
    assert list(indicators.verified_line_rows(LOCKED, world.b)) == list(
        indicators.live_verified_line_rows(LOCKED, world.b)
    )


def change_live_data(world) -> None:
    """What can still happen after a year is locked: enterprises deactivated or renamed, rows
    written by hand, a factor added in the admin."""
    world.x.active = False
    world.x.name = "Tên mới sau khi khóa sổ"
    world.x.save()
    late = SavingsReportFactory(enterprise=world.y, year=LOCKED, period="Q4", status="verified")
    SavingsLineFactory(report=late, resource=resource("electricity"), quantity=70_000, vnd_saved=140_000_000)
    ResourceFactor.objects.create(
        resource=resource("electricity"),
        valid_from_year=LOCKED,
        toe_per_unit="0.0002",
        tco2e_per_unit="0.7",
        source="x",
    )


def test_later_changes_do_not_change_the_locked_years_figures(world, doit_user):
    lock_and_store(LOCKED, doit_user)
    city, district_a = indicators.compute(LOCKED), indicators.compute(LOCKED, world.a)
    lines = list(indicators.verified_line_rows(LOCKED, None))
    change_live_data(world)

    assert indicators.compute_live(LOCKED).value("savings_vnd") != city.value("savings_vnd")  # it would have moved
    assert indicators.compute(LOCKED) == city
    assert indicators.compute(LOCKED, world.a) == district_a
    assert dashboard.dashboard_figures(LOCKED, None, for_city_staff=True).indicators == dataclasses.replace(
        city, findings=()
    )  # the dashboard's figures of the locked year are the stored ones too
    assert list(indicators.verified_line_rows(LOCKED, None)) == lines


def workbook_values(data: bytes) -> dict:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb.worksheets}


def build(fmt: str, district=None) -> bytes:
    stream = io.BytesIO()
    services.build_file(year=LOCKED, district=district, fmt=fmt, stream=stream)
    return stream.getvalue()


def test_locked_years_pdf_and_excel_keep_their_numbers(world, doit_user, private_storage):
    exp = expected(LOCKED)
    lock_and_store(LOCKED, doit_user)
    first_xlsx, first_pdf = build("xlsx"), pdf_text(build("pdf"))
    change_live_data(world)

    second_xlsx, second_pdf = build("xlsx"), pdf_text(build("pdf"))
    assert workbook_values(second_xlsx) == workbook_values(first_xlsx)
    assert second_pdf == first_pdf
    assert vi(exp["savings_vnd"]) in second_pdf and vi(exp["savings_toe"], 2) in second_pdf
    values = workbook_values(second_xlsx)
    assert "Tên mới sau khi khóa sổ" not in str(values)
    # The detailed data of the locked year: its lines as stored, not the live ones.
    [detail] = workbook_values(build("lines")).values()
    assert len(detail) == 1 + 6 and sum(r[11] for r in detail[1:]) == exp["savings_vnd"]
    assert "Tên mới sau khi khóa sổ" not in str(detail)


def test_a_locked_years_detailed_data_csv_lists_the_stored_lines(world, doit_user, login):
    lock_and_store(LOCKED, doit_user)
    client = login(doit_user)
    first = b"".join(client.get(reverse("reporting:detail_csv"), {"year": LOCKED}).streaming_content)
    change_live_data(world)  # a late verified line, a renamed enterprise, a new factor

    second = b"".join(client.get(reverse("reporting:detail_csv"), {"year": LOCKED}).streaming_content)
    assert second == first
    assert len(second.decode("utf-8-sig").splitlines()) == 1 + 6 and "Tên mới sau khi khóa sổ" not in second.decode()


def test_the_final_excel_file_and_a_later_build_hold_the_same_cells(
    world, doit_user, private_storage, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.year_lock(year=LOCKED, by=doit_user)
    final = ReportJob.objects.get(final=True, format="xlsx")
    change_live_data(world)
    with django_capture_on_commit_callbacks(execute=True):
        [again] = services.report_request(by=doit_user, year=LOCKED, district=None, formats=["xlsx"])
    again.refresh_from_db()
    assert not again.final and again.status == "done"
    first = (private_storage / final.file.name).read_bytes()
    second = (private_storage / again.file.name).read_bytes()
    assert workbook_values(first) == workbook_values(second)


def test_district_excel_of_a_locked_year_is_reproducible(world, doit_user):
    lock_and_store(LOCKED, doit_user)
    first = workbook_values(build("xlsx", world.b))
    change_live_data(world)
    assert workbook_values(build("xlsx", world.b)) == first


def test_reopening_discards_the_snapshot_and_locking_again_takes_a_new_one(world, doit_user):
    lock_and_store(LOCKED, doit_user)
    before = indicators.compute(LOCKED)
    change_live_data(world)
    services.year_reopen(year=LOCKED, by=doit_user, comment="Bổ sung báo cáo quý 4")
    assert not YearSnapshot.objects.exists() and not YearSnapshotLine.objects.exists()
    live = indicators.compute(LOCKED)
    assert live.value("savings_vnd") == before.value("savings_vnd") + 140_000_000

    lock_and_store(LOCKED, doit_user, note="Lần 2")
    again = indicators.compute(LOCKED)
    assert again.value("savings_vnd") == live.value("savings_vnd")
    assert [e.action for e in YearLockEvent.objects.order_by("at", "pk")] == ["lock", "reopen", "lock"]
    # The final jobs of the first lock were not built yet (no worker here): they are reused, and
    # will build from the new snapshot.
    assert ReportJob.objects.filter(final=True, status="queued").count() == 2


def test_snapshot_labels_follow_the_readers_language(world, doit_user):
    lock_and_store(LOCKED, doit_user)
    with translation.override("en"):
        assert indicators.compute(LOCKED).fig["savings_vnd"].label == "Verified savings"
        assert indicators.compute(LOCKED).categories[0].label == "Good housekeeping"


def test_builders_of_a_locked_year_use_few_queries(world, doit_user, django_assert_max_num_queries):
    DataCallFactory(year=LOCKED, scope="implemented", due_date=dt.date(LOCKED + 1, 3, 31))
    lock_and_store(LOCKED, doit_user)
    for builder in (build_pdf, build_xlsx):
        # The data calls' figures are stored with the year's: none of their queries.
        with django_assert_max_num_queries(6):
            builder(gather(LOCKED, None), io.BytesIO())


# --------------------------------------------------------------------------- the reports page


@pytest.mark.parametrize("size", [1, 6])
def test_reports_page_query_count_does_not_grow_with_locks(login, doit_user, size, django_assert_max_num_queries):
    for year in range(2010, 2010 + size):
        lock_by_row(year, doit_user)
        YearLockEvent.objects.create(year=year, action="lock", by=doit_user)
    client = login(doit_user)
    with django_assert_max_num_queries(16):  # with the archive, and the request form's communes
        response = client.get(LIST)
    assert response.content.decode().count('data-testid="lock-event"') == size
