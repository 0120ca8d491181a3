"""Enterprise registry pages for every role: list, detail, create, edit; filters, sorting,
pagination, query counts and change history."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from enterprises.models import Commune, District, Enterprise, IndustrialZone, Sector

from ..factories import EnterpriseFactory, next_tax_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Five personas per test: hashing their passwords with PBKDF2 would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LIST = reverse("enterprises:list")
CREATE = reverse("enterprises:create")


def detail(enterprise) -> str:
    return reverse("enterprises:detail", args=[enterprise.pk])


def edit(enterprise) -> str:
    return reverse("enterprises:edit", args=[enterprise.pk])


def form_data(enterprise: Enterprise | None = None, **overrides) -> dict:
    """What the full enterprise form posts, from an enterprise or sensible new values."""
    if enterprise is None:
        data = {
            "tax_code": next_tax_code(),
            "name": "Công ty TNHH Giấy Thăng Long",
            "commune": Commune.objects.get(code="00235").pk,
            "sector": Sector.objects.get(code="17").pk,
            "address": "Số 9, phố Tây Sơn, Đống Đa, Hà Nội",
            "industrial_zone": "",
            "ownership": Enterprise.Ownership.PRIVATE,
            "size": Enterprise.Size.SMALL,
            "employees": "80",
            "contact_name": "Nguyễn Văn Giấy",
            "contact_position": "Giám đốc",
            "contact_phone": "02438001234",
            "contact_email": "giay@example.vn",
        }
    else:
        data = {
            "tax_code": enterprise.tax_code,
            "name": enterprise.name,
            "commune": enterprise.commune_id,
            "sector": enterprise.sector_id,
            "address": enterprise.address,
            "industrial_zone": enterprise.industrial_zone_id or "",
            "ownership": enterprise.ownership,
            "size": enterprise.size,
            "employees": str(enterprise.employees),
            "contact_name": enterprise.contact_name,
            "contact_position": enterprise.contact_position,
            "contact_phone": enterprise.contact_phone,
            "contact_email": enterprise.contact_email,
        }
        data["registered_on"] = enterprise.registered_on.strftime("%d/%m/%Y")
        if enterprise.closed_on:
            data["closed_on"] = enterprise.closed_on.strftime("%d/%m/%Y")
        if enterprise.is_designated_energy_user:
            data["is_designated_energy_user"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def personas(doit_user, officer_a, officer_b, staff_x, staff_y):
    return {"doit": doit_user, "officer_a": officer_a, "officer_b": officer_b, "staff_x": staff_x, "staff_y": staff_y}


def client_for(personas, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(personas[who])
    return client


# --- Access matrix --------------------------------------------------------------------------

ROLES = ["doit", "officer_a", "officer_b", "staff_x", "staff_y", "anonymous"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("doit", 200),
        ("officer_a", 200),
        ("officer_b", 404),
        ("staff_x", 200),
        ("staff_y", 404),
        ("anonymous", 302),
    ],
)
def test_detail_of_enterprise_x(personas, enterprise_x, who, expected):
    response = client_for(personas, who).get(detail(enterprise_x))
    assert response.status_code == expected
    if expected == 200:
        assert enterprise_x.name in response.content.decode()
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("doit", 200),
        ("officer_a", 200),
        ("officer_b", 404),
        ("staff_x", 200),
        ("staff_y", 404),
        ("anonymous", 302),
    ],
)
def test_edit_page_of_enterprise_x(personas, enterprise_x, who, expected):
    response = client_for(personas, who).get(edit(enterprise_x))
    assert response.status_code == expected
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("doit", 200),
        ("officer_a", 200),
        ("officer_b", 200),
        ("staff_x", 403),
        ("staff_y", 403),
        ("anonymous", 302),
    ],
)
def test_create_page(personas, who, expected):
    response = client_for(personas, who).get(CREATE)
    assert response.status_code == expected
    if who == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("doit", {"x", "y"}),
        ("officer_a", {"x"}),
        ("officer_b", {"y"}),
        ("staff_x", {"x"}),
        ("staff_y", {"y"}),
    ],
)
def test_list_shows_only_what_is_in_scope(personas, enterprise_x, enterprise_y, who, visible):
    response = client_for(personas, who).get(LIST)
    assert response.status_code == 200
    by_key = {"x": enterprise_x.pk, "y": enterprise_y.pk}
    assert {e.pk for e in response.context["page"]} == {by_key[k] for k in visible}
    html = response.content.decode()
    for key, enterprise in (("x", enterprise_x), ("y", enterprise_y)):
        assert (enterprise.tax_code in html) == (key in visible)


def test_anonymous_list_redirects_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={LIST}"


@pytest.mark.parametrize(
    ("who", "can_add"),
    [("doit", True), ("officer_a", True), ("staff_x", False)],
)
def test_list_offers_registration_only_to_who_may_register(personas, who, can_add):
    html = client_for(personas, who).get(LIST).content.decode()
    assert (f'href="{CREATE}"' in html) == can_add


@pytest.mark.parametrize(("who", "can_edit"), [("doit", True), ("officer_a", True), ("staff_x", True)])
def test_detail_offers_edit_to_who_may_edit(personas, enterprise_x, who, can_edit):
    html = client_for(personas, who).get(detail(enterprise_x)).content.decode()
    assert (f'href="{edit(enterprise_x)}"' in html) == can_edit


def test_missing_enterprise_is_404_like_an_out_of_scope_one(personas):
    client = client_for(personas, "doit")
    assert client.get(reverse("enterprises:detail", args=[987654])).status_code == 404
    assert client.get(reverse("enterprises:edit", args=[987654])).status_code == 404


# --- Writes ---------------------------------------------------------------------------------


def test_doit_registers_an_enterprise_in_any_commune(personas, commune_b):
    data = form_data(commune=commune_b.pk, address="Số 1, Vân Trì, Đông Anh, Hà Nội")
    response = client_for(personas, "doit").post(CREATE, data)
    enterprise = Enterprise.objects.get(tax_code=data["tax_code"])
    assert response.status_code == 302
    assert response["Location"] == detail(enterprise)
    assert enterprise.commune == commune_b and enterprise.district is None  # no district after the reform
    assert enterprise.search_key.startswith("cong ty tnhh giay thang long")


def test_officer_registers_an_enterprise_in_own_commune(personas, commune_a):
    data = form_data()
    response = client_for(personas, "officer_a").post(CREATE, data)
    assert response.status_code == 302
    enterprise = Enterprise.objects.get(tax_code=data["tax_code"])
    assert enterprise.commune == commune_a
    assert enterprise.history.get().history_user == personas["officer_a"]


def test_officer_create_form_offers_only_own_commune(personas, commune_a):
    response = client_for(personas, "officer_a").get(CREATE)
    field = response.context["form"].fields["commune"]
    assert list(field.queryset) == [commune_a]
    assert "district" not in response.context["form"].fields  # the former district is history


def test_officer_cannot_register_an_enterprise_in_another_commune(personas, commune_b):
    data = form_data(commune=commune_b.pk)
    response = client_for(personas, "officer_a").post(CREATE, data)
    assert response.status_code == 200
    assert "commune" in response.context["form"].errors
    assert not Enterprise.objects.filter(tax_code=data["tax_code"]).exists()
    assert data["name"] in response.content.decode()  # the form keeps what was typed


def test_officer_cannot_use_an_industrial_zone_of_another_district(personas, district_b):
    zone = IndustrialZone.objects.create(name="KCN Thăng Long", district=district_b)
    data = form_data(industrial_zone=zone.pk)
    response = client_for(personas, "officer_a").post(CREATE, data)
    assert response.status_code == 200
    assert "industrial_zone" in response.context["form"].errors
    assert not Enterprise.objects.filter(tax_code=data["tax_code"]).exists()


def test_doit_cannot_place_a_zone_in_the_wrong_commune(personas, commune_a, district_b):
    zone = IndustrialZone.objects.create(name="KCN Thăng Long", district=district_b)
    data = form_data(commune=commune_a.pk, industrial_zone=zone.pk)
    response = client_for(personas, "doit").post(CREATE, data)
    assert response.status_code == 200
    assert "industrial_zone" in response.context["form"].errors
    assert not Enterprise.objects.filter(tax_code=data["tax_code"]).exists()


@pytest.mark.parametrize("tax_code", ["0100233489", "0100233488-000", "12345", "01002334a8"])
def test_bad_tax_code_is_refused_next_to_the_field(personas, tax_code):
    data = form_data(tax_code=tax_code)
    response = client_for(personas, "officer_a").post(CREATE, data)
    assert response.status_code == 200
    assert "tax_code" in response.context["form"].errors
    assert not Enterprise.objects.filter(name=data["name"]).exists()


def test_duplicate_tax_code_is_refused(personas, enterprise_x):
    data = form_data(tax_code=enterprise_x.tax_code)
    response = client_for(personas, "doit").post(CREATE, data)
    assert response.status_code == 200
    assert "tax_code" in response.context["form"].errors
    assert Enterprise.objects.filter(tax_code=enterprise_x.tax_code).count() == 1


def test_branch_tax_code_is_accepted(personas):
    data = form_data(tax_code="0100233488-002")
    assert client_for(personas, "officer_a").post(CREATE, data).status_code == 302
    assert Enterprise.objects.filter(tax_code="0100233488-002").exists()


@pytest.mark.parametrize("who", ["staff_x", "staff_y"])
def test_enterprise_staff_cannot_register_enterprises(personas, who):
    data = form_data()
    response = client_for(personas, who).post(CREATE, data)
    assert response.status_code == 403
    assert not Enterprise.objects.filter(tax_code=data["tax_code"]).exists()


def test_anonymous_post_writes_nothing(client):
    data = form_data()
    response = client.post(CREATE, data)
    assert response.status_code == 302
    assert not Enterprise.objects.filter(tax_code=data["tax_code"]).exists()


def test_officer_edits_own_district_enterprise(personas, enterprise_x):
    data = form_data(enterprise_x, name="Công ty Cổ phần Bia Đống Đa mới", employees="120")
    response = client_for(personas, "officer_a").post(edit(enterprise_x), data)
    assert response.status_code == 302
    enterprise_x.refresh_from_db()
    assert enterprise_x.name == "Công ty Cổ phần Bia Đống Đa mới"
    assert enterprise_x.employees == 120
    assert enterprise_x in Enterprise.objects.search("bia dong da moi")


def test_officer_cannot_move_an_enterprise_to_another_commune(personas, enterprise_x, commune_a, commune_b):
    data = form_data(enterprise_x, commune=commune_b.pk, name="Moved")
    response = client_for(personas, "officer_a").post(edit(enterprise_x), data)
    assert response.status_code == 200
    assert "commune" in response.context["form"].errors
    enterprise_x.refresh_from_db()
    assert enterprise_x.commune == commune_a
    assert enterprise_x.name != "Moved"


def test_doit_moves_an_enterprise_to_another_commune(personas, enterprise_x, commune_b, district_a):
    data = form_data(enterprise_x, commune=commune_b.pk)
    assert client_for(personas, "doit").post(edit(enterprise_x), data).status_code == 302
    enterprise_x.refresh_from_db()
    assert enterprise_x.commune == commune_b
    assert enterprise_x.district == district_a  # the former district stays as history


@pytest.mark.parametrize("who", ["officer_b", "staff_y"])
def test_out_of_scope_edit_post_is_404_and_writes_nothing(personas, enterprise_x, who):
    data = form_data(enterprise_x, name="Hijacked", contact_name="Hijacked")
    response = client_for(personas, who).post(edit(enterprise_x), data)
    assert response.status_code == 404
    enterprise_x.refresh_from_db()
    assert "Hijacked" not in (enterprise_x.name, enterprise_x.contact_name)


def test_enterprise_staff_sees_only_contact_fields(personas, enterprise_x):
    response = client_for(personas, "staff_x").get(edit(enterprise_x))
    assert set(response.context["form"].fields) == set(Enterprise.CONTACT_FIELDS)
    assert 'name="tax_code"' not in response.content.decode()


def test_enterprise_staff_changes_only_contact_fields(personas, enterprise_x, district_a, district_b):
    before = Enterprise.objects.values().get(pk=enterprise_x.pk)
    data = form_data(
        enterprise_x,
        tax_code="0314409058",
        name="Hijacked name",
        district=district_b.pk,
        address="Somewhere else",
        employees="9999",
        size=Enterprise.Size.LARGE,
        ownership=Enterprise.Ownership.FDI,
        is_designated_energy_user="on",
        active="",
        contact_name="Phạm Thị Liên Hệ",
        contact_position="Trưởng phòng Kỹ thuật",
        contact_phone="0912345678",
        contact_email="lienhe@biadongda.vn",
    )
    response = client_for(personas, "staff_x").post(edit(enterprise_x), data)
    assert response.status_code == 302
    after = Enterprise.objects.values().get(pk=enterprise_x.pk)
    assert after["contact_name"] == "Phạm Thị Liên Hệ"
    assert after["contact_position"] == "Trưởng phòng Kỹ thuật"
    assert after["contact_phone"] == "0912345678"
    assert after["contact_email"] == "lienhe@biadongda.vn"
    for field in ("tax_code", "name", "district_id", "address", "employees", "size", "ownership", "active"):
        assert after[field] == before[field], field
    assert after["is_designated_energy_user"] == before["is_designated_energy_user"]


def test_contact_form_error_keeps_input(personas, enterprise_x):
    response = client_for(personas, "staff_x").post(
        edit(enterprise_x), {"contact_name": "Người Mới", "contact_email": "not-an-address"}
    )
    assert response.status_code == 200
    assert "contact_email" in response.context["form"].errors
    assert "Người Mới" in response.content.decode()
    enterprise_x.refresh_from_db()
    assert enterprise_x.contact_name != "Người Mới"


# --- Filters, sorting, pagination -----------------------------------------------------------


@pytest.fixture
def varied(district_a, district_b):
    textile = Sector.objects.get(code="13")
    food = Sector.objects.get(code="10")
    return {
        "a_food_small": EnterpriseFactory(district=district_a, sector=food, name="An Food", employees=20),
        "a_textile_large": EnterpriseFactory(
            district=district_a,
            sector=textile,
            name="Bình Textile",
            size=Enterprise.Size.LARGE,
            employees=400,
            is_designated_energy_user=True,
            ownership=Enterprise.Ownership.FDI,
        ),
        "b_textile_medium": EnterpriseFactory(
            district=district_b,
            sector=textile,
            name="Cường Textile",
            size=Enterprise.Size.MEDIUM,
            employees=150,
            ownership=Enterprise.Ownership.STATE,
        ),
        "b_food_inactive": EnterpriseFactory(
            district=district_b, sector=food, name="Dũng Food", active=False, employees=5, size=Enterprise.Size.MICRO
        ),
    }


def names(response) -> list[str]:
    assert response.status_code == 200
    return [e.name for e in response.context["page"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"An Food", "Bình Textile", "Cường Textile", "Dũng Food"}),
        ({"district": "B"}, {"Cường Textile", "Dũng Food"}),
        ({"sector": "13"}, {"Bình Textile", "Cường Textile"}),
        ({"size": "large"}, {"Bình Textile"}),
        ({"size": "micro"}, {"Dũng Food"}),
        ({"ownership": "state"}, {"Cường Textile"}),
        ({"ownership": "fdi"}, {"Bình Textile"}),
        ({"is_designated_energy_user": "true"}, {"Bình Textile"}),
        ({"is_designated_energy_user": "false"}, {"An Food", "Cường Textile", "Dũng Food"}),
        ({"active": "false"}, {"Dũng Food"}),
        ({"active": "true"}, {"An Food", "Bình Textile", "Cường Textile"}),
        ({"sector": "13", "district": "A"}, {"Bình Textile"}),
        ({"sector": "10", "active": "true", "q": "food"}, {"An Food"}),
    ],
)
def test_doit_filters(login, doit_user, varied, district_a, district_b, params, expected):
    params = dict(params)
    if "district" in params:
        params["district"] = (district_a if params["district"] == "A" else district_b).pk
    if "sector" in params:
        params["sector"] = Sector.objects.get(code=params["sector"]).pk
    assert set(names(login(doit_user).get(LIST, params))) == expected


def test_officer_filters_within_own_district_and_cannot_widen_it(login, officer_a, varied, district_b):
    client = login(officer_a)
    assert set(names(client.get(LIST))) == {"An Food", "Bình Textile"}
    assert "commune" not in client.get(LIST).context["filter"].form.fields
    # a district parameter does not open another district
    assert set(names(client.get(LIST, {"district": district_b.pk}))) == {"An Food", "Bình Textile"}
    assert names(client.get(LIST, {"size": "large"})) == ["Bình Textile"]


def test_invalid_filter_values_do_not_break_the_page(login, doit_user, varied):
    response = login(doit_user).get(LIST, {"district": "99999", "size": "huge", "sort": "password", "page": "x"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("name", ["An Food", "Bình Textile", "Cường Textile", "Dũng Food"]),
        ("-name", ["Dũng Food", "Cường Textile", "Bình Textile", "An Food"]),
        ("employees", ["Dũng Food", "An Food", "Cường Textile", "Bình Textile"]),
        ("-employees", ["Bình Textile", "Cường Textile", "An Food", "Dũng Food"]),
    ],
)
def test_sorting(login, doit_user, varied, sort, expected):
    assert names(login(doit_user).get(LIST, {"sort": sort})) == expected


def test_sorting_by_tax_code_and_district(login, doit_user, varied, district_a, district_b):
    client = login(doit_user)
    by_tax = client.get(LIST, {"sort": "tax_code"}).context["page"]
    assert [e.tax_code for e in by_tax] == sorted(e.tax_code for e in varied.values())
    by_district = [e.district for e in client.get(LIST, {"sort": "-district"}).context["page"]]
    assert by_district == [district_b, district_b, district_a, district_a]


def test_pagination_of_25_keeps_filters_in_page_links(login, doit_user, district_a, district_b):
    EnterpriseFactory.create_batch(30, district=district_a)  # the factory's size is "small"
    EnterpriseFactory.create_batch(3, district=district_b)
    client = login(doit_user)
    params = {"district": district_a.pk, "size": "small", "sort": "tax_code"}
    first = client.get(LIST, params)
    assert len(first.context["page"]) == 25
    assert first.context["page"].paginator.count == 30
    html = first.content.decode()
    assert f"district={district_a.pk}&amp;size=small&amp;sort=tax_code&amp;page=2" in html
    second = client.get(LIST, {**params, "page": 2})
    assert len(second.context["page"]) == 5
    seen = [e.pk for e in first.context["page"]] + [e.pk for e in second.context["page"]]
    assert len(set(seen)) == 30  # no row on two pages, none missing
    assert client.get(LIST, {**params, "page": 99}).context["page"].number == 2


def test_pages_never_overlap_when_sorted_by_a_column_with_ties(login, doit_user, district_a):
    # rows with equal names and employees: each sort still pages every row exactly once.
    EnterpriseFactory.create_batch(240, district=district_a, name="Công ty TNHH Trùng Tên", employees=50)
    client = login(doit_user)
    for sort in ("name", "-name", "employees", "-employees", "district", "-district"):
        seen = []
        for page in range(1, 11):
            seen += [e.pk for e in client.get(LIST, {"sort": sort, "page": page}).context["page"]]
        assert len(seen) == 240
        assert len(set(seen)) == 240, sort


# --- Query counts ---------------------------------------------------------------------------


def count_queries(client: Client, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _params(kind: str, district_b: District) -> dict:
    if kind == "plain":
        return {}
    # a search and two filters (plus a sort)
    return {
        "q": "cong ty",
        "sector": Sector.objects.get(code="10").pk,
        "size": "small",
        "sort": "-employees",
        **({"district": district_b.pk} if kind == "filtered_doit" else {}),
    }


@pytest.mark.parametrize(
    ("who", "kind"), [("doit", "plain"), ("doit", "filtered_doit"), ("officer_b", "plain"), ("officer_b", "filtered")]
)
def test_list_query_count_does_not_grow_with_rows(
    personas, district_b, django_assert_max_num_queries, django_assert_num_queries, who, kind
):
    client = client_for(personas, who)
    EnterpriseFactory.create_batch(10, district=district_b, name="Công ty TNHH Thực phẩm Đông Anh")
    params = _params(kind, district_b)
    client.get(LIST, params)  # warm up: the session, content types
    with django_assert_max_num_queries(10):
        small = client.get(LIST, params)
    assert len(small.context["page"]) >= 10
    at_10 = count_queries(client, params)
    EnterpriseFactory.create_batch(190, district=district_b, name="Công ty TNHH Thực phẩm Đông Anh")
    with django_assert_num_queries(at_10):
        large = client.get(LIST, params)
    assert len(large.context["page"]) == 25
    assert large.context["page"].paginator.count >= 200


# --- Detail page ----------------------------------------------------------------------------


def test_detail_shows_the_profile(login, doit_user, district_a):
    zone = IndustrialZone.objects.create(name="CCN Thử nghiệm", district=district_a)
    enterprise = EnterpriseFactory(
        district=district_a,
        industrial_zone=zone,
        employees=1234,
        contact_name="Lê Thị Hoa",
        contact_phone="0243999888",
        contact_email="hoa@example.vn",
        is_designated_energy_user=True,
    )
    html = login(doit_user).get(detail(enterprise)).content.decode()
    for text in (enterprise.tax_code, enterprise.name, enterprise.address, "CCN Thử nghiệm", "Lê Thị Hoa"):
        assert text in html
    assert "hoa@example.vn" in html
    assert "1.234" in html  # Vietnamese thousands separator


def test_detail_shows_the_change_history(login, officer_a, doit_user):
    client = login(officer_a)
    data = form_data()
    client.post(CREATE, data)
    enterprise = Enterprise.objects.get(tax_code=data["tax_code"])
    client.post(edit(enterprise), form_data(enterprise, employees="95", contact_name="Trần Thị Mới"))
    enterprise.refresh_from_db()
    login(doit_user).post(edit(enterprise), form_data(enterprise, name="Công ty TNHH Giấy Thăng Long 2"))
    response = client.get(detail(enterprise))
    html = response.content.decode()
    assert 'id="history"' in html
    history = list(response.context["history"])
    assert len(history) == 3
    assert [h.history_type for h in history] == ["~", "~", "+"]
    assert history[0].history_user == doit_user
    assert history[2].history_user == officer_a
    # what changed is named, in the page's language
    with translation.override("vi"):
        label = {f: str(Enterprise._meta.get_field(f).verbose_name) for f in ("name", "employees", "contact_name")}
    assert history[0].changed_fields == [label["name"]]
    assert history[1].changed_fields == [label["employees"], label["contact_name"]]
    assert not getattr(history[2], "changed_fields", None)
    section = html.split('id="history"', 1)[1]
    rows = section.split("<tr>")[2:]  # after the header row
    assert len(rows) == 3
    assert doit_user.full_name in rows[0]
    assert officer_a.full_name in rows[1] and officer_a.full_name in rows[2]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get(detail(enterprise)).content.decode().split('id="history"', 1)[1]
    assert "Changed: name</td>" in en
    assert "Changed: employees, contact person</td>" in en


def test_detail_history_query_count_is_bounded(login, doit_user, enterprise_x, django_assert_max_num_queries):
    for n in range(30):
        enterprise_x.employees = 100 + n
        enterprise_x.save()
    client = login(doit_user)
    client.get(detail(enterprise_x))
    with django_assert_max_num_queries(10):
        assert client.get(detail(enterprise_x)).status_code == 200
