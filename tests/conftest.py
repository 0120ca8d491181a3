"""Persona fixtures shared by every test (CONVENTIONS.md): a DOIT user, an officer of district A,
an officer of district B, staff of enterprise X (district A) and staff of enterprise Y (district B).
District A is Đống Đa (006), district B is Đông Anh (017)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from enterprises.models import Commune, CommuneOrigin, District, Sector
from enterprises.reference import load_reference_data, load_units

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
        if not Commune.objects.exists():
            load_units(District, Commune, CommuneOrigin)
        from assessments.models import ResourceFactor, ResourceType
        from assessments.reference import load_resource_data

        if not ResourceType.objects.exists():
            load_resource_data(ResourceType, ResourceFactor)
        from django.apps import apps

        from reporting.models import Indicator
        from reporting.reference import load_reference

        if not Indicator.objects.exists():  # the built-in indicators, plans and targets
            load_reference(apps.get_model)
            # As the migration loads them: reference rows, not changes anyone made (no audit rows).
            for name in ("Indicator", "ActionPlan", "Target"):
                model = apps.get_model("reporting", name)
                if hasattr(model, "history"):
                    model.history.all().delete()
        from guidance.models import Document
        from guidance.reference import load_library

        if not Document.objects.exists():  # the library's seeded legal texts
            load_library(Document)


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path_factory):
    """Files written by a test (evidence, reports, the demo's evidence files) go to a temporary
    private root, never to the portal's own."""
    root = tmp_path_factory.mktemp("private")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(root), "base_url": None}},
    }
    return root


@pytest.fixture
def district_a(db) -> District:
    return District.objects.get(code="006")


@pytest.fixture
def district_b(db) -> District:
    return District.objects.get(code="017")


@pytest.fixture
def commune_a(district_a) -> Commune:
    """Phường Đống Đa (00235), which carries on district A."""
    return Commune.objects.get(code="00235")


@pytest.fixture
def commune_b(district_b) -> Commune:
    """Xã Đông Anh (00454), which carries on district B."""
    return Commune.objects.get(code="00454")


@pytest.fixture
def doit_user(db):
    """DOIT staff must use a second factor: the persona has a confirmed authenticator."""
    user = UserFactory(username="doit.test", full_name="Nguyễn Thị Sở")
    otp_device_for(user)
    return user


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


def otp_device_for(user):
    """The user's confirmed authenticator (TOTPDevice), created when they have none."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)


def totp_code(device) -> str:
    """A code ``device`` accepts now, computed from its key as an authenticator app does
    (django_otp.oath). Each code works once: when the current step's code was used already,
    the next step's (within the device's tolerance) is given, or the clock is waited for."""
    from django_otp.oath import hotp

    while True:
        device.refresh_from_db()
        now_t = (int(time.time()) - device.t0) // device.step + device.drift
        t = max(now_t, device.last_t + 1)
        if t <= now_t + device.tolerance:
            return f"{hotp(device.bin_key, t, digits=device.digits):0{device.digits}d}"
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.05)


def mark_otp_verified(client: Client, user) -> None:
    """Mark the client's session as having passed the second factor with the user's device,
    exactly as django_otp.login() does after a right code."""
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = otp_device_for(user).persistent_id
    session.save()


@pytest.fixture(autouse=True)
def force_login_passes_second_factor(monkeypatch):
    """Client.force_login skips the password; for users who must or chose to use a second
    factor (DOIT staff, administrators, users with an authenticator) it skips the code too, so a
    test signs them in as fully verified. Tests of the sign-in itself post the real forms."""
    from accounts.otp import has_confirmed_device

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if user.requires_second_factor or has_confirmed_device(user):
            mark_otp_verified(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def login():
    """login(user, language=None, verified=True) -> a test Client signed in as that user (in that
    UI language, chosen as the language switch does, with its cookie). DOIT staff, administrators
    and users with an authenticator are OTP-verified too, unless ``verified=False``."""
    from django_otp import DEVICE_ID_SESSION_KEY

    def _login(user, language: str | None = None, verified: bool = True) -> Client:
        client = Client()
        client.force_login(user)
        if not verified:
            session = client.session
            session.pop(DEVICE_ID_SESSION_KEY, None)
            session.save()
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
