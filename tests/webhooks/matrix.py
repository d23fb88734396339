"""Ids of webhook objects in a firm's book, for tests/firms/test_url_matrix.py."""

from webhooks.choices import EventType
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services.emit import webhook_emit
from webhooks.services.endpoints import webhook_endpoint_create


def endpoint_id(book) -> int:
    existing = WebhookEndpoint.objects.order_by("pk").first()
    if existing is not None:
        return existing.pk
    return webhook_endpoint_create(
        firm_id=book["model"].firm_id,
        url="http://127.0.0.1:9/matrix",
        event_types=[EventType.RECONCILIATION_BREAK],
        description="matrix",
    ).pk


def delivery_id(book) -> int:
    endpoint_id(book)
    webhook_emit(
        firm_id=book["model"].firm_id,
        event_type=EventType.RECONCILIATION_BREAK,
        key="matrix",
        data={"account_number": book["accounts"][0].number},
    )
    return WebhookDelivery.objects.order_by("pk").first().pk
