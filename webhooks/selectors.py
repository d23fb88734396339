"""Reads of the webhooks app (the current firm's scope)."""

from django.db.models import Count, Q

from .choices import DeliveryStatus
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoints_list():
    """Every endpoint with its delivery counts by status (one query)."""
    return WebhookEndpoint.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
        delivered=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DELIVERED)),
    ).order_by("pk")


def deliveries_list(*, endpoint_id=None, status=None, event_type=None):
    """The delivery log, newest first, with event and endpoint (one query per page)."""
    qs = WebhookDelivery.objects.select_related("event", "endpoint").defer(
        "event__data", "endpoint__secret", "endpoint__previous_secret"
    )
    if endpoint_id is not None:
        qs = qs.filter(endpoint_id=endpoint_id)
    if status in DeliveryStatus.values:
        qs = qs.filter(status=status)
    if event_type:
        qs = qs.filter(event__type=event_type)
    return qs.order_by("-created_at", "-pk")


def delivery_attempts(delivery_id: int):
    return WebhookAttempt.objects.filter(delivery_id=delivery_id).order_by("-attempted_at", "-pk")
