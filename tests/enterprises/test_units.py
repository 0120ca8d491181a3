"""Administrative units with dates: the 30 former districts, the 126 communes and wards of
1/7/2025, the crosswalk between them, ``sync_units`` and the crosswalk page."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from enterprises.crosswalk import communes_formed_from, former_districts
from enterprises.models import Commune, CommuneOrigin, District, UnitChange

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "enterprises" / "data"


def test_districts_ended_on_30_june_2025():
    assert District.objects.count() == 30
    assert set(District.objects.values_list("valid_until", flat=True)) == {dt.date(2025, 6, 30)}
    assert not District.objects.in_force(dt.date(2025, 7, 1)).exists()
    assert District.objects.in_force(dt.date(2025, 6, 30)).count() == 30


def test_126_communes_in_force_from_1_july_2025():
    communes = Commune.objects.in_force(dt.date(2025, 7, 1))
    assert communes.count() == 126
    assert communes.filter(kind=Commune.Kind.WARD).count() == 51
    assert communes.filter(kind=Commune.Kind.COMMUNE).count() == 75
    assert all(len(code) == 5 and code.isdigit() for code in communes.values_list("code", flat=True))
    assert not Commune.objects.in_force(dt.date(2025, 6, 30)).exists()
    # Official codes (Decision 19/2025/QĐ-TTg), not the draft ones: Cửa Nam is 00082, not 00073.
    assert Commune.objects.get(code="00082").name == "Cửa Nam"
    assert not Commune.objects.filter(code="00073").exists()


def test_every_former_district_maps_to_at_least_one_commune():
    mapped = set(CommuneOrigin.objects.values_list("district__code", flat=True))
    assert mapped == set(District.objects.values_list("code", flat=True))
    assert CommuneOrigin.objects.count() == 795
    assert all(c.origins.exists() for c in Commune.objects.all())


def test_crosswalk_agrees_with_the_district_to_commune_table():
    with open(DATA / "district_to_communes.csv", encoding="utf-8") as f:
        expected = {(r["old_district_code"], r["new_code"]) for r in csv.DictReader(f)}
    got = set(CommuneOrigin.objects.values_list("district__code", "commune__code").distinct())
    assert len(expected) == 214
    assert got == expected


def test_hoan_kiem_and_cua_nam_formed_from_wards_of_former_hoan_kiem():
    hoan_kiem = District.objects.get(code="002")
    for code, ward in (("00070", "Hàng Bạc"), ("00082", "Hàng Bài")):
        commune = Commune.objects.get(code=code)
        origin = commune.origins.get(old_name=ward)
        assert origin.district == hoan_kiem
        assert origin.relation == CommuneOrigin.Relation.WHOLE
        assert origin.resolution == "1656/NQ-UBTVQH15"
    successors = {c.code for c in communes_formed_from(hoan_kiem)}
    assert {"00070", "00082"} <= successors


def test_a_commune_formed_from_wards_of_two_former_districts():
    cua_nam = Commune.objects.get(code="00082")
    districts = set(cua_nam.origins.values_list("district__name", flat=True))
    assert districts == {"Hoàn Kiếm", "Hai Bà Trưng"}
    assert cua_nam.principal_district.code == "002"
    nguyen_du = cua_nam.origins.get(old_name="Nguyễn Du")
    assert nguyen_du.relation == CommuneOrigin.Relation.PART


def test_former_districts_list_their_successors():
    rows = {fd.district.code: fd for fd in former_districts()}
    assert len(rows) == 30
    pairs = sum(len(fd.successors) for fd in rows.values())
    assert pairs == 214
    assert "00082" in {s.commune.code for s in rows["007"].successors}  # Hai Bà Trưng → Cửa Nam


# --------------------------------------------------------------------------- sync_units


def _run(*args) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("sync_units", *args, stdout=out)
    return out.getvalue()


def test_sync_units_finds_nothing_to_change_in_the_official_list():
    out = _run(str(DATA / "hanoi_communes_2025.csv"), "--effective", "01/07/2025")
    assert "0 added, 0 renamed, 0 ended, 126 unchanged" in out


def _changed_list(tmp_path: Path) -> Path:
    with open(DATA / "hanoi_communes_2025.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows = [r for r in rows if r["code"] != "10279"]  # Phượng Dực ends
    for r in rows:
        if r["code"] == "00082":
            r["name"] = "Cửa Nam Mới"  # renamed
    rows.append({**rows[0], "code": "99999", "name": "Thử Nghiệm", "kind": "xã"})  # added
    path = tmp_path / "units.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_sync_units_reports_without_apply_and_records_with_it(tmp_path):
    path = _changed_list(tmp_path)
    out = _run(str(path), "--effective", "01/01/2027")
    assert "added: 99999 Thử Nghiệm" in out
    assert "renamed: 00082 Cửa Nam → Cửa Nam Mới" in out
    assert "ended: 10279 Phượng Dực" in out
    assert "1 added, 1 renamed, 1 ended, 124 unchanged" in out
    assert not UnitChange.objects.exists()
    assert Commune.objects.get(code="00082").name == "Cửa Nam"

    out = _run(str(path), "--effective", "01/01/2027", "--apply")
    assert "3 changes recorded, effective 01/01/2027" in out
    changes = {c.change: c for c in UnitChange.objects.all()}
    assert changes["renamed"].old_name == "Phường Cửa Nam" and changes["renamed"].new_name == "Phường Cửa Nam Mới"
    assert changes["ended"].code == "10279" and changes["ended"].effective == dt.date(2027, 1, 1)
    assert Commune.objects.get(code="10279").valid_until == dt.date(2026, 12, 31)
    added = Commune.objects.get(code="99999")
    assert (added.kind, added.valid_from) == (Commune.Kind.COMMUNE, dt.date(2027, 1, 1))
    assert Commune.objects.in_force(dt.date(2027, 1, 1)).count() == 126
    # Run again: nothing left to change.
    assert "0 added, 0 renamed, 0 ended, 126 unchanged" in _run(str(path), "--effective", "01/01/2027")


def test_sync_units_reads_a_statistics_office_workbook(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Danh mục đơn vị hành chính"])
    ws.append(["Mã TP", "Tỉnh / Thành Phố", "Mã PX", "Phường Xã", "Cấp"])
    for commune in Commune.objects.all():
        ws.append(["01", "Thành phố Hà Nội", commune.code, commune.full_name, commune.get_kind_display()])
    ws.append(["79", "Thành phố Hồ Chí Minh", "26734", "Phường Sài Gòn", "Phường"])  # another province
    path = tmp_path / "gso.xlsx"
    wb.save(path)
    assert "0 added, 0 renamed, 0 ended, 126 unchanged" in _run(str(path), "--effective", "01/07/2025")


def test_sync_units_refuses_a_file_it_cannot_read(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="code column"):
        _run(str(path))


# --------------------------------------------------------------------------- the page


def test_crosswalk_page_shows_communes_with_their_origins(login, officer_a):
    response = login(officer_a).get("/enterprises/units/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "126" in html and 'id="commune-00082"' in html and "Tràng Tiền" in html


def test_crosswalk_page_shows_former_districts_with_their_successors(login, doit_user):
    response = login(doit_user).get("/enterprises/units/", {"view": "districts", "q": "hoan kiem"})
    html = response.content.decode()
    assert 'id="district-002"' in html
    assert "Phường Cửa Nam" in html and "Phường Hoàn Kiếm" in html


def test_crosswalk_groups_successors_by_district():
    by_district = defaultdict(set)
    for origin in CommuneOrigin.objects.select_related("commune", "district"):
        by_district[origin.district.code].add(origin.commune.code)
    assert all(by_district[code] for code in District.objects.values_list("code", flat=True))
