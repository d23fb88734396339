"""Sending deliveries: claim, send outside any transaction, log the attempt, record the outcome.

As the email outbox (notifications.services.outbox): a delivery is claimed with a conditional
UPDATE (pending → sending, only when due and its endpoint is active), so two workers, a
redelivered task or a re-run sweep cannot both send it. A 2xx answer is delivered; anything
else (another status, a timeout, a refused connection) is tried again after an exponential
back-off stored in next_attempt_at, until settings.WEBHOOKS_MAX_ATTEMPTS, then failed. Every
try is logged (WebhookAttempt). The webhook-id is the event's and never changes, so a receiver
that saw a retry (or a replay) already can tell. The one window where a delivery could go out
twice: a worker that dies after the receiver answered and before the outcome is stored (the
sweep reclaims it after WEBHOOKS_SENDING_TIMEOUT_SECONDS)."""

import http.client
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from firms.services.audit import audit_record
from firms.tasks import enqueue_after_commit

from ..calc.addresses import AddressRefused, addresses_resolve, url_check
from ..calc.signing import signature_header
from ..choices import DeliveryStatus as S
from ..choices import EndpointStatus
from ..models import WebhookAttempt, WebhookDelivery, WebhookEvent

USER_AGENT = "Rebalance-Webhooks/1"
EXCERPT = 500


def retry_delay(attempts: int) -> timedelta:
    """After the `attempts`-th failed try: base, 2×base, 4×base… seconds, capped."""
    base = settings.WEBHOOKS_RETRY_BASE_SECONDS
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOKS_RETRY_MAX_SECONDS)
    )


def event_body(event: WebhookEvent) -> bytes:
    """The JSON body: the same bytes on every attempt of every delivery of the event."""
    body = {"type": event.type, "timestamp": event.created_at.isoformat(), "data": event.data}
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def signing_secrets(endpoint, now) -> list[str]:
    """The current secret, and the previous one while its overlap lasts."""
    out = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and now < expires:
        out.append(endpoint.previous_secret)
    return out


def delivery_headers(delivery: WebhookDelivery, body: bytes, now) -> dict[str, str]:
    timestamp = int(now.timestamp())
    msg_id = delivery.event.msg_id
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            signing_secrets(delivery.endpoint, now), msg_id, timestamp, body
        ),
    }


