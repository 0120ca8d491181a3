"""Accent- and case-insensitive search: "dong da", "ĐỐNG ĐA" and "Đống Đa" find the same rows."""

from __future__ import annotations

import unicodedata

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from enterprises.models import Enterprise
from enterprises.text import fold

from ..factories import EnterpriseFactory


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Đống Đa", "dong da"),
        ("ĐỐNG ĐA", "dong da"),
        ("đống đa", "dong da"),
        ("dong da", "dong da"),
        ("Đông Anh", "dong anh"),
        ("đ", "d"),
        ("Đ", "d"),
        ("Hà Nội", "ha noi"),
        ("Thường Tín", "thuong tin"),
        ("Ứng Hòa", "ung hoa"),
        ("Mỹ Đức", "my duc"),
        ("Công ty Cổ phần Dệt nhuộm", "cong ty co phan det nhuom"),
        ("  Bắc \t Từ\nLiêm  ", "bac tu liem"),
        ("0100233488-001", "0100233488-001"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_maps_d_with_stroke_which_unicode_decomposition_leaves_alone():
    assert unicodedata.normalize("NFD", "đ") == "đ"  # why fold() maps it first
    assert fold("đĐ") == "dd"


def test_fold_treats_composed_and_decomposed_input_alike():
    composed = "Đống Đa, Hoàn Kiếm"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert fold(composed) == fold(decomposed) == "dong da, hoan kiem"


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ "))
def test_fold_of_vietnamese_text_is_plain_ascii(text):
    folded = fold(text)
    assert folded.isascii()
    assert fold(text.upper()) == folded


@pytest.fixture
def rows(district_a, district_b):
    """Rows where "Đống Đa" appears in the name only, the address only, neither."""
    return {
        "in_name": EnterpriseFactory(
            name="Công ty TNHH Cơ khí Đống Đa", district=district_b, address="Số 3, đường Vân Trì, Đông Anh, Hà Nội"
        ),
        "in_address": EnterpriseFactory(
            name="Công ty Cổ phần Bánh kẹo Hồng Hà", district=district_a, address="Số 12, phố Chùa Bộc, Đống Đa, Hà Nội"
        ),
        "upper_address": EnterpriseFactory(
            name="Hợp tác xã May Thành Công", district=district_a, address="SỐ 7, PHỐ TÂY SƠN, QUẬN ĐỐNG ĐA, HÀ NỘI"
        ),
        "elsewhere": EnterpriseFactory(
            name="Công ty TNHH Nhựa Đông Anh", district=district_b, address="KCN Thăng Long, Đông Anh, Hà Nội"
        ),
    }


@pytest.mark.parametrize("query", ["dong da", "ĐỐNG ĐA", "Đống Đa", "đống đa", "DONG DA", "  Dong   Da "])
def test_search_ignores_case_and_diacritics(db, rows, query):
    found = set(Enterprise.objects.search(query))
    assert found == {rows["in_name"], rows["in_address"], rows["upper_address"]}


def test_search_forms_of_a_name_find_the_same_rows(db, rows):
    results = [
        set(Enterprise.objects.search(q).values_list("pk", flat=True)) for q in ("dong da", "ĐỐNG ĐA", "Đống Đa")
    ]
    assert results[0] == results[1] == results[2]
    assert len(results[0]) == 3


def test_search_by_tax_code_and_part_of_it(db, rows):
    target = rows["elsewhere"]
    assert list(Enterprise.objects.search(target.tax_code)) == [target]
    assert target in Enterprise.objects.search(target.tax_code[:6])


def test_search_by_address(db, rows):
    assert list(Enterprise.objects.search("chua boc")) == [rows["in_address"]]
    assert list(Enterprise.objects.search("Tây Sơn")) == [rows["upper_address"]]


def test_search_by_name(db, rows):
    assert list(Enterprise.objects.search("banh keo hong ha")) == [rows["in_address"]]
    assert list(Enterprise.objects.search("NHỰA")) == [rows["elsewhere"]]


def test_the_query_is_matched_as_a_phrase(db, rows):
    assert set(Enterprise.objects.search("nhựa đông anh")) == {rows["elsewhere"]}
    assert not Enterprise.objects.search("dong anh nhua").exists()
    assert not Enterprise.objects.search("dong da nhua").exists()


def test_blank_search_returns_everything(db, rows):
    assert Enterprise.objects.search("   ").count() == 4


def test_like_wildcards_are_literal(db, rows):
    assert not Enterprise.objects.search("%").exists()
    assert not Enterprise.objects.search("_").exists()


def test_search_key_follows_edits(db, rows):
    enterprise = rows["elsewhere"]
    enterprise.name = "Công ty TNHH Gốm sứ Bát Tràng"
    enterprise.save(update_fields=["name"])
    assert list(Enterprise.objects.search("bat trang")) == [enterprise]
    assert enterprise not in Enterprise.objects.search("nhua")


@pytest.mark.parametrize("query", ["dong da", "ĐỐNG ĐA", "Đống Đa"])
def test_list_page_search_for_doit(login, doit_user, rows, query):
    response = login(doit_user).get(reverse("enterprises:list"), {"q": query})
    assert response.status_code == 200
    shown = {e.pk for e in response.context["page"]}
    assert shown == {rows["in_name"].pk, rows["in_address"].pk, rows["upper_address"].pk}
    assert response.context["filter"].form["q"].value() == query  # the box keeps what was typed


def test_list_page_search_stays_in_the_officers_district(login, officer_a, rows):
    response = login(officer_a).get(reverse("enterprises:list"), {"q": "dong da"})
    assert {e.pk for e in response.context["page"]} == {rows["in_address"].pk, rows["upper_address"].pk}
