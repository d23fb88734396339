"""A firm's endpoints: create, edit, pause, resume, rotate the secret. Each change audited
(never the secret itself); a new secret is returned once, to be shown once."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from firms.services.audit import audit_record
from firms.tasks import enqueue_after_commit

from ..calc.addresses import AddressRefused, addresses_resolve, url_check
from ..calc.signing import secret_new
from ..choices import DeliveryStatus, EndpointStatus, EventType
from ..models import WebhookDelivery, WebhookEndpoint


class EndpointInvalid(Exception):
    """Bad input: `field` names what is wrong (forms and the API show it there)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def endpoint_url_check(url: str) -> str:
    """The URL, stripped, if it is http(s) and resolves to addresses webhooks may call."""
    url = (url or "").strip()
    if not url:
        raise EndpointInvalid("url", "Enter the URL the deliveries are posted to.")
    if len(url) > 500:
        raise EndpointInvalid("url", "The URL is longer than 500 characters.")
    try:
        _scheme, host, port = url_check(url)
        addresses_resolve(host, port, settings.WEBHOOKS_ALLOWED_NETWORKS)
    except AddressRefused as exc:
        raise EndpointInvalid("url", str(exc)) from exc
    return url


def event_types_check(event_types) -> list[str]:
    chosen = list(dict.fromkeys(event_types or []))
    unknown = [t for t in chosen if t not in EventType.values]
    if unknown:
        raise EndpointInvalid(
            "event_types",
            f"Unknown event type(s): {', '.join(map(str, unknown))}. "
            f"Known: {', '.join(EventType.values)}.",
        )
    if not chosen:
        raise EndpointInvalid("event_types", "Choose at least one event type.")
    return [t for t in EventType.values if t in chosen]


def _description_check(description: str) -> str:
    description = (description or "").strip()
    if len(description) > 200:
        raise EndpointInvalid("description", "The description is longer than 200 characters.")
    return description


def webhook_endpoint_create(
    *, firm_id: int, url: str, event_types, description: str = "", actor=None
) -> WebhookEndpoint:
    """A new active endpoint; its secret (endpoint.secret) is for the caller to show once."""
    endpoint = WebhookEndpoint(
        firm_id=firm_id,
        url=endpoint_url_check(url),
        description=_description_check(description),
        event_types=event_types_check(event_types),
        secret=secret_new(),
        created_by=getattr(actor, "membership", None),
    )
    with transaction.atomic():
        endpoint.save()
        audit_record(
            firm_id=firm_id,
            event="webhook.endpoint_created",
            actor=actor,
            obj=endpoint,
            payload={"url": endpoint.url, "event_types": endpoint.event_types},
        )
    return endpoint


def webhook_endpoint_update(
    *, endpoint_id: int, url=None, event_types=None, description=None, actor=None
) -> WebhookEndpoint:
    """Change what is given (None: keep)."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        before = {"url": endpoint.url, "event_types": endpoint.event_types}
        if url is not None:
            endpoint.url = endpoint_url_check(url)
        if event_types is not None:
            endpoint.event_types = event_types_check(event_types)
        if description is not None:
            endpoint.description = _description_check(description)
        endpoint.save(update_fields=["url", "event_types", "description", "updated_at"])
        audit_record(
            firm_id=endpoint.firm_id,
            event="webhook.endpoint_updated",
            actor=actor,
            obj=endpoint,
            payload={
                "before": before,
                "after": {"url": endpoint.url, "event_types": endpoint.event_types},
            },
        )
    return endpoint


def _status_set(endpoint_id: int, status: str, actor) -> tuple[WebhookEndpoint, bool]:
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        if endpoint.status == status:
            return endpoint, False
        endpoint.status = status
        endpoint.save(update_fields=["status", "updated_at"])
        audit_record(
            firm_id=endpoint.firm_id,
            event=f"webhook.endpoint_{'paused' if status == EndpointStatus.PAUSED else 'resumed'}",
            actor=actor,
            obj=endpoint,
        )
        if status == EndpointStatus.ACTIVE:  # what waited during the pause goes out now
            from ..tasks import webhooks_dispatch_firm

            WebhookDelivery.objects.filter(
                endpoint_id=endpoint.pk, status=DeliveryStatus.PENDING
            ).update(dispatched_at=None)  # a task that found it paused did nothing

            enqueue_after_commit(webhooks_dispatch_firm, firm_id=endpoint.firm_id)
    return endpoint, True


def webhook_endpoint_pause(*, endpoint_id: int, actor=None) -> tuple[WebhookEndpoint, bool]:
    """Paused: no new event is queued for it, and what was queued waits (not sent)."""
    return _status_set(endpoint_id, EndpointStatus.PAUSED, actor)


def webhook_endpoint_resume(*, endpoint_id: int, actor=None) -> tuple[WebhookEndpoint, bool]:
    return _status_set(endpoint_id, EndpointStatus.ACTIVE, actor)


def webhook_endpoint_rotate(*, endpoint_id: int, actor=None, now=None) -> WebhookEndpoint:
    """A new secret; the current one keeps signing (a second signature in the header) for
    settings.WEBHOOKS_ROTATION_OVERLAP_SECONDS, so the receiver can switch without a gap."""
    now = now or timezone.now()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + timedelta(
            seconds=settings.WEBHOOKS_ROTATION_OVERLAP_SECONDS
        )
        endpoint.secret = secret_new()
        endpoint.save(
            update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
        )
        audit_record(
            firm_id=endpoint.firm_id,
            event="webhook.secret_rotated",
            actor=actor,
            obj=endpoint,
            payload={"old_secret_valid_until": endpoint.previous_secret_expires_at.isoformat()},
        )
    return endpoint
