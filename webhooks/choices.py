"""Choices of the webhooks app: the event types, and the states of endpoints and deliveries."""

from django.db import models


class EventType(models.TextChoices):
    PROPOSAL_CREATED = "proposal.created", "Proposal created"
    COMPLIANCE_FLAGGED = "compliance.flagged", "Compliance flagged a proposal"
    COMPLIANCE_BLOCKED = "compliance.blocked", "Compliance blocked a proposal"
    APPROVAL_REQUESTED = "approval.requested", "Approval requested"
    APPROVAL_DECIDED = "approval.decided", "Approval decided (approved or declined)"
    APPROVAL_EXPIRED = "approval.expired", "Approval expired"
    BATCH_EXECUTED = "batch.executed", "Trade batch executed"
    ORDER_FILLED = "order.filled", "Order filled (fully or partly)"
    ORDER_REJECTED = "order.rejected", "Order rejected or cancelled unfilled"
    REPORT_READY = "report.ready", "Monthly report ready"
    RECONCILIATION_BREAK = "reconciliation.break", "Reconciliation break found"


class EndpointStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
