"""Publishing follow-up Celery tasks after commit, without letting a broker outage break the
caller (issue 10, item 7).

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
from django.db import transaction
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

BROKER_ERRORS = (
    OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)
BROKER_DOWN_SKIP_S = 5.0
_down_until = 0.0  # monotonic time before which this process does not try the broker again


def _describe(task, kwargs: dict) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"{task.name}({args[:200]}{'…' if len(args) > 200 else ''})"


def enqueue_now(task, **kwargs) -> bool:
    """Publish `task.delay(**kwargs)`; False (and a warning naming the task) if the broker is
    unreachable. Other errors (a bug, an unserialisable argument) still raise."""
    global _down_until
    if time.monotonic() < _down_until:
        log.warning(
            "broker unreachable: %s not enqueued; its sweep will enqueue it again",
            _describe(task, kwargs),
        )
        return False
    try:
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
