"""Enterprise spreadsheet import: the service (parse / apply), the web flow with its preview and
confirmation, and ``manage.py import_enterprises``. Workbooks are real .xlsx files built with
openpyxl (or produced by the portal's own export), never mocks."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from enterprises import imports
from enterprises.models import Enterprise, ImportJob, IndustrialZone
from enterprises.spreadsheet import COLUMNS

from ..factories import EnterpriseFactory, next_tax_code

pytestmark = pytest.mark.django_db

KEYS = [key for key, _label in COLUMNS]


def headers(language: str = "vi") -> list[str]:
    with translation.override(language):
        return [str(label) for _key, label in COLUMNS]


def row(**values) -> dict:
    """One spreadsheet row by column key, with sensible defaults for a new enterprise in Đống Đa."""
    base = {
        "tax_code": next_tax_code(),
        "name": "Công ty TNHH Nhập Khẩu Thử",
        "commune_code": "00235",
        "commune_name": "Phường Đống Đa",
        "district_code": "006",
        "district_name": "Đống Đa",
        "sector_code": "10",
        "address": "Số 10, phố Chùa Bộc, Đống Đa, Hà Nội",
        "industrial_zone": "",
        "ownership": "private",
        "size": "small",
        "employees": 80,
        "is_designated_energy_user": "Không",
        "contact_name": "Nguyễn Văn Liên Hệ",
        "contact_position": "Giám đốc",
        "contact_phone": "024 3856 0000",
        "contact_email": "lienhe@example.vn",
        "active": "Có",
    }
    base.update(values)
    return base


def xlsx_bytes(rows: list[dict], *, language: str = "vi", columns: list[str] | None = None) -> bytes:
    keys = columns or KEYS
    titles = dict(zip(KEYS, headers(language), strict=True))
    wb = Workbook()
    ws = wb.active
    ws.append([titles[k] for k in keys])
    for values in rows:
        ws.append([values.get(k) for k in keys])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsx_file(rows: list[dict], **kwargs) -> io.BytesIO:
    return io.BytesIO(xlsx_bytes(rows, **kwargs))


def upload(data: bytes, name: str = "doanh-nghiep.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def errors_of(preview: imports.ImportPreview, number: int) -> str:
    [found] = [r for r in preview.rows if r.number == number]
    return " | ".join(found.errors)


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"]}}
    settings.STORAGES["default"]["OPTIONS"] = {"location": str(tmp_path), "base_url": None}
    return tmp_path


def stored_imports(root) -> list:
    folder = root / "imports"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- Service: good, bad, mixed ----------------------------------------------------------------


def test_good_file_creates_new_and_updates_existing_with_history(doit_user, enterprise_x, district_b):
    zone = IndustrialZone.objects.create(name="KCN Thăng Long", district=district_b)
    new_code = next_tax_code()
    rows = [
        row(
            tax_code=new_code,
            name="Công ty Cổ phần Cơ khí Đông Anh",
            commune_code="00454",
            district_code="017",
            sector_code="25",
            industrial_zone="kcn thang long",  # matched accent- and case-insensitively
            ownership="Foreign-invested",  # a label rather than a code
            size="Medium",
            employees=120,
            is_designated_energy_user="x",
        ),
        row(tax_code=enterprise_x.tax_code, name="Công ty Cổ phần Bia Đống Đa (mới)", employees=321),
    ]
    preview = imports.parse_enterprise_workbook(xlsx_file(rows), user=doit_user)
    assert [(r.number, r.status) for r in preview.rows] == [(2, "new"), (3, "updated")]
    assert preview.ok and preview.new_count == 1 and preview.updated_count == 1
    assert not Enterprise.objects.filter(tax_code=new_code).exists()  # the preview writes nothing

    result = imports.apply_enterprise_import(preview=preview, by=doit_user)

    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    created = Enterprise.objects.get(tax_code=new_code)
    assert created.district.code == "017" and created.sector.code == "25" and created.industrial_zone == zone
    assert created.ownership == Enterprise.Ownership.FDI and created.size == Enterprise.Size.MEDIUM
    assert created.employees == 120 and created.is_designated_energy_user is True and created.active is True
    assert created.search_key == Enterprise.build_search_key(created.name, created.tax_code, created.address)
    assert Enterprise.objects.search("co khi dong anh").filter(pk=created.pk).exists()
    assert created.history.get().history_type == "+"
    assert created.history.get().history_user == doit_user

    enterprise_x.refresh_from_db()
    assert enterprise_x.name == "Công ty Cổ phần Bia Đống Đa (mới)" and enterprise_x.employees == 321
    assert "moi" in enterprise_x.search_key
    latest = enterprise_x.history.order_by("-history_date").first()
    assert latest.history_type == "~" and latest.history_user == doit_user and latest.employees == 321


def test_update_writes_every_kind_of_field(doit_user, district_a, district_b):
    zone_a = IndustrialZone.objects.create(name="CCN Đống Đa", district=district_a)
    zone_b = IndustrialZone.objects.create(name="KCN Nội Bài", district=district_b)
    first = EnterpriseFactory(district=district_a)
    second = EnterpriseFactory(district=district_b, industrial_zone=zone_b, contact_email="cu@example.vn")
    rows = [
        row(
            tax_code=first.tax_code,
            industrial_zone="CCN Đống Đa",
            sector_code="11",
            is_designated_energy_user="Có",
            active="Không",
            contact_email="moi@example.vn",
            size="large",
        ),
        row(tax_code=second.tax_code, district_code="006", industrial_zone="", contact_email=""),
    ]
    preview = imports.parse_enterprise_workbook(xlsx_file(rows), user=doit_user)
    assert preview.ok, [r.errors for r in preview.rows]
    imports.apply_enterprise_import(preview=preview, by=doit_user)

    first.refresh_from_db()
    assert first.industrial_zone == zone_a and first.sector.code == "11"
    assert first.is_designated_energy_user is True and first.active is False
    assert first.contact_email == "moi@example.vn" and first.size == Enterprise.Size.LARGE
    second.refresh_from_db()
    assert second.district == district_a and second.industrial_zone is None and second.contact_email == ""
    assert second.history.order_by("-history_date").first().district_id == district_a.pk


@pytest.mark.parametrize("language", ["vi", "en"])
def test_export_of_either_language_reimports_unchanged(login, doit_user, enterprise_x, enterprise_y, language):
    response = login(doit_user, language=language).get(reverse("enterprises:export"))
    data = b"".join(response.streaming_content)
    history_before = Enterprise.history.count()

    preview = imports.parse_enterprise_workbook(io.BytesIO(data), user=doit_user)
    result = imports.apply_enterprise_import(preview=preview, by=doit_user)

    assert preview.ok and preview.updated_count == 2 and preview.unchanged_count == 2
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert Enterprise.history.count() == history_before  # nothing changed, no history noise


def test_bad_rows_each_say_why(doit_user, district_b):
    IndustrialZone.objects.create(name="KCN Thăng Long", district=district_b)
    dup = next_tax_code()
    rows = [
        row(tax_code="0100109107"),  # wrong check digit
        row(district_code="999"),
        row(sector_code="45"),  # not a manufacturing division
        row(tax_code=dup),
        row(tax_code=dup),
        row(employees=-3),
        row(employees=12.5),
        row(ownership="Tư nhân gì đó"),
        row(is_designated_energy_user="maybe"),
        row(contact_email="not-an-email"),
        row(industrial_zone="KCN Thăng Long"),  # a zone of Đông Anh for a Đống Đa enterprise
        row(industrial_zone="KCN Không Có"),
        row(name=""),
        row(tax_code=""),
    ]
    with translation.override("en"):
        preview = imports.parse_enterprise_workbook(xlsx_file(rows), user=doit_user)
        messages = {r.number: " | ".join(r.errors) for r in preview.rows}

    assert preview.error_count == len(rows) and not preview.ok
    assert "check digit" in messages[2]
    assert "unknown district code “999”" in messages[3]
    assert "unknown VSIC division code “45”" in messages[4]
    assert f"{dup} appears more than once in this file (rows 5, 6)" in messages[5]
    assert "rows 5, 6" in messages[6]
    assert "Employees: must be a whole number" in messages[7]
    assert "Employees: must be a whole number" in messages[8]
    assert "Ownership: “Tư nhân gì đó” is not one of the allowed values" in messages[9]
    assert "Designated energy user: write Yes or No" in messages[10]
    assert messages[11].startswith("Contact e-mail:")
    assert "this industrial zone is not in the commune or ward" in messages[12]
    assert "unknown industrial zone or cluster “KCN Không Có”" in messages[13]
    assert messages[14].startswith("Enterprise name:")
    assert "Tax code: a value is required" in messages[15]


def test_mixed_file_writes_nothing(doit_user, enterprise_x):
    good = row()
    rows = [good, row(tax_code=enterprise_x.tax_code, name="Đổi tên"), row(district_code="999")]
    preview = imports.parse_enterprise_workbook(xlsx_file(rows), user=doit_user)
    assert (preview.new_count, preview.updated_count, preview.error_count) == (1, 1, 1)
    count, history = Enterprise.objects.count(), Enterprise.history.count()

    with pytest.raises(imports.ImportRowsError) as excinfo:
        imports.apply_enterprise_import(preview=preview, by=doit_user)

    assert excinfo.value.preview.error_count == 1
    assert Enterprise.objects.count() == count and Enterprise.history.count() == history
    assert not Enterprise.objects.filter(tax_code=good["tax_code"]).exists()
    enterprise_x.refresh_from_db()
    assert enterprise_x.name != "Đổi tên"


def test_apply_revalidates_what_changed_since_the_preview(doit_user):
    first = row()
    preview = imports.parse_enterprise_workbook(xlsx_file([first]), user=doit_user)
    assert preview.new_count == 1
    EnterpriseFactory(tax_code=first["tax_code"])  # registered meanwhile: now an update, still fine
    result = imports.apply_enterprise_import(preview=preview, by=doit_user)
    assert (result.created, result.updated) == (0, 1)
    assert Enterprise.objects.get(tax_code=first["tax_code"]).name == first["name"]


def test_numbers_typed_as_numbers_and_english_headers_are_understood(doit_user):
    code = next_tax_code()  # "01…": as a number cell Excel keeps 9 digits
    rows = [row(tax_code=int(code), district_code=6, sector_code=10, employees="1.200", active=1)]
    preview = imports.parse_enterprise_workbook(xlsx_file(rows, language="en"), user=doit_user)
    assert preview.ok, preview.rows[0].errors
    assert preview.rows[0].tax_code == code
    imports.apply_enterprise_import(preview=preview, by=doit_user)
    assert Enterprise.objects.get(tax_code=code).employees == 1200


def test_missing_required_column_refuses_the_file(doit_user):
    data = xlsx_bytes([row()], columns=[k for k in KEYS if k != "sector_code"])
    with pytest.raises(imports.ImportFileError, match="Missing"), translation.override("en"):
        imports.parse_enterprise_workbook(io.BytesIO(data), user=doit_user)


def test_optional_columns_may_be_left_out_and_keep_existing_values(doit_user, enterprise_x):
    enterprise_x.contact_name = "Người cũ"
    enterprise_x.is_designated_energy_user = True
    enterprise_x.save()
    required = ["tax_code", "name", "district_code", "sector_code", "address", "ownership", "size", "employees"]
    data = xlsx_bytes([row(tax_code=enterprise_x.tax_code, employees=77)], columns=required)
    preview = imports.parse_enterprise_workbook(io.BytesIO(data), user=doit_user)
    imports.apply_enterprise_import(preview=preview, by=doit_user)
    enterprise_x.refresh_from_db()
    assert enterprise_x.employees == 77
    assert enterprise_x.contact_name == "Người cũ" and enterprise_x.is_designated_energy_user is True


# --- Scope --------------------------------------------------------------------------------------


def test_officer_importing_a_row_of_another_district_gets_an_error_row(officer_a):
    rows = [row(), row(commune_code="00454", district_code="017", name="Công ty ở Đông Anh")]
    with translation.override("en"):
        preview = imports.parse_enterprise_workbook(xlsx_file(rows), user=officer_a)
    assert [r.status for r in preview.rows] == ["new", "error"]
    assert "your own commune or ward" in errors_of(preview, 3)
    with pytest.raises(imports.ImportRowsError):
        imports.apply_enterprise_import(preview=preview, by=officer_a)
    assert not Enterprise.objects.filter(name="Công ty ở Đông Anh").exists()


def test_officer_updating_an_enterprise_outside_scope_learns_nothing_about_it(officer_a, enterprise_y):
    rows = [row(tax_code=enterprise_y.tax_code, name="Chiếm quyền")]
    with translation.override("en"):
        preview = imports.parse_enterprise_workbook(xlsx_file(rows), user=officer_a)
    [only] = preview.rows
    assert only.status == "error"
    assert only.errors == ["This tax code is already registered outside your scope."]
    assert enterprise_y.name not in str(only) and enterprise_y.district.name not in " ".join(only.errors)
    enterprise_y.refresh_from_db()
    assert enterprise_y.name != "Chiếm quyền"


def test_officer_imports_into_own_district(officer_a, enterprise_x):
    rows = [row(), row(tax_code=enterprise_x.tax_code, employees=999)]
    preview = imports.parse_enterprise_workbook(xlsx_file(rows), user=officer_a)
    assert preview.ok
    imports.apply_enterprise_import(preview=preview, by=officer_a)
    enterprise_x.refresh_from_db()
    assert enterprise_x.employees == 999


def test_enterprise_staff_cannot_import(staff_x):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        imports.parse_enterprise_workbook(xlsx_file([row()]), user=staff_x)


# --- Files refused as a whole -------------------------------------------------------------------


def _rezip(data: bytes, replace: dict[str, bytes] | None = None, drop: set[str] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename in (drop or set()):
                continue
            dst.writestr(info.filename, (replace or {}).get(info.filename, src.read(info)))
    return out.getvalue()


def _not_xlsx_files() -> dict[str, bytes]:
    real = xlsx_bytes([row()])
    with zipfile.ZipFile(io.BytesIO(real)) as z:
        manifest = z.read("[Content_Types].xml")
    macro = manifest.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("readme.txt", "xin chào")
    return {
        "csv renamed": "Mã số thuế,Tên\n0100109106,Công ty\n".encode(),
        "html renamed": b"<html><body>=cmd|' /C calc'!A0</body></html>",
        "zip without workbook": plain_zip.getvalue(),
        "no content types": _rezip(real, drop={"[Content_Types].xml"}),
        "macro-enabled": _rezip(real, replace={"[Content_Types].xml": macro}),
        "truncated": real[: len(real) // 2],
        "doctype in manifest": _rezip(
            real, replace={"[Content_Types].xml": b"<!DOCTYPE x [<!ENTITY a 'b'>]>" + manifest}
        ),
    }


NOT_XLSX_KINDS = [
    "csv renamed",
    "html renamed",
    "zip without workbook",
    "no content types",
    "macro-enabled",
    "truncated",
    "doctype in manifest",
]


@pytest.mark.parametrize("kind", NOT_XLSX_KINDS)
def test_file_that_is_not_a_real_xlsx_is_refused(doit_user, kind):
    data = _not_xlsx_files()[kind]
    with pytest.raises(imports.ImportFileError):
        imports.parse_enterprise_workbook(io.BytesIO(data), user=doit_user)


def test_oversized_file_is_refused_before_reading(doit_user, settings):
    settings.UPLOAD_MAX_BYTES = 2000
    data = xlsx_bytes([row() for _ in range(30)])
    assert len(data) > 2000
    with pytest.raises(imports.ImportFileError, match="MB"), translation.override("en"):
        imports.parse_enterprise_workbook(io.BytesIO(data), user=doit_user)


def test_too_many_rows_is_refused_and_the_limit_itself_is_fine(doit_user, settings):
    settings.IMPORT_MAX_ROWS = 3
    assert imports.parse_enterprise_workbook(xlsx_file([row() for _ in range(3)]), user=doit_user).total == 3
    with pytest.raises(imports.ImportFileError, match="more than 3 rows"), translation.override("en"):
        imports.parse_enterprise_workbook(xlsx_file([row() for _ in range(4)]), user=doit_user)


def test_blank_rows_are_skipped_and_row_numbers_stay_true(doit_user):
    wb = Workbook()
    ws = wb.active
    ws.append(headers())
    ws.append([])
    good = row()
    ws.append([good[k] for k in KEYS])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    preview = imports.parse_enterprise_workbook(out, user=doit_user)
    assert [(r.number, r.status) for r in preview.rows] == [(3, "new")]


def test_empty_file_is_refused(doit_user):
    with pytest.raises(imports.ImportFileError):
        imports.parse_enterprise_workbook(xlsx_file([]), user=doit_user)


def test_validation_queries_do_not_grow_with_rows(doit_user, django_assert_max_num_queries):
    small, large = xlsx_file([row() for _ in range(5)]), xlsx_file([row() for _ in range(200)])
    for data in (small, large):
        with django_assert_max_num_queries(10):
            preview = imports.parse_enterprise_workbook(data, user=doit_user)
        assert preview.ok


def test_apply_queries_do_not_grow_with_rows(doit_user, django_assert_max_num_queries):
    for n in (5, 200):
        preview = imports.parse_enterprise_workbook(xlsx_file([row() for _ in range(n)]), user=doit_user)
        with django_assert_max_num_queries(15):
            imports.apply_enterprise_import(preview=preview, by=doit_user)


# --- Web flow -----------------------------------------------------------------------------------


def test_import_page_needs_login_and_import_permission(client, login, officer_a, staff_x):
    url = reverse("enterprises:import")
    assert client.get(url).status_code == 302
    assert login(staff_x).get(url).status_code == 403
    assert login(staff_x).post(reverse("enterprises:import_confirm", args=[1])).status_code == 403
    assert login(officer_a).get(url).status_code == 200


def test_list_shows_import_button_to_those_who_may_import(login, officer_a, staff_x):
    url = reverse("enterprises:import")
    assert url in login(officer_a).get(reverse("enterprises:list")).content.decode()
    assert url not in login(staff_x).get(reverse("enterprises:list")).content.decode()


def post_upload(client, data: bytes, name: str = "doanh-nghiep.xlsx"):
    """Upload; the preview task runs in the request (eager Celery), the redirect leads to it."""
    return client.post(reverse("enterprises:import"), {"file": upload(data, name)}, follow=True)


def last_job() -> ImportJob:
    return ImportJob.objects.latest("pk")


def test_upload_preview_then_confirm_writes_and_removes_the_file(login, officer_a, enterprise_x, private_storage):
    client = login(officer_a)
    new = row(name="Công ty TNHH Xác Nhận")
    data = xlsx_bytes([new, row(tax_code=enterprise_x.tax_code, employees=55)])

    response = post_upload(client, data, "anything.bin")

    job = last_job()
    assert response.redirect_chain == [(reverse("enterprises:import_job", args=[job.pk]), 302)]
    html = response.content.decode()
    assert reverse("enterprises:import_confirm", args=[job.pk]) in html
    assert 'data-testid="count-new">1<' in html and 'data-testid="count-updated">1<' in html
    assert job.kind == "enterprises" and job.requester == officer_a and job.status == "done" and job.progress == 100
    [stored] = stored_imports(private_storage)
    assert job.upload.endswith(stored.name)
    assert not Enterprise.objects.filter(tax_code=new["tax_code"]).exists()

    response = client.post(reverse("enterprises:import_confirm", args=[job.pk]), follow=True)

    html = response.content.decode()
    assert 'data-testid="import-result"' in html and "1 doanh nghiệp mới, 1 được cập nhật" in html
    assert Enterprise.objects.get(tax_code=new["tax_code"]).name == "Công ty TNHH Xác Nhận"
    enterprise_x.refresh_from_db()
    assert enterprise_x.employees == 55
    assert stored_imports(private_storage) == []
    job.refresh_from_db()
    assert job.applied and job.result == {"created": 1, "updated": 1, "unchanged": 0}
    # Confirming again writes nothing more.
    client.post(reverse("enterprises:import_confirm", args=[job.pk]))
    assert Enterprise.objects.filter(tax_code=new["tax_code"]).count() == 1


def test_another_user_cannot_see_or_confirm_someone_elses_upload(login, officer_a, doit_user, private_storage):
    uploader = login(officer_a)
    new = row()
    post_upload(uploader, xlsx_bytes([new]))
    job = last_job()

    other = login(doit_user)
    assert other.get(reverse("enterprises:import_job", args=[job.pk])).status_code == 404
    assert other.post(reverse("enterprises:import_confirm", args=[job.pk])).status_code == 404
    assert other.post(reverse("enterprises:import_cancel", args=[job.pk])).status_code == 404

    assert not Enterprise.objects.filter(tax_code=new["tax_code"]).exists()
    assert len(stored_imports(private_storage)) == 1  # still the uploader's to confirm
    assert uploader.get(reverse("enterprises:import_job", args=[job.pk])).status_code == 200


def test_cancel_removes_the_job_and_its_file(login, officer_a, private_storage):
    client = login(officer_a)
    post_upload(client, xlsx_bytes([row()]))
    job = last_job()
    response = client.post(reverse("enterprises:import_cancel", args=[job.pk]))
    assert response.status_code == 302 and response.url == reverse("enterprises:import")
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert stored_imports(private_storage) == []


def test_preview_with_errors_offers_no_confirmation_and_keeps_no_file(login, officer_a, private_storage):
    client = login(officer_a)
    data = xlsx_bytes([row(), row(commune_code="00454", district_code="017")])
    response = post_upload(client, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="count-error">1<' in html
    job = last_job()
    assert reverse("enterprises:import_confirm", args=[job.pk]) not in html
    assert stored_imports(private_storage) == []
    # Confirming it anyway writes nothing.
    response = client.post(reverse("enterprises:import_confirm", args=[job.pk]), follow=True)
    assert "Không thể xác nhận lần nhập này" in response.content.decode()
    assert Enterprise.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"Ma so thue;Ten\n0100109106;Cong ty\n", "not an Excel workbook"),
        (b"PK\x03\x04" + b"\0" * (10 * 1024 * 1024), "larger than 10 MB"),
    ],
    ids=["not-xlsx", "over-10MB"],
)
def test_refused_upload_shows_a_message_and_keeps_nothing(login, doit_user, private_storage, data, fragment):
    response = login(doit_user, language="en").post(reverse("enterprises:import"), {"file": upload(data)})
    assert response.status_code == 200
    html = response.content.decode()
    assert fragment in html and "Traceback" not in html
    assert 'type="file"' in html
    assert stored_imports(private_storage) == []
    assert not ImportJob.objects.exists()


def test_too_many_rows_upload_is_refused_with_a_message(login, doit_user, settings, private_storage):
    settings.IMPORT_MAX_ROWS = 2
    response = post_upload(login(doit_user, language="en"), xlsx_bytes([row(), row(), row()]))
    html = response.content.decode()
    assert response.status_code == 200 and "more than 2 rows" in html and 'data-testid="import-error"' in html
    assert last_job().status == "failed" and stored_imports(private_storage) == []


def test_corrupt_workbook_fails_its_job_with_a_vietnamese_message_and_changes_nothing(
    login, officer_a, enterprise_x, private_storage
):
    data = _rezip(xlsx_bytes([row(tax_code=enterprise_x.tax_code, employees=999)]), {"xl/worksheets/sheet1.xml": b"<x"})
    response = post_upload(login(officer_a), data)
    html = response.content.decode()
    assert "Không thể đọc tệp này dưới dạng bảng tính Excel." in html and "Traceback" not in html
    job = last_job()
    assert job.status == "failed" and job.summary == {} and stored_imports(private_storage) == []
    enterprise_x.refresh_from_db()
    assert enterprise_x.employees != 999


def test_preview_lists_at_most_500_rows_errors_first(login, doit_user, private_storage):
    rows = [row() for _ in range(505)]
    rows[503]["district_code"] = "999"
    response = post_upload(login(doit_user), xlsx_bytes(rows))
    html = response.content.decode()
    table = html.split('data-testid="import-rows"', 1)[1]
    assert table.count("<tr") == 501  # header + 500 rows
    assert re.search(r'<tr class="table-danger">\s*<td class="num">505</td>', table)
    assert 'data-testid="count-new">504<' in html


def test_confirm_refuses_when_data_changed_in_between(login, officer_a, private_storage):
    client = login(officer_a)
    new = row()
    post_upload(client, xlsx_bytes([new]))
    job = last_job()
    EnterpriseFactory(tax_code=new["tax_code"], district=officer_a.district.__class__.objects.get(code="017"))

    response = client.post(reverse("enterprises:import_confirm", args=[job.pk]), follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="count-error">1<' in html and 'data-testid="import-error"' in html
    assert Enterprise.objects.get(tax_code=new["tax_code"]).district.code == "017"
    assert stored_imports(private_storage) == []
    job.refresh_from_db()
    assert job.status == "failed" and job.phase == "apply"


def test_abandoned_jobs_and_uploads_are_swept_after_a_day(login, officer_a, private_storage):
    from datetime import timedelta

    from django.utils import timezone

    from enterprises.imports.jobs import import_jobs_sweep

    post_upload(login(officer_a), xlsx_bytes([row()]))
    job = last_job()
    assert import_jobs_sweep() == 0 and len(stored_imports(private_storage)) == 1
    assert import_jobs_sweep(now=timezone.now() + timedelta(days=1, minutes=1)) == 1
    assert not ImportJob.objects.filter(pk=job.pk).exists() and stored_imports(private_storage) == []


def test_a_job_left_running_by_a_dead_worker_is_failed_by_the_sweep(officer_a, private_storage):
    from datetime import timedelta

    from django.utils import timezone

    from enterprises.imports.jobs import import_jobs_sweep

    job = ImportJob.objects.create(kind="enterprises", requester=officer_a, status="running", started_at=timezone.now())
    assert import_jobs_sweep() == 0
    ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert import_jobs_sweep() == 1
    job.refresh_from_db()
    assert job.status == "failed" and "Không có gì được lưu" in job.error


# --- Command ------------------------------------------------------------------------------------


def test_command_imports_with_city_scope(tmp_path, enterprise_y):
    path = tmp_path / "dn.xlsx"
    path.write_bytes(xlsx_bytes([row(), row(tax_code=enterprise_y.tax_code, employees=4321)]))
    out = io.StringIO()
    call_command("import_enterprises", str(path), stdout=out)
    enterprise_y.refresh_from_db()
    assert enterprise_y.employees == 4321
    assert enterprise_y.history.order_by("-history_date").first().history_user is None


def test_command_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "dn.xlsx"
    new = row()
    path.write_bytes(xlsx_bytes([new]))
    out = io.StringIO()
    call_command("import_enterprises", str(path), "--dry-run", stdout=out)
    assert not Enterprise.objects.filter(tax_code=new["tax_code"]).exists()
    assert "1" in out.getvalue()


def test_command_with_bad_rows_exits_nonzero_lists_rows_and_writes_nothing(tmp_path):
    path = tmp_path / "dn.xlsx"
    good = row()
    path.write_bytes(xlsx_bytes([good, row(district_code="999"), row(employees="nhiều")]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_enterprises", str(path), stdout=out)
    text = out.getvalue()
    assert re.search(r"^(Row|Dòng) 3: .*999", text, re.MULTILINE)
    assert re.search(r"^(Row|Dòng) 4: ", text, re.MULTILINE)
    assert not Enterprise.objects.filter(tax_code=good["tax_code"]).exists()


def test_command_as_officer_keeps_to_their_district(tmp_path, officer_a):
    path = tmp_path / "dn.xlsx"
    path.write_bytes(xlsx_bytes([row(commune_code="00454", district_code="017")]))
    with pytest.raises(CommandError):
        call_command("import_enterprises", str(path), "--user", officer_a.username, stdout=io.StringIO())


def test_command_refuses_a_non_xlsx_file_cleanly(tmp_path):
    path = tmp_path / "dn.xlsx"
    path.write_text("không phải Excel", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_enterprises", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import_enterprises", str(tmp_path / "missing.xlsx"), stdout=io.StringIO())


def test_command_refuses_a_user_who_may_not_import(tmp_path, staff_x):
    path = tmp_path / "dn.xlsx"
    path.write_bytes(xlsx_bytes([row()]))
    with pytest.raises(CommandError):
        call_command("import_enterprises", str(path), "--user", staff_x.username, stdout=io.StringIO())
