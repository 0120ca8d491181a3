"""Demo accounts: DOIT staff, at least one officer per district, staff for some enterprises."""

from __future__ import annotations

from base64 import b32decode
from typing import TYPE_CHECKING

from django.contrib.auth.hashers import make_password
from django_otp.plugins.otp_totp.models import TOTPDevice

from cleanprod.demo import DEMO_PASSWORD, bulk_insert
from enterprises.models import District, Enterprise
from enterprises.text import fold

from .models import Role, User

if TYPE_CHECKING:
    from cleanprod.demo import DemoContext

DEMO_OFFICER_DISTRICT = "017"  # Đông Anh: many factories, two industrial zones
# DOIT staff must sign in with a second factor. The demo "doit" account has an authenticator with
# this fixed key (base32, printed with the logins) so a newcomer can add it to an authenticator
# app; "doit2" has none and is asked to set one up at its first sign-in, through a link sent by e-mail.
DEMO_TOTP_SECRET = "SXSHDEMOHANOIDOITCLEANPRODUCTION"  # noqa: S105 - demo data only
DEMO_TOTP_USERNAME = "doit"


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
    bulk_insert(User, users)
    TOTPDevice.objects.create(
        user=User.objects.get(username=DEMO_TOTP_USERNAME),
        name="demo authenticator",
        key=b32decode(DEMO_TOTP_SECRET).hex(),
        confirmed=True,
    )


def demo_totp_secret() -> str:
    """The demo authenticator key as typed into an app: base32 in groups of four."""
    return " ".join(DEMO_TOTP_SECRET[i : i + 4] for i in range(0, len(DEMO_TOTP_SECRET), 4))


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
        description = f"{user.role_label}" + (f" – {scope}" if scope else "")
        if user.username == DEMO_TOTP_USERNAME and TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            description += f" – second factor: authenticator app key (TOTP, 6 digits, 30 s) {demo_totp_secret()}"
        logins.append((user.username, description))
    return logins
