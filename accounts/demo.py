"""Demo accounts: DOIT staff, at least one officer per district, staff for some enterprises."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password

from cleanprod.demo import DEMO_PASSWORD
from enterprises.models import District, Enterprise
from enterprises.text import fold

from .models import Role, User

if TYPE_CHECKING:
    from cleanprod.demo import DemoContext

DEMO_OFFICER_DISTRICT = "017"  # Đông Anh: many factories, two industrial zones


def seed(ctx: DemoContext) -> None:
    rng = ctx.rng
    password = make_password(DEMO_PASSWORD)  # hashed once: bulk accounts share it
    users = [
        User(username="doit", full_name="Nguyễn Thị Lan", email="doit@example.vn", role=Role.DOIT, password=password),
        User(username="doit2", full_name="Trần Quang Hải", email="doit2@example.vn", role=Role.DOIT, password=password),
    ]
    for district in District.objects.filter(active=True):
        slug = fold(district.name).replace(" ", "")
        users.append(
            User(
                username=f"canbo.{slug}",
                full_name=rng.choice(ctx.people),
                email=f"canbo.{slug}@example.vn",
                role=Role.OFFICER,
                district=district,
                password=password,
            )
        )
    officer_district = District.objects.get(code=DEMO_OFFICER_DISTRICT)
    demo_enterprise = Enterprise.objects.filter(district=officer_district, active=True).order_by("tax_code").first()
    others = Enterprise.objects.filter(active=True)
    if demo_enterprise is not None:
        others = others.exclude(pk=demo_enterprise.pk)
    staffed = list(others.order_by("tax_code").values_list("pk", "tax_code")[: max(1, ctx.enterprises // 20)])
    if demo_enterprise:
        users.append(
            User(
                username="doanhnghiep",
                full_name=demo_enterprise.contact_name or rng.choice(ctx.people),
                email="doanhnghiep@example.vn",
                role=Role.ENTERPRISE,
                enterprise=demo_enterprise,
                password=password,
            )
        )
    for pk, tax_code in staffed:
        users.append(
            User(
                username=f"dn{tax_code}",
                full_name=rng.choice(ctx.people),
                email=f"dn{tax_code}@example.vn",
                role=Role.ENTERPRISE,
                enterprise_id=pk,
                password=password,
            )
        )
    User.objects.bulk_create(users, batch_size=2000)


def demo_logins() -> list[tuple[str, str]]:
    """(username, description) of one demo account per role, as they stand in the database."""
    found = {
        "doit": User.objects.filter(username="doit").first(),
        "officer": User.objects.filter(role=Role.OFFICER, district__code=DEMO_OFFICER_DISTRICT)
        .select_related("district")
        .order_by("username")
        .first(),
        "enterprise": User.objects.filter(username="doanhnghiep").select_related("enterprise").first(),
    }
    logins = []
    for user in found.values():
        if user is None:
            continue
        scope = user.district or user.enterprise
        logins.append((user.username, f"{user.role_label}" + (f" – {scope}" if scope else "")))
    return logins
