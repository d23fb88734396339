"""Choices of the notifications app: message kinds and outbox states."""

from django.db import models


class Kind(models.TextChoices):
    PROPOSAL = "proposal", "Proposal for the client"
    REMINDER = "reminder", "Reminder to decide"
    ESCALATION = "escalation", "Escalation (to staff)"
    DECISION_APPROVED = "decision_approved", "Decision receipt: approved"
    DECISION_DECLINED = "decision_declined", "Decision receipt: declined"
    DECISION_EXPIRED = "decision_expired", "Decision receipt: expired"
    TRADE_CONFIRMATION = "trade_confirmation", "Trade confirmation"
    PARTIAL_FILL_NOTICE = "partial_fill_notice", "Partial fill / rejection notice"
    PROPOSAL_REPLACED = (
        "proposal_replaced",
        "Replaced by a newer proposal (to the client and approvers)",
    )
    ADVISOR_DECISION = "advisor_decision", "Client declined or let expire (to the advisor)"
    PROPOSAL_WITHDRAWN = (
        "proposal_withdrawn",
        "Withdrawn for another compliance review (to the client and approvers)",
    )


# A system email, not a firm template (its wording is fixed: approvals.services.signing);
# outbox only.
SIGNING_CODE = "signing_code"
OUTBOX_KIND_CHOICES = [*Kind.choices, (SIGNING_CODE, "Signing code (system email)")]


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
