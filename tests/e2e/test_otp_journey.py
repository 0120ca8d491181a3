"""Journeys of the second factor in the browser: an officer turns it on from the account menu
by typing the shown key into an "authenticator" (django_otp.oath.TOTP here) and then signs in
in two steps; a new DOIT account is taken to the setup page before anything else, and sets up
its authenticator through a link sent to its mailbox (never with the password alone)."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from tests.conftest import PASSWORD, totp_code
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def authenticator_code(page) -> str:
    """What an authenticator app shows for the key printed on the setup page."""
    secret = page.locator("[data-testid=otp-secret]").inner_text().replace(" ", "")
    return f"{TOTP(b32decode(secret)).token():06d}"


def sign_out(page) -> None:
    page.click("[data-testid=user-menu]")
    page.click("nav form[action$='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/")


def test_officer_turns_on_two_step_sign_in_and_signs_in_with_a_code(page, sign_in, officer_a):
    sign_in(officer_a)
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=otp-menu]")
    page.wait_for_url("**/accounts/two-step/")
    page.click("a[href$='/accounts/two-step/setup/']")
    assert page.locator("[data-testid=otp-qr]").is_visible()
    page.fill("input[name=otp_token]", authenticator_code(page))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/two-step/")
    assert TOTPDevice.objects.get(user=officer_a).confirmed
    assert page.locator("[data-testid=otp-state] .text-bg-success").is_visible()

    sign_out(page)
    page.fill("input[name=username]", officer_a.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/login/code/**")
    device = TOTPDevice.objects.get(user=officer_a)
    page.fill("input[name=otp_token]", "000000" if totp_code(device) != "000000" else "111111")
    page.click("form[data-testid=otp-verify-form] button[type=submit]")
    assert page.locator("#id_otp_token.is-invalid").is_visible()  # refused, said next to the field
    assert "/accounts/login/code/" in page.url
    page.wait_for_timeout(1100)  # after a wrong code the next try waits a second
    page.fill("input[name=otp_token]", totp_code(device))
    page.click("form[data-testid=otp-verify-form] button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert page.locator("[data-testid=user-menu]").inner_text().strip() == officer_a.full_name


def test_new_doit_account_must_set_up_the_second_factor_first(page):
    doit = UserFactory(username="doit.moi", full_name="Vũ Thị Mới", role=Role.DOIT)
    page.goto("/accounts/login/?next=/enterprises/")
    page.fill("input[name=username]", doit.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/two-step/setup/**")
    # the password alone does not enrol an authenticator: a link goes to the account's mailbox
    assert page.locator("[data-testid=otp-enrol-required]").is_visible()
    assert page.locator("[data-testid=otp-qr]").count() == 0
    page.goto("/reports/")  # nothing else opens before the setup
    assert "/accounts/two-step/setup/" in page.url
    page.click("main form button[type=submit]")  # send me the link
    assert page.locator("[data-testid=otp-enrol-sent]").is_visible()
    link = re.search(r"https?://[^/\s]+(/accounts/two-step/enrol/\S+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    page.wait_for_url("**/accounts/two-step/setup/**")
    page.goto("/reports/")
    page.wait_for_url("**/accounts/two-step/setup/**")
    assert page.locator("[data-testid=otp-required]").is_visible()
    page.fill("input[name=otp_token]", authenticator_code(page))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/reports/")
    assert TOTPDevice.objects.get(user=doit).confirmed
