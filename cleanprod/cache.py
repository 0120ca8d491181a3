"""A Redis cache that degrades to cache misses while Redis is down.

The portal only caches what it can compute again (dashboard figures), so an unavailable Redis must
cost time, never a page: reads answer "not cached", writes are dropped, and a warning is logged
once per outage. After a failure Redis is left alone for ``RETRY_AFTER_SECONDS`` so that a page
does not wait for a connection timeout on every cache call. Sessions are not kept in the cache
(``SESSION_ENGINE`` is the database backend), so nobody is signed out by a Redis outage.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER_SECONDS = 5.0
# Fail fast: a cache that answers slowly is worse than no cache.
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}


def _tolerant(fallback: Callable[..., Any]):
    """Run the Redis call unless Redis is known to be down; on an outage error return
    ``fallback(*args, **kwargs)`` (what a cache miss or a dropped write answers)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self._down_until:
                return fallback(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except OUTAGE_ERRORS as exc:
                self._outage(exc)
                return fallback(*args, **kwargs)
            self._down_since = None
            return result

        return wrapper

    return decorate


def _missing(*args, **kwargs):
    raise ValueError("Key not found (the cache is unavailable).")


class FaultTolerantRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that treats Redis outages as misses."""

    def __init__(self, server, params) -> None:
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._down_until = 0.0
        self._down_since: float | None = None

    def _outage(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
            log.warning("cache unavailable, serving without it: %r", exc)
        self._down_until = now + RETRY_AFTER_SECONDS

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    @_tolerant(lambda key, default=None, version=None: default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_tolerant(lambda *a, **k: False)
    def add(self, *args, **kwargs):
        return super().add(*args, **kwargs)

    @_tolerant(lambda *a, **k: None)
    def set(self, *args, **kwargs):
        return super().set(*args, **kwargs)

    @_tolerant(lambda *a, **k: False)
    def touch(self, *args, **kwargs):
        return super().touch(*args, **kwargs)

    @_tolerant(lambda *a, **k: False)
    def delete(self, *args, **kwargs):
        return super().delete(*args, **kwargs)

    @_tolerant(lambda *a, **k: {})
    def get_many(self, *args, **kwargs):
        return super().get_many(*args, **kwargs)

    @_tolerant(lambda *a, **k: False)
    def has_key(self, *args, **kwargs):
        return super().has_key(*args, **kwargs)

    @_tolerant(_missing)
    def incr(self, *args, **kwargs):
        return super().incr(*args, **kwargs)

    @_tolerant(lambda data, *a, **k: list(data))
    def set_many(self, *args, **kwargs):
        return super().set_many(*args, **kwargs)

    @_tolerant(lambda *a, **k: None)
    def delete_many(self, *args, **kwargs):
        return super().delete_many(*args, **kwargs)

    @_tolerant(lambda *a, **k: False)
    def clear(self, *args, **kwargs):
        return super().clear(*args, **kwargs)
