"""The year-end batch (issue 6): DOIT asks for every report of a year at once, the city's and each
active district's; one job per scope and format, sent to Celery as one group; every job ends done.
Celery runs eagerly here (tasks in-process); ``test_batch_worker.py`` does it with a real worker."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import District
from reporting import services
from reporting.models import ReportJob
from tests.factories import EnterpriseFactory, SavingsLineFactory, SavingsReportFactory, resource

pytestmark = pytest.mark.django_db

YEAR = 2024


def detail_rows(path) -> list[tuple]:
    """The data rows (the verified savings lines) of a built detailed-data workbook."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))[1:]
    wb.close()
    return rows


def test_batch_creates_one_job_per_active_district_and_the_city_and_all_end_done(
    world, doit_user, private_storage, django_capture_on_commit_callbacks
):
    District.objects.filter(code="001").update(active=False)  # an inactive district gets no report
    active = list(District.objects.filter(active=True).order_by("code"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        jobs = services.report_request_all(by=doit_user, year=YEAR, formats=["lines"])
    dispatches = [getattr(c, "func", c) for c in callbacks if getattr(c, "func", c).__name__.startswith("_enqueue")]
    assert dispatches == [services._enqueue_group]  # one dispatch: the whole batch is one Celery group
    assert len(jobs) == len(active) + 1 == ReportJob.objects.count()
    assert jobs[0].district is None  # the city first
    assert [j.district for j in jobs[1:]] == active
    rows = list(ReportJob.objects.select_related("district"))
    assert {(r.status, r.format, r.year, r.final, r.progress) for r in rows} == {("done", "lines", YEAR, False, 100)}
    assert all(r.requester == doit_user and r.dispatched_at is not None for r in rows)

    # The files (the detailed data of each scope) are real and each holds its own scope's lines: A's three, B's three
    # (X's yearly report in A; Y's Q1 and B2's two lines in B), all six in the city's.
    by_scope = {r.district.code if r.district else "city": r for r in rows}
    city = detail_rows(private_storage / by_scope["city"].file.name)
    a = detail_rows(private_storage / by_scope[world.a.code].file.name)
    b = detail_rows(private_storage / by_scope[world.b.code].file.name)
    empty = detail_rows(private_storage / by_scope["002"].file.name)
    assert (len(city), len(a), len(b), len(empty)) == (6, 3, 3, 0)
    assert {r[1] for r in a} == {world.a.name} and {r[1] for r in b} == {world.b.name}
    assert sum(r[11] for r in city) == sum(r[11] for r in a) + sum(r[11] for r in b) == 126_000_000


def test_batch_in_both_formats_makes_two_jobs_per_scope(world, doit_user):
    scopes = District.objects.filter(active=True).count() + 1
    jobs = services.report_request_all(by=doit_user, year=YEAR, formats=["pdf", "xlsx", "pdf"])
    assert len(jobs) == 2 * scopes
    assert sorted({(j.district_id, j.format) for j in jobs}, key=str) == sorted(
        {
            (d, f)
            for d in [None, *District.objects.filter(active=True).values_list("pk", flat=True)]
            for f in ("pdf", "xlsx")
        },
        key=str,
    )


def test_asking_again_while_the_batch_runs_reuses_its_jobs(world, doit_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as first_dispatch:
        first = services.report_request_all(by=doit_user, year=YEAR, formats=["xlsx"])
    with django_capture_on_commit_callbacks(execute=False) as second_dispatch:
        second = services.report_request_all(by=doit_user, year=YEAR, formats=["xlsx"])
    assert [j.pk for j in second] == [j.pk for j in first]
    assert len(first_dispatch) == 1 and second_dispatch == []  # nothing sent twice
    assert ReportJob.objects.count() == len(first)


@pytest.mark.parametrize("role", ["officer_a", "staff_x"])
def test_only_city_staff_may_request_the_batch(request, role):
    with pytest.raises(PermissionDenied):
        services.report_request_all(by=request.getfixturevalue(role), year=YEAR, formats=["pdf"])
    assert not ReportJob.objects.exists()


@pytest.mark.parametrize(("year", "formats"), [(1999, ["pdf"]), (YEAR, []), (YEAR, ["odt"])])
def test_batch_refuses_a_bad_year_or_format(doit_user, year, formats):
    with pytest.raises(ValidationError):
        services.report_request_all(by=doit_user, year=year, formats=formats)
    assert not ReportJob.objects.exists()


def test_batch_query_count_does_not_grow_with_the_data(doit_user, world, enterprise_x):
    """Creating the jobs costs the same queries with a small and a larger data set."""

    def queries() -> int:
        ReportJob.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            services.report_request_all(by=doit_user, year=YEAR, formats=["xlsx"])
        return len(ctx.captured_queries)

    small = queries()
    for i in range(20):
        enterprise = EnterpriseFactory(district=world.b if i % 2 else world.a)
        report = SavingsReportFactory(enterprise=enterprise, year=YEAR, period="Y", status="verified")
        SavingsLineFactory(report=report, resource=resource("electricity"), quantity=100 + i, vnd_saved=1_000)
    assert queries() == small


def test_build_report_command_queues_the_batch(world, doit_user, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "build_report", "--year", str(YEAR), "--all-districts", "--by", doit_user.username, "--format", "xlsx",
            stdout=out,
        )  # fmt: skip
    scopes = District.objects.filter(active=True).count() + 1
    assert f"Queued {scopes} report jobs for {YEAR}" in out.getvalue()
    assert set(ReportJob.objects.values_list("status", flat=True)) == {"done"}


@pytest.mark.parametrize(
    "args",
    [
        ["--all-districts", "--format", "pdf"],  # no --by
        ["--all-districts", "--by", "nobody", "--format", "pdf"],
        ["--all-districts", "--by", "officer.a", "--format", "pdf"],
        ["--all-districts", "--by", "doit.test", "--format", "pdf", "--district", "006"],
        ["--format", "both", "--output", "x.pdf"],  # both formats need --all-districts
    ],
)
def test_build_report_command_refuses_a_bad_batch(doit_user, officer_a, args):
    with pytest.raises(CommandError):
        call_command("build_report", "--year", str(YEAR), *args, stdout=io.StringIO())
    assert not ReportJob.objects.exists()


def test_doit_requests_the_batch_from_the_reports_page(world, login, doit_user, django_capture_on_commit_callbacks):
    client = login(doit_user, language="en")
    page = client.get("/reports/")
    assert 'name="all_districts"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post("/reports/", {"year": YEAR, "district": "", "format": "pdf", "all_districts": "on"})
    assert response.status_code == 302
    active = District.objects.filter(active=True).count()
    jobs = ReportJob.objects.filter(year=YEAR, format="pdf")
    assert jobs.count() == active + 1 and jobs.filter(district=None).count() == 1
    shown = client.get("/reports/").content.decode()
    assert f"Year-end batch requested: {active + 1} reports." in shown


def test_officers_have_no_batch_option_and_a_posted_one_is_ignored(world, login, officer_a):
    client = login(officer_a)
    assert 'name="all_districts"' not in client.get("/reports/").content.decode()
    response = client.post(
        "/reports/", {"year": YEAR, "commune": officer_a.commune_id, "format": "pdf", "all_districts": "on"}
    )
    assert response.status_code == 302
    assert list(ReportJob.objects.values_list("commune_id", flat=True)) == [officer_a.commune_id]
