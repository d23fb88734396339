"""A firm's webhook endpoints, the events emitted for them, one delivery per (event, endpoint)
and every attempt of it. All firm-owned (scoped manager + row-level security)."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from firms.models import FirmOwned, Membership

from .choices import DeliveryStatus, EndpointStatus, EventType


class WebhookEndpoint(FirmOwned):
    """Where the firm's CRM listens. The secret signs every delivery (Standard Webhooks);
    after a rotation the previous one keeps signing until `previous_secret_expires_at`."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    event_types = ArrayField(
        models.CharField(max_length=40, choices=EventType.choices), default=list
    )
    status = models.CharField(
        max_length=8, choices=EndpointStatus.choices, default=EndpointStatus.ACTIVE
    )
    secret = models.CharField(max_length=80)
    previous_secret = models.CharField(max_length=80, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["firm", "status"])]
        ordering = ["pk"]

    def __str__(self):
        return self.description or self.url

    @property
    def event_types_display(self) -> list[str]:
        """The subscribed events' labels: `Proposal created`, `Trade batch executed`."""
        labels = dict(EventType.choices)
        return [labels.get(t, t) for t in self.event_types]


class WebhookEvent(FirmOwned):
    """One thing that happened, with its payload as sent. `key` makes it once per firm and
    type (a proposal id, an order id…): a stage that runs again emits nothing new."""

    msg_id = models.CharField(max_length=40, help_text="The webhook-id header of every delivery.")
    type = models.CharField(max_length=40, choices=EventType.choices)
    key = models.CharField(max_length=120)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "type", "key"], name="webhook_event_once"),
            models.UniqueConstraint(fields=["firm", "msg_id"], name="webhook_event_msg_id_unique"),
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.type} {self.key}"


class WebhookDelivery(FirmOwned):
    """An event for one endpoint: written with the event, in the transaction of the change
    (the outbox), sent by a worker after commit, retried with back-off, then failed."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(
        default=0, help_text="Tries since created or last replayed (the retry budget)."
    )
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(
        null=True, blank=True, help_text="Handed to a send task (not handed again for a while)."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    replays = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "event", "endpoint"], name="webhook_delivery_once"
            )
        ]
        indexes = [
            models.Index(fields=["firm", "status", "next_attempt_at"]),
            models.Index(fields=["firm", "endpoint", "created_at"]),
        ]
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"


class WebhookAttempt(FirmOwned):
    """One HTTP request of a delivery, as the log shows it."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    latency_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["firm", "delivery", "attempted_at"])]
        ordering = ["-attempted_at", "-pk"]
