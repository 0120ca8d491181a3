"""factory_boy factories for the portal's models. Apps add their own factories here."""

from __future__ import annotations

import itertools

import factory
from factory.django import DjangoModelFactory

from accounts.models import Role, User
from enterprises.models import District, Enterprise, Sector
from enterprises.validators import tax_code_check_digit


def _valid_tax_codes():
    for seq in itertools.count(2_000_000):
        first_nine = f"01{seq:07d}"
        check = tax_code_check_digit(first_nine)
        if check is not None:
            yield f"{first_nine}{check}"


_TAX_CODES = _valid_tax_codes()


def next_tax_code() -> str:
    return next(_TAX_CODES)


class EnterpriseFactory(DjangoModelFactory):
    class Meta:
        model = Enterprise

    tax_code = factory.LazyFunction(next_tax_code)
    name = factory.Sequence(lambda n: f"Công ty TNHH Thử nghiệm {n}")
    district = factory.LazyFunction(lambda: District.objects.get(code="006"))
    sector = factory.LazyFunction(lambda: Sector.objects.get(code="10"))
    address = factory.LazyAttribute(lambda o: f"Số 1, đường Láng, {o.district.name}, Hà Nội")
    ownership = Enterprise.Ownership.PRIVATE
    size = Enterprise.Size.SMALL
    employees = 50


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Người dùng {n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    role = Role.DOIT
    password = factory.django.Password("Mat-khau-thu-2026")


class OfficerFactory(UserFactory):
    role = Role.OFFICER
    district = factory.LazyFunction(lambda: District.objects.get(code="006"))


class EnterpriseStaffFactory(UserFactory):
    role = Role.ENTERPRISE
    enterprise = factory.SubFactory(EnterpriseFactory)
