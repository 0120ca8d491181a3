"""Second factor (TOTP, django-otp): turning it on from the account menu, signing in in two
steps, wrong and replayed codes, throttling and lockout, DOIT staff and administrators forced to
use it, other roles free to, turning it off. Codes are computed from the device's key as an
authenticator app does (tests/conftest.py ``totp_code``)."""

from __future__ import annotations

import re
import time
from base64 import b32decode
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from accounts.otp import PENDING_KEY

from ..conftest import PASSWORD, otp_device_for, totp_code
from ..factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
VERIFY = reverse("otp_verify")
SETUP = reverse("otp_setup")
STATUS = reverse("otp_status")
DISABLE = reverse("otp_disable")
DASHBOARD = reverse("dashboard")


def sign_in_password(client: Client, user, password: str = PASSWORD, next_url: str | None = None):
    data = {"username": user.username, "password": password}
    url = LOGIN
    if next_url:
        data["next"] = next_url
        url = f"{LOGIN}?next={next_url}"
    return client.post(url, data)


def wrong_code(device) -> str:
    """A well-formed code the device does not accept now (none of the steps in its tolerance)."""
    accepted = set()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    for offset in range(-device.tolerance - 1, device.tolerance + 2):
        totp.drift = device.drift + offset
        accepted.add(totp.token())
    return next(f"{n:06d}" for n in range(1_000_000) if n not in accepted)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def is_verified(client: Client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


@pytest.fixture
def no_throttle(settings):
    """Wrong codes normally make the next try wait 1, 2, 4… seconds; tests that send several
    in a row switch that off (the throttling itself is tested below)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


# --- Turning it on ---------------------------------------------------------------------------


def test_account_menu_links_to_two_step_sign_in(login, officer_a):
    html = login(officer_a).get(DASHBOARD).content.decode()
    assert f'href="{STATUS}"' in html


def test_officer_turns_on_two_step_sign_in_with_qr_code_and_secret(login, officer_a):
    client = login(officer_a, language="en")
    status = client.get(STATUS)
    assert status.status_code == 200
    assert "Off" in status.content.decode() and f'href="{SETUP}"' in status.content.decode()

    page = client.get(SETUP)
    assert page.status_code == 200
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=officer_a)
    assert not device.confirmed
    # the QR code is an SVG data: image (allowed by the CSP's img-src), the key is shown as text
    assert re.search(r'<img src="data:image/svg\+xml[^"]+"', html)
    secret = page.context["secret"]
    assert secret.replace(" ", "") in html.replace(" ", "")
    assert b32decode(secret.replace(" ", "")) == device.bin_key
    assert "otpauth://totp/" in device.config_url and "SXSH" in device.config_url
    # reloading keeps the same key: a QR code already scanned stays valid
    assert client.get(SETUP).context["secret"] == secret
    assert TOTPDevice.objects.filter(user=officer_a).count() == 1

    response = client.post(SETUP, {"otp_token": wrong_code(device)})
    assert response.status_code == 200
    assert "otp_token" in response.context["form"].errors
    device.refresh_from_db()
    assert not device.confirmed

    device.throttle_reset()
    response = client.post(SETUP, {"otp_token": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == STATUS
    device.refresh_from_db()
    assert device.confirmed
    assert is_verified(client)  # this session already passed the code
    assert "On" in client.get(STATUS).content.decode()
    assert client.get(DASHBOARD).status_code == 200


def test_setup_page_needs_sign_in(client):
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_setup_page_sends_users_who_have_it_on_to_the_status_page(login, officer_a):
    otp_device_for(officer_a)
    response = login(officer_a).get(SETUP)
    assert response.status_code == 302 and response["Location"] == STATUS


# --- Signing in in two steps -----------------------------------------------------------------


def test_sign_in_takes_password_then_code(officer_a):
    device = otp_device_for(officer_a)
    client = Client()
    enterprises = reverse("enterprises:list")
    response = sign_in_password(client, officer_a, next_url=enterprises)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY) and "next=" in response["Location"]
    assert not is_signed_in(client)  # the password alone signs nobody in
    assert client.get(DASHBOARD).status_code == 302

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert 'name="otp_token"' in page.content.decode()
    response = client.post(VERIFY, {"otp_token": totp_code(device), "next": enterprises})
    assert response.status_code == 302 and response["Location"] == enterprises
    assert is_signed_in(client) and is_verified(client)
    assert PENDING_KEY not in client.session
    assert client.get(enterprises).status_code == 200


def test_user_without_authenticator_signs_in_with_password_alone(client, officer_a):
    response = sign_in_password(client, officer_a)
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200
    assert not TOTPDevice.objects.filter(user=officer_a).exists()


def test_wrong_code_is_refused_and_says_so(officer_a, no_throttle):
    device = otp_device_for(officer_a)
    client = Client()
    client.cookies["django_language"] = "en"
    sign_in_password(client, officer_a)
    response = client.post(VERIFY, {"otp_token": wrong_code(device)})
    assert response.status_code == 200
    assert "This code is wrong or has already been used." in response.content.decode()
    assert not is_signed_in(client)
    response = client.post(VERIFY, {"otp_token": "12ab"})
    assert "Enter the 6-digit code" in response.content.decode()
    assert not is_signed_in(client)


def test_a_code_works_only_once(officer_a):
    device = otp_device_for(officer_a)
    code = totp_code(device)
    first = Client()
    sign_in_password(first, officer_a)
    assert first.post(VERIFY, {"otp_token": code}).status_code == 302
    thief = Client()
    sign_in_password(thief, officer_a)
    response = thief.post(VERIFY, {"otp_token": code})
    assert response.status_code == 200 and not is_signed_in(thief)


def test_wrong_codes_make_the_next_try_wait(officer_a, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    device = otp_device_for(officer_a)
    client = Client()
    client.cookies["django_language"] = "en"
    sign_in_password(client, officer_a)
    for _ in range(3):
        client.post(VERIFY, {"otp_token": wrong_code(device)})
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1
    # even the right code is refused while the device waits
    response = client.post(VERIFY, {"otp_token": totp_code(device)})
    assert response.status_code == 200 and not is_signed_in(client)
    assert "Too many wrong codes" in response.content.decode()


def test_wrong_codes_count_as_failed_sign_ins_and_lock_out(officer_a, no_throttle):
    device = otp_device_for(officer_a)
    client = Client(REMOTE_ADDR="203.0.113.50")
    sign_in_password(client, officer_a)
    code = wrong_code(device)
    for attempt in range(4):
        response = client.post(VERIFY, {"otp_token": code})
        assert response.status_code == 200, attempt
    response = client.post(VERIFY, {"otp_token": code})
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    assert AccessAttempt.objects.get(username=officer_a.username).failures_since_start == 5
    # the pending sign-in is gone, and the password is refused from this address now
    assert PENDING_KEY not in client.session
    assert client.post(VERIFY, {"otp_token": totp_code(device)}).status_code == 302  # back to the login page
    assert sign_in_password(client, officer_a).status_code == 429
    # the codes are not written to the attempt log
    post_data = AccessAttempt.objects.get().post_data
    assert "otp_token" in post_data and code not in post_data


def test_code_page_without_a_password_first_sends_to_login(client):
    response = client.get(VERIFY)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    response = client.post(VERIFY, {"otp_token": "123456"})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_pending_sign_in_expires(officer_a, settings):
    device = otp_device_for(officer_a)
    client = Client()
    sign_in_password(client, officer_a)
    session = client.session
    session[PENDING_KEY] = {**session[PENDING_KEY], "at": int(time.time()) - settings.OTP_PENDING_SECONDS - 1}
    session.save()
    response = client.post(VERIFY, {"otp_token": totp_code(device)})
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not is_signed_in(client)


def test_successful_code_resets_failed_attempts(officer_a, no_throttle):
    device = otp_device_for(officer_a)
    client = Client(REMOTE_ADDR="203.0.113.51")
    sign_in_password(client, officer_a)
    for _ in range(3):
        client.post(VERIFY, {"otp_token": wrong_code(device)})
    assert client.post(VERIFY, {"otp_token": totp_code(device)}).status_code == 302
    assert not AccessAttempt.objects.filter(username=officer_a.username).exists()


# --- Who must use it ------------------------------------------------------------------------


def grant_enrolment(client: Client, user) -> None:
    """Open the enrolment link the setup page sends by e-mail (tests/security/test_enrolment.py)."""
    from django.core import mail

    client.post(SETUP, {"send_link": "1"})
    link = re.search(r"https?://[^/\s]+(/accounts/two-step/enrol/\S+/)", mail.outbox[-1].body).group(1)
    assert mail.outbox[-1].to == [user.email]
    assert client.get(link)["Location"] == SETUP


def test_doit_without_authenticator_is_sent_to_setup_for_everything(client):
    doit = UserFactory(username="doit.new", role=Role.DOIT)
    assert doit.requires_second_factor
    response = sign_in_password(client, doit)
    assert response.status_code == 302  # the password is accepted…
    for url in (DASHBOARD, reverse("enterprises:list"), reverse("accounts:users"), STATUS, "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url  # …but every page leads to the setup
        assert response["Location"].startswith(SETUP), url
    assert client.get(SETUP).status_code == 200
    # htmx requests are told to load the setup page rather than swap it in
    response = client.get(reverse("reporting:jobs"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"].startswith(SETUP)
    # sign-out and the language switch stay open
    assert client.post(reverse("set_language"), {"language": "en", "next": SETUP}).status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert not is_signed_in(client)


def test_doit_completes_forced_setup_and_reaches_the_portal(client):
    doit = UserFactory(username="doit.new", role=Role.DOIT)
    sign_in_password(client, doit)
    response = client.get(reverse("enterprises:list"))
    assert response["Location"] == f"{SETUP}?next=%2Fenterprises%2F"
    page = client.get(response["Location"])
    assert 'data-testid="otp-enrol-required"' in page.content.decode()  # the password is not enough
    # nothing on the page leads elsewhere meanwhile: no navigation, no notification bell (whose
    # background request would be sent to this page and move the browser away from it)
    assert 'data-testid="notifications-link"' not in page.content.decode()
    grant_enrolment(client, doit)
    page = client.get(response["Location"])
    assert 'data-testid="otp-required"' in page.content.decode()
    device = TOTPDevice.objects.get(user=doit)
    response = client.post(SETUP, {"otp_token": totp_code(device), "next": "/enterprises/"})
    assert response.status_code == 302 and response["Location"] == "/enterprises/"
    portal = client.get("/enterprises/")
    assert portal.status_code == 200 and 'data-testid="notifications-link"' in portal.content.decode()


def test_doit_with_authenticator_but_no_code_is_sent_to_the_code_page(login, doit_user):
    client = login(doit_user, verified=False)  # signed in, second factor not passed
    response = client.get(reverse("enterprises:list"))
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fenterprises%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    response = client.post(VERIFY, {"otp_token": totp_code(otp_device_for(doit_user)), "next": "/enterprises/"})
    assert response.status_code == 302 and response["Location"] == "/enterprises/"
    assert client.get("/enterprises/").status_code == 200


def test_doit_signs_in_in_two_steps(doit_user):
    client = Client()
    response = sign_in_password(client, doit_user)
    assert response["Location"].startswith(VERIFY)
    response = client.post(VERIFY, {"otp_token": totp_code(otp_device_for(doit_user))})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200


@pytest.mark.parametrize("who", ["officer", "staff"])
def test_officers_and_enterprise_staff_may_leave_it_off(client, officer_a, staff_x, who):
    user = {"officer": officer_a, "staff": staff_x}[who]
    assert not user.requires_second_factor
    sign_in_password(client, user)
    assert client.get(DASHBOARD).status_code == 200
    assert client.get(reverse("savings:list")).status_code == 200


def test_administrator_needs_the_second_factor_for_the_admin_site(client):
    admin = User.objects.create_superuser(username="root", email="root@example.vn", password=PASSWORD)
    # signing in on the admin's own login page does not skip the second factor
    response = client.post(reverse("admin:login"), {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    assert not TOTPDevice.objects.filter(user=admin).exists()  # the setup page is not opened yet
    grant_enrolment(client, admin)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=admin)
    client.post(SETUP, {"otp_token": totp_code(device)})
    assert client.get("/admin/").status_code == 200
    # a new session: password, then the code page, for the admin too
    other = Client()
    other.post(reverse("admin:login"), {"username": "root", "password": PASSWORD, "next": "/admin/"})
    response = other.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


# --- Turning it off -------------------------------------------------------------------------


def test_officer_turns_it_off_with_a_current_code(login, officer_a, no_throttle):
    device = otp_device_for(officer_a)
    client = login(officer_a, language="en")
    page = client.get(STATUS)
    assert f'action="{DISABLE}"' in page.content.decode()
    response = client.post(DISABLE, {"otp_token": wrong_code(device)})
    assert response.status_code == 200 and "otp_token" in response.context["form"].errors
    assert TOTPDevice.objects.filter(user=officer_a).exists()
    response = client.post(DISABLE, {"otp_token": totp_code(device)})
    assert response.status_code == 302 and response["Location"] == STATUS
    assert not TOTPDevice.objects.filter(user=officer_a).exists()
    # the next sign-in needs the password only
    fresh = Client()
    assert sign_in_password(fresh, officer_a)["Location"] == DASHBOARD


def test_doit_cannot_turn_it_off(login, doit_user):
    device = otp_device_for(doit_user)
    client = login(doit_user)
    page = client.get(STATUS).content.decode()
    assert f'action="{DISABLE}"' not in page
    response = client.post(DISABLE, {"otp_token": totp_code(device)})
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=doit_user, confirmed=True).exists()


def test_turn_off_needs_sign_in_and_post(client, login, officer_a):
    assert client.post(DISABLE, {"otp_token": "123456"})["Location"].startswith(LOGIN)
    otp_device_for(officer_a)
    assert login(officer_a).get(DISABLE).status_code == 405


# --- Lost phone: removed by whoever manages the account --------------------------------------


def test_doit_removes_an_officers_authenticator(login, doit_user, officer_a):
    otp_device_for(officer_a)
    client = login(doit_user)
    edit = reverse("accounts:user_edit", args=[officer_a.pk])
    reset = reverse("accounts:user_otp_reset", args=[officer_a.pk])
    assert f'action="{reset}"' in client.get(edit).content.decode()
    assert client.get(reset).status_code == 405
    response = client.post(reset)
    assert response.status_code == 302 and response["Location"] == edit
    assert not TOTPDevice.objects.filter(user=officer_a).exists()
    assert f'action="{reset}"' not in client.get(edit).content.decode()
    assert sign_in_password(Client(), officer_a)["Location"] == DASHBOARD


def test_authenticator_removal_is_scoped(login, officer_a, officer_b, staff_x, staff_y, doit_user):
    for user in (officer_b, staff_x, staff_y):
        otp_device_for(user)
    officer = login(officer_a)
    assert officer.post(reverse("accounts:user_otp_reset", args=[staff_y.pk])).status_code == 404  # other district
    assert officer.post(reverse("accounts:user_otp_reset", args=[officer_b.pk])).status_code == 404
    assert officer.post(reverse("accounts:user_otp_reset", args=[doit_user.pk])).status_code == 404
    assert login(staff_x).post(reverse("accounts:user_otp_reset", args=[staff_y.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user__in=[officer_b, staff_y, doit_user]).count() == 3
    assert officer.post(reverse("accounts:user_otp_reset", args=[staff_x.pk])).status_code == 302  # own district
    assert not TOTPDevice.objects.filter(user=staff_x).exists()
    assert Client().post(reverse("accounts:user_otp_reset", args=[staff_y.pk]))["Location"].startswith(LOGIN)


# --- Demo data ------------------------------------------------------------------------------


def test_demo_doit_login_has_an_authenticator_with_the_printed_key():
    out = StringIO()
    call_command("seed_demo", enterprises=40, years="2024-2024", seed=3, stdout=out)
    output = out.getvalue()
    doit = User.objects.get(username="doit")
    device = TOTPDevice.objects.get(user=doit, confirmed=True)
    line = next(line for line in output.splitlines() if line.strip().startswith("doit "))
    printed = re.search(r"((?:[A-Z2-7]{4} ){7}[A-Z2-7]{4})", line)
    assert printed, line
    assert b32decode(printed.group(1).replace(" ", "")) == device.bin_key
    # and it signs in: password, then a code from that key
    client = Client()
    response = client.post(LOGIN, {"username": "doit", "password": "SxshDemo@2026"})
    assert response["Location"].startswith(VERIFY)
    code = TOTP(b32decode(printed.group(1).replace(" ", ""))).token()
    assert client.post(VERIFY, {"otp_token": f"{code:06d}"}).status_code == 302
    assert client.get(DASHBOARD).status_code == 200
