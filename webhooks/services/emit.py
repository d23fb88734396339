"""Emitting events: called by each stage inside the transaction of its change (the outbox).

Set-based: whatever the number of objects, one query finds the firm's active endpoints
subscribed to the type (nothing more happens when there are none), then one statement writes
the events and their deliveries (INSERT … SELECT of the payload, then one delivery per event
and endpoint). Events are unique per (firm, type, key) and deliveries per (event, endpoint), so
a stage that runs again emits nothing twice. The deliveries go out after commit."""

import json
from collections.abc import Iterable

from django.db import connection

from firms.tasks import enqueue_after_commit

from ..choices import EndpointStatus, EventType
from ..models import WebhookEndpoint
from ..payloads import BY_TYPE, GIVEN

_WRITE = """
WITH src (key, data) AS ({payload}),
ev AS (
  INSERT INTO webhooks_webhookevent (firm_id, msg_id, type, key, data, created_at)
  SELECT %(firm)s, 'msg_' || replace(gen_random_uuid()::text, '-', ''), %(type)s, src.key,
         src.data, statement_timestamp()
  FROM src
  ON CONFLICT (firm_id, type, key) DO NOTHING
  RETURNING id
)
INSERT INTO webhooks_webhookdelivery (firm_id, event_id, endpoint_id, status, attempts,
  next_attempt_at, last_error, replays, created_at)
SELECT %(firm)s, ev.id, ep.id, 'pending', 0, statement_timestamp(), '', 0, statement_timestamp()
FROM ev CROSS JOIN unnest(%(endpoints)s::bigint[]) AS ep (id)"""


def endpoints_subscribed(*, event_type: str) -> list[int]:
    """The current firm's active endpoints that subscribe to `event_type` (one query)."""
    return list(
        WebhookEndpoint.objects.filter(
            status=EndpointStatus.ACTIVE, event_types__contains=[event_type]
        ).values_list("pk", flat=True)
    )


def _write(firm_id: int, event_type: str, payload_sql: str, params: dict) -> int:
    endpoints = endpoints_subscribed(event_type=event_type)
    if not endpoints:
        return 0
    with connection.cursor() as cur:
        cur.execute(
            _WRITE.format(payload=payload_sql),
            {**params, "firm": firm_id, "type": event_type, "endpoints": endpoints},
        )
        written = cur.rowcount
    if written:
        from ..tasks import webhooks_dispatch_firm

        enqueue_after_commit(webhooks_dispatch_firm, firm_id=firm_id)
    return written


def webhook_emit_many(
    *, firm_id: int, event_type: str, ids: Iterable[int], statuses: Iterable[str] = ()
) -> int:
    """Events of `event_type` for the objects `ids` (proposals, approvals, batches, blocks of
    orders, reports: webhooks.payloads says which). Returns the deliveries written."""
    ids = [int(i) for i in ids]
    if not ids:
        return 0
    return _write(
        firm_id, event_type, BY_TYPE[event_type], {"ids": ids, "statuses": list(statuses)}
    )


def webhook_emit(*, firm_id: int, event_type: str, key: str, data: dict) -> int:
    """One event whose `data` the caller built (e.g. a reconciliation break; document its
    fields in docs/WEBHOOKS.md). `key` makes it once per firm and type."""
    if event_type not in EventType.values:
        raise ValueError(f"Unknown webhook event type {event_type!r}.")
    return _write(firm_id, event_type, GIVEN, {"key": str(key), "data": json.dumps(data)})
