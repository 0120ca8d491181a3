"""Journey: a district officer signs in, searches without diacritics, registers a new enterprise
through the form, and finds it in the list with a diacritic-free search."""

from __future__ import annotations

import re

import pytest

from enterprises.models import Enterprise, Sector

from ..factories import EnterpriseFactory, next_tax_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_registers_an_enterprise_and_finds_it(page, sign_in, officer_b, district_a, district_b, enterprise_y):
    EnterpriseFactory(
        name="Công ty Cổ phần Gạch ngói Đông Anh", district=district_b, address="Xã Uy Nỗ, Đông Anh, Hà Nội"
    )
    EnterpriseFactory(name="Công ty TNHH May Sóc Sơn", district=district_b, address="Thị trấn Đông Anh, Hà Nội")
    EnterpriseFactory(name="Công ty TNHH Bánh kẹo Kim Liên", district=district_b, address="Số 2, Vân Trì, Hà Nội")
    # in another district, with the same words: never shown to this officer
    EnterpriseFactory(name="Công ty TNHH Đông Anh Đống Đa", district=district_a)

    sign_in(officer_b)

    # search without diacritics
    page.get_by_role("link", name=re.compile("Enterprises|Doanh nghiệp")).first.click()
    page.fill("input[name=q]", "dong anh")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url(re.compile(r"q=dong\+anh"))
    rows = page.locator("table tbody tr")
    assert rows.count() == 3
    names = rows.locator("td:nth-child(2) a").all_inner_texts()
    assert set(names) == {
        "Công ty TNHH Nhựa Đông Anh",
        "Công ty Cổ phần Gạch ngói Đông Anh",
        "Công ty TNHH May Sóc Sơn",
    }

    # register a new enterprise through the form
    page.click("a[href='/enterprises/new/']")
    page.wait_for_url("**/enterprises/new/")
    tax_code = next_tax_code()
    page.fill("#id_tax_code", tax_code)
    page.fill("#id_name", "Công ty TNHH Cơ khí Chính xác Đông Anh")
    assert page.locator("#id_commune option:checked").inner_text() == "00454 – Xã Đông Anh"
    page.select_option("#id_sector", value=str(Sector.objects.get(code="25").pk))
    page.fill("#id_address", "Số 18, đường Cao Lỗ, Đông Anh, Hà Nội")
    page.select_option("#id_ownership", value=Enterprise.Ownership.PRIVATE)
    page.select_option("#id_size", value=Enterprise.Size.SMALL)
    page.fill("#id_employees", "65")
    page.fill("#id_contact_name", "Nguyễn Văn Cơ")
    page.fill("#id_contact_email", "coKhi@example.vn")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/enterprises/\d+/$"))
    assert page.locator("h1").inner_text() == "Công ty TNHH Cơ khí Chính xác Đông Anh"
    created = Enterprise.objects.get(tax_code=tax_code)
    # registered after the reform: in the officer's commune; no district (those ended on 30/6/2025)
    assert created.commune.code == "00454" and created.district is None
    assert created.history.get().history_user == officer_b

    # find it in the list without diacritics
    page.goto("/enterprises/")
    page.fill("input[name=q]", "co khi chinh xac dong anh")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url(re.compile(r"q=co\+khi"))
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert tax_code in rows.first.inner_text()
    rows.first.get_by_role("link").click()
    page.wait_for_url(f"**/enterprises/{created.pk}/")
    assert "Nguyễn Văn Cơ" in page.locator("main").inner_text()
