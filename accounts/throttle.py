"""Who is asking (the client address behind the proxies) and how often they may ask.

- ``client_address(request)``: the address of the client as seen by the outermost trusted proxy.
  Each proxy appends the address of its peer to ``X-Forwarded-For``; with ``PROXY_COUNT`` proxies
  in front of the portal, the client is the ``PROXY_COUNT``-th entry from the right. Entries
  further left were written by the client and are never believed. With no proxy (or when the
  connection does not come from ``TRUSTED_PROXIES``) the peer address ``REMOTE_ADDR`` is used.
  django-axes takes the address from here (``AXES_CLIENT_IP_CALLABLE``).
- Sign-in failures lock one account *from one address* (django-axes), so an attacker elsewhere
  cannot lock a user out; ``login_address_blocked`` stops one address that fails against many
  accounts (``LOGIN_ADDRESS_FAILURE_LIMIT`` failures over all usernames within the cool-off).
- Password-reset requests are limited per address and per e-mail address (``reset_allowed``).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac


def _ip(value: str) -> str | None:
    """``value`` as a normalised IP address, or None when it is not one."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.5:51234"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _from_trusted_proxy(peer: str | None) -> bool:
    trusted = tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ())
    if not trusted:
        return True  # the deployment publishes the application port to the proxy only
    if peer is None:
        return False
    address = ipaddress.ip_address(peer)
    return any(address in network for network in _networks(trusted))


def client_address(request: HttpRequest) -> str | None:
    """The client's address: the right-most ``X-Forwarded-For`` entry added by the trusted
    proxies, else the peer address."""
    peer = _ip(request.META.get("REMOTE_ADDR", "") or "")
    count = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    if count <= 0 or not _from_trusted_proxy(peer):
        return peer
    header = request.META.get("HTTP_X_FORWARDED_FOR", "") or ""
    entries = [entry for entry in header.split(",") if entry.strip()]
    if not entries:
        return peer  # no proxy added anything: a direct connection
    # The last ``count`` entries were added by our proxies; when there are fewer, all of them were
    # (the outer proxies were not crossed) and the left-most is the client the first one saw.
    address = _ip(entries[-count] if len(entries) >= count else entries[0])
    return address or peer


# --- Sign-in: one address failing against many accounts ---------------------------------------


def login_address_failures(address: str | None) -> int:
    if not address:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return int(total or 0)


def login_address_blocked(request: HttpRequest) -> bool:
    return login_address_failures(client_address(request)) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class AddressThrottleBackend:
    """An authentication backend that authenticates nobody: it stops every sign-in from an
    address over the limit, whatever the page (the portal's, whose view answers 429 first, and
    the admin's own login page). It has no ``get_user``: no session ever names it."""

    def authenticate(self, request: HttpRequest | None, **credentials) -> None:
        if request is not None and login_address_blocked(request):
            raise PermissionDenied
        return None


# --- Password reset ---------------------------------------------------------------------------


def _hit(key: str, window: int) -> int:
    """Count one more request under ``key`` within a fixed window of ``window`` seconds."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def reset_address_allowed(request: HttpRequest) -> bool:
    """Whether this address may ask for another reset link (counts the request)."""
    limit, window = settings.PASSWORD_RESET_ADDRESS_LIMIT
    address = client_address(request) or "unknown"
    return _hit(f"throttle:reset:addr:{address}", window) <= limit


def reset_email_allowed(email: str) -> bool:
    """Whether another link may be sent to this e-mail address (counts the request). The key is
    a keyed hash: no e-mail address is written to the cache."""
    limit, window = settings.PASSWORD_RESET_EMAIL_LIMIT
    digest = salted_hmac("throttle.reset", email.strip().lower()).hexdigest()
    return _hit(f"throttle:reset:email:{digest}", window) <= limit


def enrolment_link_allowed(user) -> bool:
    """At most ``ENROLMENT_LINK_LIMIT`` enrolment links per account (counts the request)."""
    limit, window = settings.ENROLMENT_LINK_LIMIT
    return _hit(f"throttle:enrol:{user.pk}", window) <= limit
