"""The beat heartbeat: a beat-scheduled task (firms.tasks.heartbeat, every minute) records the
time a worker ran it; /readyz calls the platform not ready once that time is older than
settings.READYZ_BEAT_MAX_AGE_S. A fresh heartbeat proves the beat schedules and a worker runs."""

import time

from core.redis import redis_client

KEY = "rebalance:beat-heartbeat"


def heartbeat_record(now: float | None = None) -> float:
    """Store `now` (default: the current Unix time) as the last heartbeat."""
    now = time.time() if now is None else now
    redis_client().set(KEY, repr(now))
    return now


def heartbeat_age_s(now: float | None = None) -> float | None:
    """Seconds since the last heartbeat, or None if none was ever recorded."""
    raw = redis_client().get(KEY)
    if raw is None:
        return None
    return (time.time() if now is None else now) - float(raw)
