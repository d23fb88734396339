"""Firms' Celery tasks and the base class every firm task uses."""

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError, close_old_connections

from .tenancy import firm_scope

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
            )


@shared_task(name="firms.tasks.heartbeat")
def heartbeat() -> str:
    """A periodic no-op that lets ops see beat and workers are alive."""
    return "ok"


@shared_task(name="firms.tasks.audit_heads_publish_all")
def audit_heads_publish_all() -> int:
    """Daily: sign and publish each firm's audit chain head (firms.audit_heads), each in its
    firm's scope. Idempotent: a chain that has not grown keeps its last head."""
    from .audit_heads import audit_head_publish
    from .platform import firm_ids_all

    published = 0
    for firm_id in firm_ids_all():
        with firm_scope(firm_id):
            published += audit_head_publish(firm_id=firm_id) is not None
    return published
