"""Sign-in lockout and throttles behind the TLS proxy, with real X-Forwarded-For headers.

The proxy appends the address of its peer to X-Forwarded-For; gunicorn sees the proxy as the peer
(REMOTE_ADDR). The client address is the right-most entry added by the trusted proxies; anything
the client wrote itself further left is ignored."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.throttle import client_address
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
RESET = reverse("password_reset")
PROXY = "10.0.0.2"  # the TLS proxy, as gunicorn sees it
INNER_PROXY, OUTER_PROXY = "10.0.0.3", "10.0.1.9"
ATTACKER, USER = "203.0.113.66", "198.51.100.20"


def through_proxy(xff: str | None, peer: str = PROXY) -> Client:
    headers = {"REMOTE_ADDR": peer}
    if xff is not None:
        headers["HTTP_X_FORWARDED_FOR"] = xff
    client = Client(**headers)
    client.cookies["django_language"] = "en"
    return client


def address(xff: str | None, peer: str = PROXY) -> str | None:
    extra = {"HTTP_X_FORWARDED_FOR": xff} if xff is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=peer, **extra))


def fail(client: Client, username: str, times: int = 1):
    response = None
    for attempt in range(times):
        response = client.post(LOGIN, {"username": username, "password": f"wrong-{attempt}"})
    return response


def signs_in(client: Client, user) -> bool:
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    return response.status_code == 302 and response["Location"] == reverse("dashboard")


# --- Which address is the client's ----------------------------------------------------------


def test_one_proxy_the_right_most_entry_is_the_client(settings):
    settings.PROXY_COUNT = 1
    assert address(USER) == USER
    # the client wrote its own header: the proxy appended the real peer after it
    assert address(f"{USER}, {ATTACKER}") == ATTACKER
    assert address(f"1.2.3.4,5.6.7.8 , {ATTACKER}") == ATTACKER


def test_two_proxies_the_second_entry_from_the_right_is_the_client(settings):
    settings.PROXY_COUNT = 2
    assert address(f"{USER}, {OUTER_PROXY}", peer=INNER_PROXY) == USER
    assert address(f"{ATTACKER}, {USER}, {OUTER_PROXY}", peer=INNER_PROXY) == USER
    # the outer proxy not crossed: the one entry was added by the inner proxy
    assert address(USER, peer=INNER_PROXY) == USER


def test_empty_or_missing_header_falls_back_to_the_peer(settings):
    settings.PROXY_COUNT = 1
    assert address(None) == PROXY
    assert address("") == PROXY
    assert address(" , ") == PROXY
    assert address("not-an-address") == PROXY  # garbage from a broken proxy is not an address
    assert address("[2001:db8::7]:443") == "2001:db8::7"
    assert address("203.0.113.5:51234") == "203.0.113.5"


def test_without_proxy_count_the_header_is_ignored(settings):
    settings.PROXY_COUNT = 0
    assert address(USER, peer=ATTACKER) == ATTACKER


def test_header_believed_only_from_trusted_proxies(settings):
    settings.PROXY_COUNT, settings.TRUSTED_PROXIES = 1, ["10.0.0.0/24"]
    assert address(USER, peer=PROXY) == USER
    assert address(USER, peer=ATTACKER) == ATTACKER  # someone reaching the port directly


# --- Lockout per account and client address -------------------------------------------------


def test_attacker_behind_the_proxy_does_not_lock_the_real_user_out(settings, officer_a):
    settings.PROXY_COUNT = 1
    attacker = through_proxy(ATTACKER)
    response = fail(attacker, officer_a.username, settings.AXES_FAILURE_LIMIT)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    # locked for the attacker, even with the right password ...
    assert not signs_in(attacker, officer_a)
    # ... but the user, through the same proxy from another address, signs in
    assert signs_in(through_proxy(USER), officer_a)


def test_spoofed_extra_entry_does_not_move_the_failures_to_someone_else(settings, officer_a):
    settings.PROXY_COUNT = 1
    # the attacker writes the user's address; the proxy appends the attacker's real one
    attacker = through_proxy(f"{USER}, {ATTACKER}")
    assert fail(attacker, officer_a.username, settings.AXES_FAILURE_LIMIT).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert signs_in(through_proxy(USER), officer_a)


def test_two_proxies_lock_the_client_not_the_outer_proxy(settings, officer_a):
    settings.PROXY_COUNT = 2
    attacker = through_proxy(f"{USER}, {ATTACKER}, {OUTER_PROXY}", peer=INNER_PROXY)
    assert fail(attacker, officer_a.username, settings.AXES_FAILURE_LIMIT).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert signs_in(through_proxy(f"{USER}, {OUTER_PROXY}", peer=INNER_PROXY), officer_a)


def test_empty_header_counts_against_the_peer(settings, officer_a):
    settings.PROXY_COUNT = 1
    direct = through_proxy("", peer=ATTACKER)
    assert fail(direct, officer_a.username, settings.AXES_FAILURE_LIMIT).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}
    assert signs_in(through_proxy(USER), officer_a)


# --- One address against many accounts ------------------------------------------------------


def test_one_address_trying_many_accounts_is_stopped_and_others_are_not(settings, officer_a, officer_b):
    settings.PROXY_COUNT = 1
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT  # an office behind one address is not stopped early
    attacker = through_proxy(ATTACKER)
    for n in range(limit):  # one try per predictable username: no account reaches its own limit
        assert fail(attacker, f"officer.{n}").status_code == 200, n
    response = attacker.post(LOGIN, {"username": officer_b.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-ins to different accounts" in response.content.decode()
    # the same accounts from another address are untouched
    assert signs_in(through_proxy(USER), officer_b)
    assert signs_in(through_proxy("198.51.100.21"), officer_a)


def test_the_address_throttle_holds_on_the_admin_login_page_too(settings):
    from accounts.models import User

    settings.PROXY_COUNT = 1
    User.objects.create_superuser(username="root", email="root@example.vn", password=PASSWORD)
    attacker = through_proxy(ATTACKER)
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        fail(attacker, f"officer.{n}")
    response = attacker.post(reverse("admin:login"), {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 200  # the form again, nobody signed in
    assert "_auth_user_id" not in attacker.session
    other = through_proxy(USER)
    response = other.post(reverse("admin:login"), {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and "_auth_user_id" in other.session


def test_address_throttle_ends_with_the_cool_off(settings, officer_b):
    from django.utils import timezone

    settings.PROXY_COUNT = 1
    attacker = through_proxy(ATTACKER)
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        fail(attacker, f"enterprise.{n}")
    assert attacker.post(LOGIN, {"username": officer_b.username, "password": PASSWORD}).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)
    assert signs_in(attacker, officer_b)


# --- Password reset -------------------------------------------------------------------------


def test_password_reset_is_limited_per_address(settings, officer_a):
    settings.PROXY_COUNT = 1
    limit = settings.PASSWORD_RESET_ADDRESS_LIMIT[0]
    attacker = through_proxy(ATTACKER)
    for n in range(limit):
        assert attacker.post(RESET, {"email": f"someone{n}@example.vn"}).status_code == 302, n
    response = attacker.post(RESET, {"email": officer_a.email})
    assert response.status_code == 429
    assert "Too many password-reset requests came from your address" in response.content.decode()
    assert mail.outbox == []
    # another client address behind the same proxy is not affected
    assert through_proxy(USER).post(RESET, {"email": officer_a.email}).status_code == 302
    assert [m.to for m in mail.outbox] == [[officer_a.email]]


def test_password_reset_mail_is_limited_per_account_with_the_same_answer(settings, officer_a):
    settings.PROXY_COUNT = 1
    limit = settings.PASSWORD_RESET_EMAIL_LIMIT[0]
    for n in range(limit + 2):
        response = through_proxy(f"198.51.100.{100 + n}").post(RESET, {"email": officer_a.email.upper()})
        assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == limit
