"""The cache: Django's RedisCache that degrades to a per-process memory cache while Redis is
unreachable, instead of failing the request.

The cache holds nothing that must survive: allauth's login rate-limit counters and locks
(sessions are in PostgreSQL). So when a Redis call fails (refused, timed out, any Redis
error), the call is answered by a LocMemCache of this process, a warning is logged once, and
Redis is left alone for RETRY_AFTER_S before it is tried again (a down Redis then costs one
attempt per process every few seconds, not one per call). When Redis answers again, an INFO
line says so and the memory cache is emptied. During the outage rate limits are therefore
counted per process (per gunicorn worker), not across the site: looser by the number of
processes, and the counts made during the outage are forgotten when Redis returns."""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Unreachable, timed out, not speaking the protocol (a proxy answered), a read-only replica
# after a failover, out of memory: whatever Redis fails with, the cache degrades.
UNREACHABLE = (RedisError, OSError)
# Bounded socket waits: a Redis that accepts no connection (or answers nothing) must not hold
# a request for the operating system's TCP timeout. Overridable in CACHES[...]["OPTIONS"].
DEFAULT_OPTIONS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}


class FallbackRedisCache(RedisCache):
    RETRY_AFTER_S = 5.0

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        local = {k: v for k, v in params.items() if k not in ("BACKEND", "LOCATION", "OPTIONS")}
        self._fallback = LocMemCache(f"redis-fallback-{id(self)}", local)
        self._down_until = 0.0  # monotonic; Redis is not tried before this
        self._degraded = False
        self._lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        return self._degraded

    def _went_down(self, exc: Exception) -> None:
        with self._lock:
            self._down_until = time.monotonic() + self.RETRY_AFTER_S
            if not self._degraded:
                self._degraded = True
                log.warning(
                    "Redis cache unreachable (%s: %s); serving from this process's memory cache "
                    "(rate limits are per process) until it answers again",
                    type(exc).__name__,
                    exc,
                )

    def _came_back(self) -> None:
        with self._lock:
            if self._degraded:
                self._degraded = False
                self._fallback.clear()
                log.info("Redis cache reachable again; the per-process fallback cache was emptied")

    def _call(self, name: str, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return getattr(self._fallback, name)(*args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except UNREACHABLE as exc:
            self._went_down(exc)
            return getattr(self._fallback, name)(*args, **kwargs)
        if self._degraded:
            self._came_back()
        return result

    # Every operation RedisCache implements; the rest of BaseCache (decr, get_or_set,
    # incr_version, the async variants) is built on these.
    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self, *args, **kwargs):
        return self._call("clear", *args, **kwargs)
