"""The report archive (issue 15, item 4): pages and filters, a year-end batch as one row that
opens to its files, its ZIP (scope-checked, streamed), one e-mail per batch, final reports of
locked years pinned at the top."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from enterprises.models import District
from notifications.models import Notification
from periods.models import YearLock
from reporting import services
from reporting.archive import PAGE_SIZE
from reporting.models import ReportBatch, ReportEdition, ReportJob
from tests.factories import OfficerFactory, ReportJobFactory

pytestmark = pytest.mark.django_db

LIST = reverse("reporting:list")
JOBS = reverse("reporting:jobs")
YEAR = 2024


def done_job(district=None, fmt="pdf", **kwargs) -> ReportJob:
    job = ReportJobFactory(district=district, format=fmt, status="running", **kwargs)
    job.file.save(
        f"x.{fmt}", ContentFile(f"report {fmt} of {district.code if district else 'city'}".encode()), save=False
    )
    job.status = "done"
    job.finished_at = timezone.now()
    job.save()
    return job


def make_batch(requester, districts, *, year=YEAR, failed=()) -> ReportBatch:
    batch = ReportBatch.objects.create(year=year, requester=requester)
    for district in [None, *districts]:
        for fmt in ("pdf", "xlsx"):
            if district in failed:
                ReportJobFactory(
                    district=district, format=fmt, year=year, requester=requester, status="failed", batch=batch
                )
            else:
                done_job(district, fmt, year=year, requester=requester, batch=batch)
    return batch


def shown(body: str, kind: str) -> set[int]:
    return {int(pk) for pk in re.findall(rf'data-testid="{kind}-(\d+)"', body)}


def test_seventy_jobs_are_all_reachable_page_by_page_with_the_batch_on_one_row(
    login, doit_user, private_storage, django_assert_max_num_queries
):
    districts = list(District.objects.filter(active=True).order_by("code")[:4])
    batch = make_batch(doit_user, districts)  # 10 jobs, one row
    singles = [done_job(districts[i % 4], year=2009 + i % 16, requester=doit_user) for i in range(60)]
    assert ReportJob.objects.count() == 70
    client = login(doit_user)

    first = client.get(LIST).content.decode()
    assert "61 hàng" in first  # 60 single jobs and one batch row
    seen_jobs, seen_batches, pages = set(), set(), 0
    for page in range(1, 4):
        body = client.get(LIST, {"page": page}).content.decode()
        seen_jobs |= shown(body, "job")
        seen_batches |= shown(body, "batch")
        pages += 1
        rows = len(shown(body, "job") - {job.pk for job in batch.jobs.all()}) + len(shown(body, "batch"))
        assert rows == (PAGE_SIZE if page < 3 else 61 - 2 * PAGE_SIZE)
    assert seen_jobs == {job.pk for job in ReportJob.objects.all()}  # every job, the batch's inside its row
    assert seen_batches == {batch.pk}
    assert {job.pk for job in singles} <= seen_jobs

    # The page (and the table it polls) costs the same number of queries with 70 jobs as with 3.
    with django_assert_max_num_queries(15) as large:
        assert client.get(LIST).status_code == 200
    with django_assert_max_num_queries(10) as large_table:
        assert client.get(JOBS, {"page": 2}).status_code == 200
    ReportJob.objects.exclude(pk__in=[job.pk for job in singles[:3]]).delete()
    with django_assert_max_num_queries(len(large.captured_queries)):
        assert client.get(LIST).status_code == 200
    with django_assert_max_num_queries(len(large_table.captured_queries)):
        assert client.get(JOBS).status_code == 200


def test_filters_narrow_the_archive_by_year_scope_format_and_status(login, doit_user, district_a, district_b):
    city_pdf = done_job(None, "pdf", year=2023, requester=doit_user)
    a_xlsx = done_job(district_a, "xlsx", year=2024, requester=doit_user)
    b_failed = ReportJobFactory(district=district_b, format="pdf", year=2024, status="failed", requester=doit_user)
    client = login(doit_user)

    def pks(**params) -> set[int]:
        return shown(client.get(LIST, params).content.decode(), "job")

    assert pks() == {city_pdf.pk, a_xlsx.pk, b_failed.pk}
    assert pks(year=2024) == {a_xlsx.pk, b_failed.pk}
    assert pks(scope="city") == {city_pdf.pk}
    assert pks(scope=district_a.pk) == {a_xlsx.pk}
    assert pks(format="xlsx") == {a_xlsx.pk}
    assert pks(status="failed") == {b_failed.pk}
    assert pks(year=2024, format="pdf") == {b_failed.pk}
    body = client.get(LIST, {"year": 1990}).content.decode()
    assert "không có trong số các lựa chọn" in body.lower() or "lựa chọn hợp lệ" in body  # said, not a 500
    assert shown(body, "job") == {city_pdf.pk, a_xlsx.pk, b_failed.pk}  # the bad filter is ignored
    assert "Không có báo cáo nào khớp" in client.get(LIST, {"year": 2010}).content.decode()


def test_officer_filters_only_their_own_district(login, officer_a, district_a, district_b, doit_user):
    own = done_job(district_a, requester=officer_a)
    done_job(district_b, requester=doit_user)
    body = login(officer_a).get(LIST, {"scope": district_b.pk}).content.decode()
    assert 'name="scope"' not in body  # no scope filter for an officer
    assert shown(body, "job") == {own.pk}


def test_issued_reports_are_pinned_at_the_top_with_their_edition(login, doit_user, officer_a, district_a):
    old_final = done_job(None, "pdf", year=2022, requester=doit_user, final=True)  # built before the lock
    lock = YearLock.objects.create(year=2022, locked_by=doit_user)
    assert lock.locked_at > old_final.created_at
    pdf = done_job(None, "pdf", year=2022, requester=doit_user, final=True)
    docx = done_job(None, "docx", year=2022, requester=doit_user, final=True)
    district_pdf = done_job(district_a, "pdf", year=2022, requester=doit_user, final=True)
    plain = done_job(None, "pdf", year=2023, requester=doit_user)
    ReportEdition.objects.create(
        year=2022,
        status="issued",
        number="125/BC-SCT",
        issue_date=dt.date(2023, 3, 15),
        addressees="Bộ Công Thương",
        recipients="Như trên",
        signer_title="GIÁM ĐỐC",
        results="Kết quả",
        difficulties="Khó khăn",
        recommendations="Kiến nghị",
        next_tasks="Nhiệm vụ",
        created_by=doit_user,
    )
    body = login(doit_user).get(LIST).content.decode()
    pinned = body[body.index('data-testid="pinned-reports"') : body.index('data-testid="report-jobs"')]
    assert shown(pinned, "pinned-file") == {pdf.pk, docx.pk, district_pdf.pk}  # not the file built before the lock
    city = pinned[
        pinned.index('data-testid="pinned-2022-city"') : pinned.index(f'data-testid="pinned-2022-{district_a.code}"')
    ]
    assert "125/BC-SCT" in city and "15/03/2023" in city
    assert city.index(f"pinned-file-{pdf.pk}") < city.index(f"pinned-file-{docx.pk}")
    assert body.index('data-testid="pinned-reports"') < body.index(f'data-testid="job-{plain.pk}"')

    officer_page = login(officer_a).get(LIST).content.decode()  # their district's final report only
    assert shown(officer_page, "pinned-file") == {district_pdf.pk} and "125/BC-SCT" not in officer_page


def test_the_batch_row_opens_to_its_files_and_the_email_link_opens_it(login, doit_user, district_a, district_b):
    batch = make_batch(doit_user, [district_a, district_b], failed=[district_b])
    done_job(district_a, year=2020, requester=doit_user)
    body = login(doit_user).get(LIST, {"batch": batch.pk}).content.decode()
    assert shown(body, "batch") == {batch.pk}
    assert shown(body, "job") == set(batch.jobs.values_list("pk", flat=True))
    assert "<details open" in body
    assert "4 hoàn thành" in body and "2 thất bại" in body
    assert f'href="{reverse("reporting:batch_download", args=[batch.pk])}"' in body


def read_zip(response) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    return {name: archive.read(name) for name in archive.namelist()}


def test_batch_zip_holds_the_files_the_user_may_see(login, doit_user, officer_a, officer_b, staff_x, private_storage):
    a = District.objects.get(code="006")
    b = District.objects.get(code="017")
    batch = make_batch(doit_user, [a, b], failed=[b])
    url = reverse("reporting:batch_download", args=[batch.pk])

    response = login(doit_user).get(url)
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/zip"
    assert f"bao-cao-sxsh-{YEAR}-dot-cuoi-nam-{batch.pk}.zip" in response["Content-Disposition"]
    files = read_zip(response)
    assert sorted(files) == sorted(
        f"bao-cao-sxsh-{YEAR}-{scope}.{fmt}" for scope in ("ha-noi", "006") for fmt in ("pdf", "xlsx")
    )  # the failed district's jobs have no file
    assert files[f"bao-cao-sxsh-{YEAR}-006.xlsx"] == b"report xlsx of 006"

    assert sorted(read_zip(login(officer_a).get(url))) == [
        f"bao-cao-sxsh-{YEAR}-006.pdf",
        f"bao-cao-sxsh-{YEAR}-006.xlsx",
    ]
    assert login(officer_b).get(url).status_code == 404  # their district's jobs failed: nothing to give
    assert login(staff_x).get(url).status_code == 404
    assert login(OfficerFactory(district=District.objects.get(code="001"))).get(url).status_code == 404
    assert login(doit_user).get(reverse("reporting:batch_download", args=[batch.pk + 100])).status_code == 404


def test_a_year_end_batch_sends_one_email_when_its_last_job_ends(
    world, doit_user, private_storage, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    from cleanprod.celery import app

    app.conf.task_eager_propagates = False  # a failed build fails its own job only (restored by celery_eager)
    real_build = services.build_file

    def build_failing_for_one(*, district, **kwargs):
        if district is not None and district.code == "002":
            raise RuntimeError("thiếu dữ liệu")
        return real_build(district=district, **kwargs)

    monkeypatch.setattr(services, "build_file", build_failing_for_one)
    with django_capture_on_commit_callbacks(execute=True):
        jobs = services.report_request_all(by=doit_user, year=YEAR, formats=["xlsx"])
    batch = ReportBatch.objects.get()
    assert {job.batch_id for job in jobs} == {batch.pk} and batch.notified_at is not None
    assert ReportJob.objects.filter(status="failed").count() == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [doit_user.email]
    assert f"{len(jobs) - 1} báo cáo sẵn sàng, 1 báo cáo lỗi" in mail.subject
    (notification,) = Notification.objects.filter(recipient=doit_user, event="batch_ready")
    assert notification.url == f"/reports/?batch={batch.pk}"
    assert f"/notifications/{notification.pk}/" in mail.body

    # Asking again while nothing is unfinished makes a new batch; a second e-mail comes only for it.
    assert services.batch_notify_if_complete(batch_id=batch.pk) is False
    assert len(mailoutbox) == 1


def test_a_batch_asked_for_twice_while_it_runs_is_one_batch(world, doit_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = services.report_request_all(by=doit_user, year=YEAR, formats=["pdf"])
    with django_capture_on_commit_callbacks(execute=False):
        second = services.report_request_all(by=doit_user, year=YEAR, formats=["pdf"])
    assert [job.pk for job in first] == [job.pk for job in second]
    assert ReportBatch.objects.count() == 1
