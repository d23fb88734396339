"""The readiness checks of /readyz: each answers (ok, why) and never raises. The reason
a caller sees is short (what failed, the error's type); the full error goes to the log."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from core.heartbeat import heartbeat_age_s
from core.redis import redis_client

log = logging.getLogger(__name__)
Result = tuple[bool, str]


def _failed(check: str, exc: Exception) -> Result:
    log.warning("readiness check %s failed: %s: %s", check, type(exc).__name__, exc)
    return False, f"{check} unreachable ({type(exc).__name__})"


def check_database() -> Result:
    """The application's own login reaches PostgreSQL and runs a statement."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cur:
            cur.execute("SELECT 1")
    except Exception as exc:  # any failure means "not ready"
        return _failed("database", exc)
    return True, "ok"


def check_migrations() -> Result:
    """Every migration this code ships is applied (code deployed before `migrate` ran)."""
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return _failed("database", exc)
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in plan[:5])
        more = f" and {len(plan) - 5} more" if len(plan) > 5 else ""
        return False, f"{len(plan)} unapplied: {names}{more}"
    return True, "ok"


def check_redis() -> Result:
    try:
        redis_client().ping()
    except Exception as exc:
        return _failed("redis", exc)
    return True, "ok"


def check_beat() -> Result:
    """The beat heartbeat (core.heartbeat) is fresher than READYZ_BEAT_MAX_AGE_S."""
    limit = settings.READYZ_BEAT_MAX_AGE_S
    try:
        age = heartbeat_age_s()
    except Exception as exc:
        return _failed("redis", exc)
    if age is None:
        return False, "no heartbeat recorded (is celery beat running, and a worker?)"
    if age > limit:
        return False, f"last heartbeat {age:.0f} s ago (allowed {limit} s)"
    return True, f"last heartbeat {age:.0f} s ago"


CHECKS: dict[str, Callable[[], Result]] = {
    "database": check_database,
    "redis": check_redis,
    "migrations": check_migrations,
    "beat": check_beat,
}


def readiness() -> dict[str, Result]:
    results = {"database": check_database()}
    for name, check in CHECKS.items():
        if name == "migrations" and not results["database"][0]:
            results[name] = (False, "not checked: the database is unreachable")
        elif name not in results:
            results[name] = check()
    return results
