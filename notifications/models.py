"""Notification templates per firm and kind, the firm's editing setting, and the outbox.

All firm-owned (scoped manager + row-level security); constraints lead with the firm."""

from django.db import models
from django.utils import timezone

from firms.models import FirmOwned, Membership

from .choices import OUTBOX_KIND_CHOICES, Kind, MessageStatus


class NotificationSettings(FirmOwned):
    advisors_may_edit_templates = models.BooleanField(
        default=False,
        help_text="Advisors may edit the firm's email templates (firm admins always may).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm"], name="notification_settings_one_per_firm")
        ]
        verbose_name_plural = "notification settings"


class NotificationTemplate(FirmOwned):
    """A firm's own wording for one kind of email; without one, the shipped default is used."""

    kind = models.CharField(max_length=24, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body_html = models.TextField()
    body_text = models.TextField()
    updated_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "kind"], name="notification_template_kind_unique"
            )
        ]
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()


class OutboundMessage(FirmOwned):
    """One email, fully rendered, written before anything is sent.

    `dedupe_key` is unique per firm: (proposal version, kind, recipient) for proposal mail,
    so a re-run of whatever enqueues cannot create a second message."""

    recipient = models.EmailField()
    kind = models.CharField(max_length=24, choices=OUTBOX_KIND_CHOICES)
    subject = models.CharField(max_length=300)
    body_html = models.TextField()
    body_text = models.TextField()
    proposal = models.ForeignKey(
        "drift.Proposal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposal_version = models.PositiveIntegerField(null=True, blank=True)
    proposal_hash = models.CharField(max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=300)
    # A secret left out of the stored body (notifications.services.redaction), inserted only
    # when sent.
    secret_ref = models.CharField(max_length=120, blank=True, default="")
    status = models.CharField(
        max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "dedupe_key"], name="outbound_message_dedupe_unique"
            )
        ]
        indexes = [
            models.Index(fields=["firm", "status", "next_attempt_at"]),
            models.Index(fields=["firm", "created_at"]),
            models.Index(fields=["firm", "proposal"]),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient}"
