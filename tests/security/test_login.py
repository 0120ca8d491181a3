"""Login hardening: lockout after repeated failures and its end after the cool-off, password
rules, session expiry, and every other session of a user ending when their password changes
(by themselves, by an administrator, or through a set-password link sent by DOIT)."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.otp import SESSION_STARTED_KEY
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
DASHBOARD = reverse("dashboard")
PASSWORD_CHANGE = reverse("password_change")
NEW_PASSWORD = "Hoa-sen-tay-ho-2027"


def english_client(**defaults) -> Client:
    client = Client(**defaults)
    client.cookies["django_language"] = "en"
    return client


def signed_in(client: Client) -> bool:
    """Whether the client's session still opens a portal page (not sent to the login page)."""
    response = client.get(DASHBOARD)
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response["Location"].startswith(LOGIN), response
    return False


def password_sign_in(user, password: str = PASSWORD, **defaults) -> Client:
    client = english_client(**defaults)
    response = client.post(LOGIN, {"username": user.username, "password": password})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    return client


# --- Lockout (django-axes) ------------------------------------------------------------------


def test_lockout_after_five_failures_with_message_then_reset_after_cool_off(officer_a):
    limit, cool_off = settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME
    assert (limit, cool_off) == (5, dt.timedelta(minutes=30))
    client = english_client(REMOTE_ADDR="198.51.100.7")
    for attempt in range(1, limit):
        response = client.post(LOGIN, {"username": officer_a.username, "password": f"wrong-{attempt}"})
        assert response.status_code == 200, attempt
        assert "Please enter a correct username and password" in response.content.decode()
    response = client.post(LOGIN, {"username": officer_a.username, "password": "wrong-last"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-in attempts" in html
    assert "locked from your address for 30 minutes after 5 failed attempts" in html
    # locked: even the right password is refused, and nobody is signed in
    assert client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD}).status_code == 429
    assert not signed_in(client)

    attempt = AccessAttempt.objects.get(username=officer_a.username)
    # one minute before the cool-off ends: still locked
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off + dt.timedelta(minutes=1))
    assert client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD}).status_code == 429
    # the cool-off is over: the right password signs in and the failures are forgotten
    AccessAttempt.objects.update(attempt_time=timezone.now() - cool_off - dt.timedelta(seconds=1))
    response = client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert signed_in(client)
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_lockout_is_per_account_and_address(officer_a, officer_b):
    client = english_client(REMOTE_ADDR="198.51.100.8")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": officer_a.username, "password": f"wrong-{attempt}"})
    assert client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD}).status_code == 429
    # an attacker cannot lock a colleague out from elsewhere, nor lock other accounts
    password_sign_in(officer_a, REMOTE_ADDR="198.51.100.9")
    password_sign_in(officer_b, REMOTE_ADDR="198.51.100.8")


# --- Password rules -------------------------------------------------------------------------

WEAK_PASSWORDS = [
    ("Ab-12", "This password is too short. It must contain at least 10 characters."),
    ("password123", "This password is too common."),
    ("84912345670123", "This password is entirely numeric."),
    ("officer.a.2026", "The password is too similar to the username."),
]


@pytest.mark.parametrize(("weak", "message"), WEAK_PASSWORDS, ids=["short", "common", "numeric", "like-username"])
def test_weak_password_is_refused_with_its_reason_on_password_change(login, officer_a, weak, message):
    client = login(officer_a, language="en")
    response = client.post(PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak})
    assert response.status_code == 200
    assert message in response.context["form"].errors["new_password2"]
    assert message in response.content.decode().replace("&#x27;", "'")
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)


def test_weak_password_is_refused_on_the_set_password_link(login, doit_user, officer_a):
    login(doit_user).post(reverse("accounts:user_send_link", args=[officer_a.pk]))
    path = re.search(r"https?://[^/]+(/accounts/password/set/\S+/)", mail.outbox[-1].body).group(1)
    client = english_client()
    form_url = client.get(path)["Location"]  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    assert "This password is too short. It must contain at least 10 characters." in errors
    assert "This password is too common." in errors and "This password is entirely numeric." in errors
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)


