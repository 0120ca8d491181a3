"""Deployment hardening: the application port is published to the host's loopback only (the
proxy is the way in), demo accounts never land in a production database by accident, and
accounts with admin-site staff status are out of reach of the portal's user pages."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from enterprises.models import Enterprise
from tests.conftest import otp_device_for
from tests.factories import OfficerFactory

BASE_DIR = Path(__file__).resolve().parents[2]


def test_gunicorn_is_published_on_the_loopback_only():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text(encoding="utf-8"))
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            text = str(port)
            assert text.startswith("${WEB_BIND:-127.0.0.1}:"), (name, text)  # never "8000:8000" (every interface)
    assert compose["services"]["web"]["ports"] == ["${WEB_BIND:-127.0.0.1}:8000:8000"]
    for name in ("worker", "beat", "db", "redis"):
        assert "ports" not in compose["services"][name], name


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off_and_says_why(settings):
    settings.SEED_DEMO_ALLOWED = False
    with pytest.raises(CommandError) as info:
        call_command("seed_demo", enterprises=5, years="2023-2023", stdout=StringIO())
    message = str(info.value)
    assert "published in the README" in message and "--allow-production" in message
    assert not Enterprise.objects.exists() and not User.objects.filter(username="doit").exists()


@pytest.mark.django_db
def test_seed_demo_runs_with_debug_off_when_told_explicitly(settings):
    settings.SEED_DEMO_ALLOWED = False
    call_command("seed_demo", enterprises=5, years="2023-2023", allow_production=True, stdout=StringIO())
    assert User.objects.filter(username="doit").exists()


@pytest.fixture
def admin_staff_officer(district_a):
    """An officer account that also has admin-site staff status."""
    officer = OfficerFactory(username="officer.staff", district=district_a, is_staff=True)
    otp_device_for(officer)
    return officer


@pytest.mark.django_db
def test_doit_cannot_manage_an_account_with_admin_site_staff_status(login, doit_user, admin_staff_officer):
    client = login(doit_user)
    pk = admin_staff_officer.pk
    assert admin_staff_officer.username not in client.get(reverse("accounts:users")).content.decode()
    assert client.get(reverse("accounts:user_edit", args=[pk])).status_code == 404
    response = client.post(reverse("accounts:user_edit", args=[pk]), {"username": "x", "is_active": ""})
    assert response.status_code == 404
    assert client.post(reverse("accounts:user_send_link", args=[pk])).status_code == 404
    assert client.post(reverse("accounts:user_otp_reset", args=[pk])).status_code == 404
    admin_staff_officer.refresh_from_db()
    assert admin_staff_officer.is_active and admin_staff_officer.username == "officer.staff"
    assert TOTPDevice.objects.filter(user=admin_staff_officer, confirmed=True).exists()
