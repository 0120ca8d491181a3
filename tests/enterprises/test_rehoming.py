"""Re-homing the enterprises registered before 1/7/2025: suggestions read from real address
strings (with and without accents), the worklist for officers and DOIT, the command, and the
moving of district accounts to communes."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from accounts.models import Role, User
from accounts.scope import FORMER, UNIT, Scope
from enterprises import rehoming
from enterprises.models import Commune, District, Enterprise

from ..factories import EnterpriseFactory, OfficerFactory

pytestmark = pytest.mark.django_db

REHOME = reverse("enterprises:rehome")
MOVE = reverse("accounts:officer_move")


def unlocated(district_code: str, address: str, **kwargs) -> Enterprise:
    return EnterpriseFactory(district=District.objects.get(code=district_code), commune=None, address=address, **kwargs)


def codes(enterprise: Enterprise) -> list[str]:
    return [c.code for c in rehoming.Crosswalk().suggest(enterprise).candidates]


@pytest.mark.parametrize(
    "address",
    [
        "Số 12, phố Hàng Bài, phường Hàng Bài, quận Hoàn Kiếm, Hà Nội",
        "so 12 pho hang bai, p. hang bai, hoan kiem, ha noi",
        "12 Hang Bai, Hoan Kiem",  # no kind word, no accents
    ],
)
def test_a_whole_former_ward_leads_to_its_commune(address):
    assert codes(unlocated("002", address)) == ["00082"]  # Hàng Bài → Phường Cửa Nam


def test_a_split_former_ward_gives_its_candidates():
    enterprise = unlocated("002", "Số 3, phường Hàng Trống, quận Hoàn Kiếm, Hà Nội")
    assert codes(enterprise) == ["00070", "00082"]  # Hoàn Kiếm and Cửa Nam took parts of it
    assert rehoming.Crosswalk().suggest(enterprise).outcome == rehoming.SEVERAL


def test_the_former_district_tells_apart_wards_of_the_same_name():
    # "Minh Khai" was a ward of Hai Bà Trưng and of Bắc Từ Liêm.
    hbt = codes(unlocated("007", "Số 1 phố Minh Khai, phường Minh Khai, Hai Bà Trưng"))
    btl = codes(unlocated("021", "Tổ 5, phường Minh Khai, Bắc Từ Liêm"))
    assert hbt and btl and set(hbt).isdisjoint(btl)


def test_an_address_in_the_new_form_names_its_commune():
    enterprise = EnterpriseFactory(district=None, commune=None, address="Số 8, phố Kim Mã, Phường Ba Đình, Hà Nội")
    assert codes(enterprise) == ["00004"]
    no_match = unlocated("006", "Số 10, phố Chùa Bộc, Hà Nội")
    assert codes(no_match) == [] and rehoming.Crosswalk().suggest(no_match).outcome == rehoming.NO_MATCH


def test_rehome_command_reports_and_applies():
    placed = unlocated("002", "phường Hàng Bài, Hoàn Kiếm")
    several = unlocated("002", "phường Hàng Trống, Hoàn Kiếm")
    none = unlocated("006", "Số 10, phố Chùa Bộc")
    out = StringIO()
    with translation.override("en"):
        call_command("rehome_enterprises", stdout=out)
    assert "3 enterprises without a commune: 1 placed, 1 with several candidates, 1 with no match" in out.getvalue()
    assert not Enterprise.objects.filter(commune__isnull=False, pk__in=[placed.pk]).exists()
    with translation.override("en"):
        call_command("rehome_enterprises", "--apply", stdout=StringIO())
    placed.refresh_from_db(), several.refresh_from_db(), none.refresh_from_db()
    assert placed.commune.code == "00082" and several.commune is None and none.commune is None
    last = placed.history.first()
    assert last.history_change_reason == "rehome" and last.commune_id == placed.commune_id
    assert last.history_type == "~" and last.history_date == placed.updated_at


# --------------------------------------------------------------------------- the worklist


def test_officer_worklist_holds_the_unlocated_enterprises_of_their_former_district(login, officer_a, officer_b):
    mine = unlocated("006", "Số 5, phường Láng Hạ, quận Đống Đa", name="Công ty Láng Hạ")
    theirs = unlocated("017", "Xã Vân Trì, huyện Đông Anh", name="Công ty Vân Trì")
    page = login(officer_a).get(REHOME)
    ids = {row.enterprise.pk for row in page.context["rows"]}
    assert ids == {mine.pk} and theirs.pk not in ids
    assert {row.enterprise.pk for row in login(officer_b).get(REHOME).context["rows"]} == {theirs.pk}


def test_officer_places_in_own_commune_only(login, officer_a, commune_a, commune_b):
    enterprise = unlocated("006", "phường Trung Liệt, Đống Đa")
    client = login(officer_a)
    client.post(REHOME, {"enterprise": enterprise.pk, f"commune_{enterprise.pk}": commune_b.pk})
    enterprise.refresh_from_db()
    assert enterprise.commune is None
    client.post(REHOME, {"enterprise": enterprise.pk, f"commune_{enterprise.pk}": commune_a.pk})
    enterprise.refresh_from_db()
    assert enterprise.commune == commune_a
    assert enterprise in Enterprise.objects.visible_to(officer_a)


def test_doit_confirms_many_at_once(login, doit_user):
    first = unlocated("002", "phường Hàng Bài, Hoàn Kiếm")
    second = unlocated("002", "phường Hàng Bạc, Hoàn Kiếm")
    cua_nam, hoan_kiem = Commune.objects.get(code="00082"), Commune.objects.get(code="00070")
    response = login(doit_user).post(
        REHOME,
        {
            "enterprise": [first.pk, second.pk],
            f"commune_{first.pk}": cua_nam.pk,
            f"commune_{second.pk}": hoan_kiem.pk,
        },
    )
    assert response.status_code == 302
    assert set(Enterprise.objects.filter(commune__isnull=False).values_list("pk", "commune__code")) >= {
        (first.pk, "00082"),
        (second.pk, "00070"),
    }


def test_enterprise_staff_have_no_worklist(login, staff_x):
    assert login(staff_x).get(REHOME).status_code == 403


# --------------------------------------------------------------------------- scope by commune


def test_officers_of_one_commune_get_404_on_another_communes_enterprises(login):
    hoan_kiem_district = District.objects.get(code="002")
    officer = OfficerFactory(username="canbo.cuanam", district=hoan_kiem_district)
    officer.commune = Commune.objects.get(code="00082")
    officer.save()
    # Both enterprises were in the former Hoàn Kiếm district; only one is in Cửa Nam now.
    own = EnterpriseFactory(district=hoan_kiem_district, commune=Commune.objects.get(code="00082"))
    other = EnterpriseFactory(district=hoan_kiem_district, commune=Commune.objects.get(code="00070"))
    client = login(officer)
    assert client.get(reverse("enterprises:detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("enterprises:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("enterprises:edit", args=[other.pk])).status_code == 404


# --------------------------------------------------------------------------- moving district accounts


def test_doit_moves_a_district_account_to_a_commune(login, doit_user, district_a, enterprise_x):
    account = User.objects.create_user(
        "canbo.cu", email="canbo.cu@example.vn", role=Role.OFFICER, district=district_a, full_name="Cán Bộ Cũ"
    )
    assert Scope.of(account).kind == FORMER
    # Until it is moved: read-only on its former district's enterprises.
    assert enterprise_x in Enterprise.objects.visible_to(account)
    assert not account.has_perm("enterprises.change_enterprise", enterprise_x)
    assert not account.has_perm("reporting.request_report")
    client = login(doit_user)
    page = client.get(MOVE)
    [(listed, communes)] = page.context["rows"]
    assert listed == account and communes[0].code == "00235"  # Phường Đống Đa carries on Đống Đa
    assert client.post(MOVE, {"user": account.pk, "commune": communes[0].pk}).status_code == 302
    account.refresh_from_db()
    assert account.commune.code == "00235" and account.district == district_a  # history kept
    assert Scope.of(account).kind == UNIT
    assert account.has_perm("enterprises.change_enterprise", enterprise_x)


def test_a_commune_not_formed_from_the_district_is_refused(login, doit_user, district_a, commune_b):
    account = User.objects.create_user("canbo.cu2", role=Role.OFFICER, district=district_a, email="c2@example.vn")
    login(doit_user).post(MOVE, {"user": account.pk, "commune": commune_b.pk})
    account.refresh_from_db()
    assert account.commune is None
