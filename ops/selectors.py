"""The platform-wide reads behind /metrics: one database statement (the owner-owned function of
migration 0001, whatever the number of firms) and one Redis round trip."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection

from approvals.choices import ApprovalStatus
from core.redis import redis_client
from drift.choices import OPEN_STATUSES, ScanStatus
from notifications.choices import MessageStatus

# The outbox rows that still need something: waiting, being sent, given up on.
OUTBOX_STATUSES = (MessageStatus.PENDING, MessageStatus.SENDING, MessageStatus.FAILED)
# kombu's Redis transport keeps a queue's prioritised messages in lists of their own
# ("<queue>\x06\x16<priority>" for priorities 3, 6 and 9).
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
_UNACKED = "unacked"  # kombu's hash of delivered, not yet acknowledged messages


@dataclass(frozen=True)
class MetricRow:
    series: str
    firm_id: int
    label: str
    value: float


def platform_metrics(now: datetime) -> list[MetricRow]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT * FROM app_platform_metrics(%s, %s, %s, %s, %s, %s)",
            [
                now,
                sorted(OPEN_STATUSES),
                ApprovalStatus.PENDING,
                list(OUTBOX_STATUSES),
                MessageStatus.PENDING,
                ScanStatus.DONE,
            ],
        )
        return [MetricRow(*row) for row in cur.fetchall()]


def celery_queue_depths() -> tuple[dict[str, int], int]:
    """Messages waiting in each queue of settings.METRICS_CELERY_QUEUES, and the number
    delivered to a worker and not yet acknowledged (running, or lost with their worker)."""
    queues = settings.METRICS_CELERY_QUEUES
    pipe = redis_client(settings.CELERY_BROKER_URL).pipeline(transaction=False)
    for queue in queues:
        for suffix in _PRIORITY_SUFFIXES:
            pipe.llen(queue + suffix)
    pipe.hlen(_UNACKED)
    *lengths, unacked = pipe.execute()
    n = len(_PRIORITY_SUFFIXES)
    return {q: sum(lengths[i * n : (i + 1) * n]) for i, q in enumerate(queues)}, unacked