@dataclass
class Outcome:
    status_code: int | None = None
    excerpt: str = ""
    error: str = ""
    latency_ms: int = 0
    permanent: bool = False  # no retry (the address is refused)

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address checked (not to whatever the name resolves to next)."""

    def __init__(self, host, port, ip, timeout):
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self):
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, ip, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self):
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def http_post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST once, no redirects followed, to a checked public address (or an allowed one)."""
    try:
        scheme, host, port = url_check(url)
        ip = addresses_resolve(host, port, settings.WEBHOOKS_ALLOWED_NETWORKS)[0]
    except AddressRefused as exc:
        return Outcome(error=str(exc)[:EXCERPT], permanent=True)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    conn = kind(host, port, ip, settings.WEBHOOKS_TIMEOUT_SECONDS)
    started = time.monotonic()
    try:
        conn.request("POST", target, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read(4096).decode(errors="replace")
        return Outcome(
            status_code=response.status,
            excerpt=text[:EXCERPT],
            latency_ms=int((time.monotonic() - started) * 1000),
        )
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(
            error=f"{type(exc).__name__}: {exc}"[:EXCERPT],
            latency_ms=int((time.monotonic() - started) * 1000),
        )
    finally:
        conn.close()


def delivery_claim(*, delivery_id: int, now) -> bool:
    return (
        WebhookDelivery.objects.filter(
            pk=delivery_id,
            status=S.PENDING,
            next_attempt_at__lte=now,
            endpoint__status=EndpointStatus.ACTIVE,
        ).update(status=S.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        == 1
    )


def _record(delivery: WebhookDelivery, outcome: Outcome, now) -> str:
    WebhookAttempt.objects.create(
        firm_id=delivery.firm_id,
        delivery=delivery,
        attempted_at=now,
        status_code=outcome.status_code,
        response_excerpt=outcome.excerpt,
        error=outcome.error,
        latency_ms=outcome.latency_ms,
    )
    sending = WebhookDelivery.objects.filter(pk=delivery.pk, status=S.SENDING)
    error = outcome.error or ("" if outcome.ok else f"HTTP {outcome.status_code}")
    fields = {"last_status_code": outcome.status_code, "last_error": error}
    if outcome.ok:
        sending.update(status=S.DELIVERED, delivered_at=timezone.now(), **fields)
        return "delivered"
    if outcome.permanent or delivery.attempts >= settings.WEBHOOKS_MAX_ATTEMPTS:
        sending.update(status=S.FAILED, **fields)
        return "failed"
    sending.update(
        status=S.PENDING,
        next_attempt_at=now + retry_delay(delivery.attempts),
        dispatched_at=None,
        **fields,
    )
    return "retry"


def webhook_delivery_send(*, delivery_id: int, now=None) -> str:
    """One attempt. Returns "delivered", "retry", "failed" or "skipped" (not due, not pending,
    its endpoint paused, or another worker has it)."""
    now = now or timezone.now()
    if not delivery_claim(delivery_id=delivery_id, now=now):
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("event", "endpoint").get(pk=delivery_id)
    body = event_body(delivery.event)
    outcome = http_post(delivery.endpoint.url, body, delivery_headers(delivery, body, now))
    return _record(delivery, outcome, now)


def sending_timeout() -> timedelta:
    return timedelta(seconds=settings.WEBHOOKS_SENDING_TIMEOUT_SECONDS)


def redispatch_after() -> timedelta:
    """A delivery handed to a send task that has not run within this (a lost message) is
    handed over again."""
    return timedelta(seconds=settings.WEBHOOKS_SENDING_TIMEOUT_SECONDS)


def webhook_deliveries_dispatch(*, now=None, limit: int = 2000) -> list[int]:
    """Hand the current firm's due deliveries to active endpoints to send tasks (published
    after any open transaction commits), each marked `dispatched_at` so the next dispatch or
    sweep does not hand it again while its task waits in the queue. Deliveries stuck in
    `sending` (a dead worker) are reclaimed first. A full page queues the next dispatch."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(status=S.SENDING, claimed_at__lt=now - sending_timeout()).update(
        status=S.PENDING,
        next_attempt_at=now,
        dispatched_at=None,
        last_error="Reclaimed: its worker did not finish.",
    )
    with transaction.atomic():
        due = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - redispatch_after()),
                status=S.PENDING,
                next_attempt_at__lte=now,
                endpoint__status=EndpointStatus.ACTIVE,
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "firm_id")[:limit]
        )
        WebhookDelivery.objects.filter(pk__in=[pk for pk, _ in due]).update(dispatched_at=now)
        from ..tasks import webhook_delivery_send_task, webhooks_dispatch_firm

        for pk, firm_id in due:
            enqueue_after_commit(webhook_delivery_send_task, firm_id=firm_id, delivery_id=pk)
        if len(due) == limit:
            enqueue_after_commit(webhooks_dispatch_firm, firm_id=due[0][1])
    return [pk for pk, _ in due]


def webhook_delivery_replay(*, delivery_id: int, actor=None) -> WebhookDelivery:
    """Send a delivery again, whatever its state (not while it is being sent), with the same
    webhook-id and body, and a fresh retry budget. Audited."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status == S.SENDING:
            raise DeliveryBusy("This delivery is being sent right now; replay it when it is done.")
        was = delivery.status
        now = timezone.now()
        delivery.status, delivery.attempts, delivery.next_attempt_at = S.PENDING, 0, now
        delivery.replays, delivery.dispatched_at = delivery.replays + 1, now
        delivery.save(
            update_fields=["status", "attempts", "next_attempt_at", "replays", "dispatched_at"]
        )
        audit_record(
            firm_id=delivery.firm_id,
            event="webhook.delivery_replayed",
            actor=actor,
            obj=delivery,
            payload={"endpoint": delivery.endpoint_id, "event": delivery.event_id, "was": was},
        )
        from ..tasks import webhook_delivery_send_task

        enqueue_after_commit(
            webhook_delivery_send_task, firm_id=delivery.firm_id, delivery_id=delivery.pk
        )
    return delivery


class DeliveryBusy(Exception):
    pass
