"""What every log line says it belongs to: the request id, the signed-in user and the Celery
task (context variables set by rebalance_site.request_id and rebalance_site.task_context),
and the firm whose scope is in force (firms.services.db_security: the same scope the
database's row-level security sees, so a firm task's lines carry its firm too)."""

import logging
import re
import sys
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("log_request_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("log_user_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("log_task_id", default=None)

# An incoming X-Request-ID is kept only if it looks like an id: no spaces, quotes or line
# breaks to forge a log line with, and not so long it bloats every line.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
CONTEXT_FIELDS = ("firm_id", "user_id", "request_id", "task_id")


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_valid(value: str | None) -> bool:
    return bool(value) and _WELL_FORMED.fullmatch(value) is not None


def _firm_id() -> int | None:
    # Looked up, not imported: logging is configured before the apps (and their models) load.
    db_security = sys.modules.get("firms.services.db_security")
    return db_security.current_firm_id() if db_security else None


class LogContextFilter(logging.Filter):
    """Adds firm_id, user_id, request_id and task_id to every record the handler sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.firm_id = _firm_id()
        record.user_id = user_id_var.get()
        record.request_id = request_id_var.get()
        record.task_id = task_id_var.get()
        return True
