"""Second-factor enrolment for roles that must use it: the password alone never binds an
authenticator to the account; the link sent to the account's mailbox (an enrolment link, or the
set-password link) does, in the same browser session, once."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from tests.conftest import PASSWORD, totp_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETUP = reverse("otp_setup")
ENROL_LINK = re.compile(r"https?://[^/\s]+(/accounts/two-step/enrol/\S+/)")
SET_LINK = re.compile(r"https?://[^/\s]+(/accounts/password/set/\S+/)")


@pytest.fixture
def doit2():
    """Like the demo's doit2: a DOIT account with a password and no authenticator yet."""
    return UserFactory(username="doit2.test", email="doit2@congthuong.hanoi.gov.vn", role=Role.DOIT)


def password_only(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_password_alone_does_not_enrol_an_authenticator(doit2):
    attacker = password_only(doit2)
    page = attacker.get(SETUP).content.decode()
    assert 'data-testid="otp-enrol-required"' in page
    assert 'data-testid="otp-qr"' not in page and 'data-testid="otp-secret"' not in page
    assert not TOTPDevice.objects.filter(user=doit2).exists()  # no secret was even made
    response = attacker.post(SETUP, {"otp_token": "123456"})
    assert not TOTPDevice.objects.filter(user=doit2).exists()
    assert 'data-testid="otp-enrol-required"' in response.content.decode()
    # asking for the link sends it to the owner's mailbox, not to the page
    page = attacker.post(SETUP, {"send_link": "1"}).content.decode()
    assert [m.to for m in mail.outbox] == [[doit2.email]]
    assert "d***@congthuong.hanoi.gov.vn" in page and "/two-step/enrol/" not in page
    assert attacker.get(reverse("dashboard"))["Location"].startswith(SETUP)


def test_the_enrolment_link_lets_the_owner_set_it_up_once(doit2):
    owner = password_only(doit2)
    owner.post(SETUP, {"send_link": "1"})
    link = ENROL_LINK.search(mail.outbox[-1].body).group(1)
    assert owner.get(link)["Location"] == SETUP
    page = owner.get(SETUP).content.decode()
    assert 'data-testid="otp-qr"' in page
    device = TOTPDevice.objects.get(user=doit2, confirmed=False)
    assert owner.post(SETUP, {"otp_token": totp_code(device)}).status_code == 302
    assert TOTPDevice.objects.get(user=doit2).confirmed
    assert owner.get(reverse("dashboard")).status_code == 200
    # the link is spent: an authenticator is confirmed now
    other = password_only(doit2)
    response = other.get(link)
    assert response.status_code == 302


def test_the_link_works_only_for_its_own_account_and_session(doit2):
    owner = password_only(doit2)
    owner.post(SETUP, {"send_link": "1"})
    link = ENROL_LINK.search(mail.outbox[-1].body).group(1)
    someone_else = UserFactory(username="doit3.test", role=Role.DOIT)
    intruder = password_only(someone_else)
    intruder.get(link)
    assert 'data-testid="otp-enrol-required"' in intruder.get(SETUP).content.decode()
    tampered = link.rstrip("/")[:-3] + "xyz/"
    owner.get(tampered)
    assert 'data-testid="otp-enrol-required"' in owner.get(SETUP).content.decode()
    # not signed in: the link sends to the sign-in page first, then comes back
    response = Client().get(link)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_set_password_link_also_proves_the_mailbox():
    new = UserFactory(username="doit.new2", email="moi@congthuong.hanoi.gov.vn", role=Role.DOIT)
    Client().post(reverse("password_reset"), {"email": new.email})
    path = SET_LINK.search(mail.outbox[-1].body).group(1)
    client = Client()
    form_url = client.get(path)["Location"]
    new_password = "Hoa-sen-tay-ho-2027"
    response = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 302
    client.post(reverse("login"), {"username": new.username, "password": new_password})
    assert 'data-testid="otp-qr"' in client.get(SETUP).content.decode()


def test_links_are_limited_per_account(doit2, settings):
    client = password_only(doit2)
    for _ in range(settings.ENROLMENT_LINK_LIMIT[0] + 2):
        client.post(SETUP, {"send_link": "1"})
    assert len(mail.outbox) == settings.ENROLMENT_LINK_LIMIT[0]


def test_roles_that_may_choose_still_enrol_with_their_password(login, officer_a):
    page = login(officer_a).get(SETUP).content.decode()
    assert 'data-testid="otp-qr"' in page
