"""Persona fixtures shared by every test (CONVENTIONS.md): a DOIT user, an officer of district A,
an officer of district B, staff of enterprise X (district A) and staff of enterprise Y (district B).
District A is Đống Đa (006), district B is Đông Anh (017)."""

from __future__ import annotations

import pytest
from django.test import Client

from enterprises.models import District, Sector
from enterprises.reference import load_reference_data

from .factories import EnterpriseFactory, EnterpriseStaffFactory, OfficerFactory, UserFactory

PASSWORD = "Mat-khau-thu-2026"


@pytest.fixture(autouse=True)
def reference_data(request):
    """Districts and sectors come from a data migration; tests on a flushed database
    (transactional and browser tests) get them back here."""
    if (
        "db" in request.fixturenames
        or "transactional_db" in request.fixturenames
        or request.node.get_closest_marker("django_db")
    ):
        request.getfixturevalue("db" if "transactional_db" not in request.fixturenames else "transactional_db")
        if not District.objects.exists():
            load_reference_data(District, Sector)
        from assessments.models import ResourceFactor, ResourceType
        from assessments.reference import load_resource_data

        if not ResourceType.objects.exists():
            load_resource_data(ResourceType, ResourceFactor)


@pytest.fixture
def district_a(db) -> District:
    return District.objects.get(code="006")


@pytest.fixture
def district_b(db) -> District:
    return District.objects.get(code="017")


@pytest.fixture
def doit_user(db):
    return UserFactory(username="doit.test", full_name="Nguyễn Thị Sở")


@pytest.fixture
def officer_a(district_a):
    return OfficerFactory(username="officer.a", full_name="Trần Văn A", district=district_a)


@pytest.fixture
def officer_b(district_b):
    return OfficerFactory(username="officer.b", full_name="Lê Văn B", district=district_b)


@pytest.fixture
def enterprise_x(district_a):
    return EnterpriseFactory(
        name="Công ty Cổ phần Bia Đống Đa", district=district_a, address="Số 5, phố Tây Sơn, Đống Đa, Hà Nội"
    )


@pytest.fixture
def enterprise_y(district_b):
    return EnterpriseFactory(
        name="Công ty TNHH Nhựa Đông Anh", district=district_b, address="KCN Thăng Long, Đông Anh, Hà Nội"
    )


@pytest.fixture
def staff_x(enterprise_x):
    return EnterpriseStaffFactory(username="staff.x", full_name="Phạm Thị X", enterprise=enterprise_x)


@pytest.fixture
def staff_y(enterprise_y):
    return EnterpriseStaffFactory(username="staff.y", full_name="Hoàng Văn Y", enterprise=enterprise_y)


@pytest.fixture
def login():
    """login(user, language=None) -> a test Client signed in as that user (in that UI language,
    chosen as the language switch does, with its cookie)."""

    def _login(user, language: str | None = None) -> Client:
        client = Client()
        client.force_login(user)
        if language:
            client.cookies["django_language"] = language
        return client

    return _login


@pytest.fixture(autouse=True)
def celery_eager(request):
    """Tasks run in-process unless a test is marked ``worker`` (those use a real worker)."""
    from cleanprod.celery import app

    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """PBKDF2 is deliberately slow; tests hash hundreds of factory passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
