"""Second factor (TOTP, django-otp): reads and writes on a user's authenticator device.

A user has at most one confirmed ``TOTPDevice``. Turning the second factor on creates an
unconfirmed device whose secret is shown once as a QR code and as text; it becomes confirmed
when the user enters a code from it.
"""

from __future__ import annotations

import time
from base64 import b32encode
from typing import TYPE_CHECKING

import segno
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

if TYPE_CHECKING:
    from .models import User

DEVICE_NAME = "authenticator"
# Session keys. SESSION_STARTED_KEY: when the user signed in (Unix time). PENDING_KEY: a user
# who gave the right password and still owes a code: {"user", "backend", "at"}.
SESSION_STARTED_KEY = "signed_in_at"
PENDING_KEY = "otp_pending"


def confirmed_device(user: User) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def unconfirmed_device(user: User) -> TOTPDevice:
    """The device being set up: the same one (and secret) until confirmed, so a QR code already
    scanned stays valid when the page is reloaded."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The device's otpauth:// URI as an SVG QR code in a data: URI (allowed by img-src data:)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@transaction.atomic
def device_confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm a device being set up with a code from it; other unconfirmed devices go."""
    locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not locked.verify_token(token):
        return False
    locked.confirmed = True
    locked.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user_id=locked.user_id, confirmed=False).delete()
    device.refresh_from_db()
    return True


@transaction.atomic
def device_verify(*, device: TOTPDevice, token: str) -> bool:
    """Check a sign-in code against a confirmed device: each code works once, and wrong codes
    make the next try wait longer (django-otp's throttling)."""
    locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    verified = locked.confirmed and locked.verify_token(token)
    device.refresh_from_db()
    return bool(verified)


@transaction.atomic
def devices_remove(*, user: User) -> int:
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    return deleted


def throttle_wait_seconds(device: TOTPDevice) -> int:
    """Seconds before the device accepts another code after wrong ones (0: it does now)."""
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0
    return max(1, int(data["locked_until"].timestamp() - time.time()) + 1)
