"""The project's direct Redis connections (the beat heartbeat, the readiness check, the queue
depths of /metrics). Short timeouts: a check must answer "Redis is down" in about a second,
never hang. Celery and the cache keep their own connections (settings)."""

from functools import lru_cache

import redis
from django.conf import settings

TIMEOUT_S = 1.0


@lru_cache(maxsize=8)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=TIMEOUT_S, socket_connect_timeout=TIMEOUT_S)


def redis_client(url: str | None = None) -> redis.Redis:
    """A client of `url` (default settings.REDIS_URL), one connection pool per address."""
    return _client(url or settings.REDIS_URL)
