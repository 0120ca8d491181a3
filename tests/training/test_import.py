"""Attendance import from xlsx: good, bad and mixed files; preview, then all or nothing."""

from __future__ import annotations

import datetime as dt
import io
import os

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from enterprises.models import ImportJob
from tests.factories import AttendanceFactory, CourseFactory, TrainingOfficerFactory
from training import imports
from training.models import Attendance, Officer

pytestmark = pytest.mark.django_db

HEADER = ["Họ và tên", "Quận/huyện", "Chức vụ", "Đạt", "Số chứng chỉ"]


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def stored_files(root) -> list[str]:
    return [os.path.relpath(os.path.join(d, f), root) for d, _dirs, files in os.walk(root) for f in files]


def xlsx(rows, *, header=HEADER, title: str | None = "DANH SÁCH HỌC VIÊN") -> SimpleUploadedFile:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
        ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(
        "danh sach.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@pytest.fixture
def course(district_a):
    return CourseFactory(title="Tập huấn SXSH 2025", start_date=dt.date(2025, 4, 2), end_date=dt.date(2025, 4, 3))


@pytest.fixture
def client_doit(login, doit_user):
    return login(doit_user)


def upload(client, course, file):
    return client.post(reverse("training:attendance_import", args=[course.pk]), {"file": file})


def test_good_file_previews_then_applies(client_doit, course, district_a, district_b, private_storage):
    existing = TrainingOfficerFactory(full_name="Nguyễn Thị Hương", district=district_a)
    rows = [
        ["NGUYEN THI HUONG", "Quận Đống Đa", "Chuyên viên", "Có", "SXSH-2025-001"],
        ["Trần Văn Mới", "017", "Chuyên viên Phòng Kinh tế", "x", "SXSH-2025-002"],
        ["Lê  Thị   Trượt", "dong anh", "Phó Trưởng phòng", "Không", None],
    ]
    response = upload(client_doit, course, xlsx(rows))
    assert response.status_code == 302
    preview_url = response.url
    # Kept in private storage under a generated name, not the uploaded one.
    (name,) = stored_files(private_storage)
    assert name.startswith("imports/jobs/") and "danh" not in name

    response = client_doit.get(preview_url)
    preview = response.context["preview"]
    assert preview["ok"] and (preview["matched_count"], preview["new_officer_count"], preview["passed_count"]) == (
        1,
        2,
        2,
    )
    assert preview["rows"][0]["officer_url"] == existing.get_absolute_url()
    assert [r["number"] for r in preview["rows"]] == [4, 5, 6]  # sheet rows, below the title and header
    assert not Attendance.objects.exists()  # nothing written by the preview

    response = client_doit.post(preview_url)
    assert response.status_code == 302 and response.url == preview_url
    recorded = {a.officer.full_name: a for a in Attendance.objects.select_related("officer")}
    assert set(recorded) == {"Nguyễn Thị Hương", "Trần Văn Mới", "Lê Thị Trượt"}
    assert (recorded["Nguyễn Thị Hương"].passed, recorded["Nguyễn Thị Hương"].certificate_number) == (
        True,
        "SXSH-2025-001",
    )
    assert recorded["Lê Thị Trượt"].passed is False
    new = Officer.objects.get(full_name="Trần Văn Mới")
    assert (new.district, new.tenure_start, new.tenure_end) == (district_b, course.start_date, None)
    assert stored_files(private_storage) == []
    body = client_doit.get(preview_url).content.decode()
    assert 'data-testid="import-result"' in body and "Attendance imported: 3 rows recorded, 2 new officers." in body
    # Confirming again records nothing more.
    client_doit.post(preview_url)
    assert Attendance.objects.count() == 3 and Officer.objects.count() == 3


def test_reimporting_the_same_list_changes_nothing(client_doit, course, district_a):
    officer = TrainingOfficerFactory(full_name="Phạm Văn Lặp", district=district_a)
    AttendanceFactory(officer=officer, course=course, certificate_number="C-1")
    response = upload(client_doit, course, xlsx([["Phạm Văn Lặp", "Đống Đa", "Chuyên viên", "Yes", "C-1"]]))
    preview = client_doit.get(response.url).context["preview"]
    assert preview["ok"]
    client_doit.post(response.url)
    assert Attendance.objects.get().certificate_number == "C-1"
    assert Officer.objects.count() == 1


def test_english_headers_in_any_order(client_doit, course, district_a):
    header = ["Certificate number", "Passed", "Full name", "District", "Position"]
    response = upload(
        client_doit, course, xlsx([["", "no", "Đỗ Thị Anh", "006", "Chuyên viên"]], header=header, title=None)
    )
    assert client_doit.get(response.url).context["preview"]["ok"]


MIXED = [
    ["Nguyễn Văn Tốt", "Đống Đa", "Chuyên viên", "Có", "OK-1"],  # 4: fine
    ["", "Đống Đa", "Chuyên viên", "Có", ""],  # 5: no name
    ["Trần Văn Lạc", "Quận Không Có", "Chuyên viên", "Có", ""],  # 6: unknown district
    ["Lê Văn Hỏi", "Đống Đa", "Chuyên viên", "có lẽ", ""],  # 7: passed not understood
    ["Phạm Văn Trượt", "Đống Đa", "Chuyên viên", "Không", "X-9"],  # 8: certificate without a pass
    ["Hoàng Văn Trùng", "Đống Đa", "Chuyên viên", "Có", "OK-1"],  # 9: certificate used on row 4
    ["nguyen van tot", "Đống Đa", "Chuyên viên", "Có", ""],  # 10: same officer as row 4
    ["Vũ Văn Thiếu", "Đống Đa", "", "Có", ""],  # 11: new officer without a position
    ["Đinh Văn Cũ", "Đống Đa", "Chuyên viên", "Có", "TAKEN-1"],  # 12: certificate recorded elsewhere
    ["Bùi Văn Đôi", "Đống Đa", "Chuyên viên", "Có", ""],  # 13: two officers of that name
]


def test_mixed_file_shows_each_row_error_and_writes_nothing(client_doit, course, district_a, private_storage):
    AttendanceFactory(certificate_number="TAKEN-1")
    TrainingOfficerFactory(full_name="Bùi Văn Đôi", district=district_a)
    TrainingOfficerFactory(full_name="Bùi Văn Đôi", district=district_a)
    officers_before = Officer.objects.count()
    response = upload(client_doit, course, xlsx(MIXED))
    preview_url = response.url
    response = client_doit.get(preview_url)
    preview = response.context["preview"]
    errors = {row["number"]: row["errors"] for row in preview["rows"]}
    assert errors[4] == []
    assert errors[5] == ["The full name is missing."]
    assert errors[6] == ["Unknown district “Quận Không Có”."]
    assert errors[7] == ["“có lẽ” in the Passed column is not understood: write Yes or No."]
    assert errors[8] == ["A certificate number is only recorded for an officer who passed."]
    assert errors[9] == ["Certificate number OK-1 is already used on row 4."]
    assert errors[10] == ["nguyen van tot of Đống Đa is already listed on row 4."]
    assert errors[11] == ["Vũ Văn Thiếu is a new officer: the position is needed."]
    assert errors[12][0].startswith("Certificate number TAKEN-1 is already recorded for ")
    assert errors[13] == [
        "Several officers named Bùi Văn Đôi work in Đống Đa; record this one on the attendance sheet."
    ]
    assert preview["error_count"] == 9 and not preview["ok"]
    body = response.content.decode()
    assert "Record the attendance" not in body and "Quận Không Có" in body
    assert stored_files(private_storage) == []  # a list with errors cannot be confirmed: not kept

    # Forcing the apply anyway writes nothing.
    response = client_doit.post(preview_url, follow=True)
    assert "This import cannot be confirmed." in response.content.decode()
    assert Attendance.objects.count() == 1 and Officer.objects.count() == officers_before

    job = response.context["job"]
    client_doit.post(reverse("training:attendance_import_cancel", args=[course.pk, job.pk]))
    assert not ImportJob.objects.filter(pk=job.pk).exists()


def test_apply_validates_again(client_doit, course, district_a):
    response = upload(client_doit, course, xlsx([["Ngô Văn Nhanh", "Đống Đa", "Chuyên viên", "Có", "RACE-1"]]))
    assert client_doit.get(response.url).context["preview"]["ok"]
    AttendanceFactory(certificate_number="RACE-1")  # someone records it meanwhile
    response = client_doit.post(response.url, follow=True)
    assert response.status_code == 200
    assert response.context["preview"]["error_count"] == 1 and response.context["job"].status == "failed"
    assert "1 rows have errors; nothing was imported." in response.content.decode()
    assert not Officer.objects.filter(full_name="Ngô Văn Nhanh").exists()


def test_apply_is_all_or_nothing_at_database_level(course, district_a, doit_user):
    raw = imports.read_attendance_workbook(
        xlsx([["Mai Văn Một", "Đống Đa", "Chuyên viên", "Có", "Z-1"], ["Mai Văn Hai", "Đống Đa", "", "Có", ""]])
    )
    with pytest.raises(imports.ImportRowsError) as excinfo:
        imports.apply_attendance_import(by=doit_user, course=course, raw_rows=raw)
    assert excinfo.value.preview.error_count == 1
    assert not Officer.objects.exists() and not Attendance.objects.exists()


def upload_error(client, course, file) -> list[str]:
    """The upload refused in the request (the file as a whole)."""
    response = upload(client, course, file)
    assert response.status_code == 200
    return response.context["form"].errors["file"]


def job_error(client, course, file) -> list[str]:
    """The upload refused by the preview task: its job failed, with the message on its page."""
    response = client.post(reverse("training:attendance_import", args=[course.pk]), {"file": file}, follow=True)
    job = response.context["job"]
    assert job.status == "failed" and not job.upload and job.error in response.content.decode()
    return [job.error]


def test_refuses_content_that_is_not_xlsx(client_doit, course, private_storage):
    fake = SimpleUploadedFile("danh-sach.xlsx", b"Ho va ten,Quan\nA,B\n", content_type="application/vnd.ms-excel")
    assert upload_error(client_doit, course, fake) == ["This file is not an Excel workbook (.xlsx)."]
    assert stored_files(private_storage) == []


def test_refuses_files_over_the_size_limit(client_doit, course, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    big = xlsx([[f"Người {i}", "Đống Đa", "Chuyên viên", "Có", ""] for i in range(200)])
    assert big.size > 1024
    (error,) = upload_error(client_doit, course, big)
    assert error.startswith("The file is larger than")


def test_refuses_too_many_rows(client_doit, course, monkeypatch):
    monkeypatch.setattr(imports.reading, "ATTENDANCE_MAX_ROWS", 5)
    rows = [[f"Người Số {i}", "Đống Đa", "Chuyên viên", "Có", ""] for i in range(6)]
    assert job_error(client_doit, course, xlsx(rows)) == ["The file has more than 5 rows. Split it into smaller files."]
    assert Officer.objects.count() == 0


def test_refuses_a_sheet_without_the_columns(client_doit, course):
    errors = job_error(client_doit, course, xlsx([["a", "b"]], header=["Tên doanh nghiệp", "Mã số thuế"]))
    assert errors[0].startswith("No header row found.")


def test_refuses_a_sheet_without_rows(client_doit, course):
    assert job_error(client_doit, course, xlsx([])) == ["The file has no attendance rows."]


def test_another_users_job_answers_404(login, client_doit, course, doit_user):
    response = upload(client_doit, course, xlsx([["Hà Văn Riêng", "Đống Đa", "Chuyên viên", "Có", ""]]))
    from tests.factories import UserFactory

    other = login(UserFactory(username="doit.other"))
    assert other.get(response.url).status_code == 404
    assert other.post(response.url).status_code == 404
    job = ImportJob.objects.get()
    assert other.post(reverse("training:attendance_import_cancel", args=[course.pk, job.pk])).status_code == 404
    assert not Officer.objects.exists() and ImportJob.objects.get().previewed
    # Nor is it reachable through another course.
    elsewhere = CourseFactory()
    assert (
        client_doit.get(reverse("training:attendance_import_preview", args=[elsewhere.pk, job.pk])).status_code == 404
    )


def test_template_download_reimports_headers(client_doit):
    response = client_doit.get(reverse("training:attendance_import_template"))
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = next(ws.iter_rows(values_only=True))
    assert {imports.header_aliases()[imports.fold(str(h))] for h in header} == {k for k, _label in imports.COLUMNS}


def test_uploads_left_behind_are_dropped_after_a_day(client_doit, course, private_storage):
    from django.utils import timezone

    from enterprises.imports.jobs import import_jobs_sweep

    upload(client_doit, course, xlsx([["Hà Văn Một", "Đống Đa", "Chuyên viên", "Có", ""]]))
    assert len(stored_files(private_storage)) == 1
    assert import_jobs_sweep(now=timezone.now() + dt.timedelta(days=1, minutes=1)) == 1
    assert stored_files(private_storage) == [] and not ImportJob.objects.exists()
