"""Firms' Celery tasks, the base class every firm task uses, and how every app publishes a
follow-up task after commit without letting a broker outage break the caller.

Every follow-up task the product publishes is recoverable from the database by a beat sweep:
outbox rows still pending (notifications outbox sweep, every minute), drafts never checked
(compliance sweep, 5 minutes), confirmations not handed over and batches not done (trading due
check, every minute), approvals to route/remind/expire (approvals sweep, every minute), scans
and monthly reports not run (their due checks). So when the broker (Redis) is unreachable, a
publish that fails is logged with the task's name and dropped: the caller's transaction has
already committed, its request must not fail, and the sweep re-enqueues the work once Redis is
back. The publish itself is bounded by CELERY_TASK_PUBLISH_RETRY_POLICY and
CELERY_BROKER_CONNECTION_TIMEOUT (settings); after one failure this process does not try again
for BROKER_DOWN_SKIP_S, so a burst of enqueues during an outage costs one timeout, not one each.
"""

import logging
import time

import redis
from celery import Task, shared_task
from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from kombu.exceptions import OperationalError as BrokerOperationalError

from firms.services.tenancy import firm_scope

log = logging.getLogger(__name__)

BROKER_ERRORS = (
    BrokerOperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)
BROKER_DOWN_SKIP_S = 5.0
_down_until = 0.0  # monotonic time before which this process does not try the broker again


def _describe(task, kwargs: dict) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"{task.name}({args[:200]}{'…' if len(args) > 200 else ''})"


def enqueue_now(task, _options: dict | None = None, **kwargs) -> bool:
    """Publish `task.delay(**kwargs)` (`task.apply_async` with `_options`, e.g. a queue); False
    (and a warning naming the task) if the broker is unreachable. Other errors (a bug, an
    unserialisable argument) still raise."""
    global _down_until
    if time.monotonic() < _down_until:
        log.warning(
            "broker unreachable: %s not enqueued; its sweep will enqueue it again",
            _describe(task, kwargs),
        )
        return False
    try:
        if _options:
            task.apply_async(kwargs=kwargs, **_options)
        else:
            task.delay(**kwargs)
    except BROKER_ERRORS as exc:
        _down_until = time.monotonic() + BROKER_DOWN_SKIP_S
        log.warning(
            "broker unreachable (%s: %s): %s not enqueued; its sweep will enqueue it again",
            type(exc).__name__,
            exc,
            _describe(task, kwargs),
        )
        return False
    return True


def enqueue_after_commit(task, **kwargs) -> None:
    """Publish the task once the current transaction commits (at once outside a transaction);
    a rollback publishes nothing. Only for tasks whose work a sweep also finds (see above)."""
    transaction.on_commit(lambda: enqueue_now(task, **kwargs))


# A task whose database connection was lost (PostgreSQL restarted or failed over) runs again on
# a fresh connection after 2, 4, 8, 16, 32 s. Every firm task may run again: each resumes from
# what it committed (the batch asks the custodian what it already holds), and the due checks and
# sweeps re-send them anyway; this only makes recovery take seconds instead of minutes.
CONNECTION_RETRIES = 5


def connection_lost(exc: Exception) -> bool:
    """The error means the connection is gone, not that a statement failed: SQLSTATE class 08
    (connection exception), 57P01-57P03 (server shutting down, crashed, starting up), or no
    SQLSTATE at all (the client lost the socket: "server closed the connection unexpectedly",
    connection refused). Deadlocks, timeouts and cancellations are not retried here."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    return code is None or code.startswith("08") or code in ("57P01", "57P02", "57P03")


class FirmTask(Task):
    """A task that takes `firm_id` and runs inside that firm's scope (app filter + RLS).

    Tasks take ids, never objects; the scope is entered fresh for each run and left on exit,
    so nothing of one firm's run can leak into the next task on the same worker connection.
    A run cut by a lost database connection is retried (CONNECTION_RETRIES); the retry's new
    connection gets the app role and the firm setting from `on_connection_created`.
    """

    def __call__(self, *args, **kwargs):
        firm_id = kwargs.get("firm_id")
        if firm_id is None:
            raise TypeError(f"{self.name} needs firm_id= (a firm task never runs unscoped)")
        if not (self.request.is_eager or self.request.called_directly):
            close_old_connections()  # a worker's own connection (inline runs share the caller's)
        try:
            with firm_scope(int(firm_id)):
                return super().__call__(*args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            if self.request.called_directly or self.request.is_eager or not connection_lost(exc):
                raise
            raise self.retry(
                exc=exc, countdown=2 ** (self.request.retries + 1), max_retries=CONNECTION_RETRIES
            ) from exc


@shared_task(name="firms.tasks.heartbeat")
def heartbeat() -> str:
    """Every minute (beat): record that beat and a worker are alive (core.heartbeat; /readyz
    reads it)."""
    from core.heartbeat import heartbeat_record

    heartbeat_record()
    return "ok"


@shared_task(name="firms.tasks.audit_heads_publish_all")
def audit_heads_publish_all() -> int:
    """Daily: sign and publish each firm's audit chain head (firms.services.audit), each in its
    firm's scope. Idempotent: a chain that has not grown keeps its last head."""
    from firms.selectors import firm_ids_all
    from firms.services.audit import audit_head_publish

    published = 0
    for firm_id in firm_ids_all():
        with firm_scope(firm_id):
            published += audit_head_publish(firm_id=firm_id) is not None
    return published
