"""Receivers connected in AccountsConfig.ready()."""

from __future__ import annotations

import time

from .otp import SESSION_STARTED_KEY


def stamp_sign_in_time(sender, request, user, **kwargs) -> None:
    """Remember when this session signed in: SessionAgeMiddleware ends it SESSION_COOKIE_AGE later."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED_KEY] = int(time.time())