def test_strong_password_is_accepted(login, officer_a):
    client = login(officer_a)
    response = client.post(
        PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    officer_a.refresh_from_db()
    assert officer_a.check_password(NEW_PASSWORD)


# --- Session expiry -------------------------------------------------------------------------


def age_session(client: Client, seconds: int) -> None:
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - seconds
    session.save()


def test_session_ends_session_cookie_age_after_sign_in_however_busy(officer_a):
    age = settings.SESSION_COOKIE_AGE
    assert age == 8 * 3600
    client = password_sign_in(officer_a)
    started = client.session[SESSION_STARTED_KEY]
    assert abs(started - time.time()) < 60
    age_session(client, age - 60)
    assert signed_in(client)  # a minute left
    age_session(client, age + 1)
    response = client.get(reverse("enterprises:list"))
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fenterprises%2F"
    login_page = client.get(response["Location"])
    assert "Your session has expired. Please sign in again." in login_page.content.decode()
    assert "_auth_user_id" not in client.session
    # signing in again starts a new session with a fresh clock
    client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD})
    assert signed_in(client)


def test_session_past_its_stored_expiry_is_refused(officer_a):
    client = password_sign_in(officer_a)
    assert signed_in(client)
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert not signed_in(client)


def test_session_cookie_ends_with_the_browser_and_is_http_only(officer_a):
    client = english_client()
    response = client.post(LOGIN, {"username": officer_a.username, "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert cookie["httponly"] is True
    stored = Session.objects.get(session_key=cookie.value)
    remaining = (stored.expire_date - timezone.now()).total_seconds()
    assert settings.SESSION_COOKIE_AGE - 60 < remaining <= settings.SESSION_COOKIE_AGE


# --- Other sessions end when the password changes --------------------------------------------


def test_changing_own_password_ends_other_sessions_but_keeps_this_one(officer_a):
    laptop, phone = password_sign_in(officer_a), password_sign_in(officer_a)
    assert signed_in(laptop) and signed_in(phone)
    response = laptop.post(
        PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)
    # the old password no longer signs in; the new one does
    assert english_client().post(LOGIN, {"username": officer_a.username, "password": PASSWORD}).status_code == 200
    assert signed_in(password_sign_in(officer_a, NEW_PASSWORD))


def test_doit_changing_password_stays_verified_and_other_sessions_end(login, doit_user):
    desk, other = login(doit_user), login(doit_user)
    response = desk.post(
        PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert desk.get(reverse("enterprises:list")).status_code == 200  # still past the second factor
    assert not signed_in(other)


def test_administrator_resetting_a_password_ends_the_users_sessions(login, officer_a):
    admin = User.objects.create_superuser(username="root", email="root@example.vn", password=PASSWORD)
    admin_client = login(admin)
    officer = password_sign_in(officer_a)
    url = reverse("admin:auth_user_password_change", args=[officer_a.pk])  # UserAdmin names it so
    response = admin_client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    officer_a.refresh_from_db()
    assert officer_a.check_password(NEW_PASSWORD)
    assert not signed_in(officer)
    assert admin_client.get("/admin/").status_code == 200  # the administrator's own session stays


def test_password_set_from_a_link_sent_by_doit_ends_the_users_sessions(login, doit_user, officer_a):
    officer = password_sign_in(officer_a)
    login(doit_user).post(reverse("accounts:user_send_link", args=[officer_a.pk]))
    path = re.search(r"https?://[^/]+(/accounts/password/set/\S+/)", mail.outbox[-1].body).group(1)
    browser = english_client()
    form_url = browser.get(path)["Location"]
    response = browser.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert not signed_in(officer)
    assert signed_in(password_sign_in(officer_a, NEW_PASSWORD))
