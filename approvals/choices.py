"""Choices of the approvals app: step roles, window units, states and the expiry policy."""

from django.db import models


class StepRole(models.TextChoices):
    ADVISOR = "advisor", "Advisor pre-approval"
    SENIOR = "senior_advisor", "Senior advisor review"
    COMMITTEE = "committee", "Committee approval"
    CLIENT = "client", "Client consent"


INTERNAL_STEPS = frozenset({StepRole.ADVISOR, StepRole.SENIOR, StepRole.COMMITTEE})


class WindowUnit(models.TextChoices):
    HOURS = "hours", "Hours on the clock"
    BUSINESS_DAYS = "business_days", "NYSE business days"


class RuleKind(models.TextChoices):
    VALUE = "value", "By account value"
    INSTITUTIONAL = "institutional", "Institutional accounts"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    VOID = "void", "Void (a newer version replaced it)"


class StepStatus(models.TextChoices):
    WAITING = "waiting", "Not yet due"
    ACTIVE = "active", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    CLOSED = "closed", "Closed"


class ExpiryPolicy(models.TextChoices):
    DECLINE = "decline", "Auto-decline (the proposal expires)"
    ESCALATE = "escalate", "Escalate to the advisor for manual follow-up"


class AuthMethod(models.TextChoices):
    LINK = "email_link", "Portal link sent by email"
    LINK_CODE = "email_link_code", "Portal link plus a one-time code sent by email"
    PASSWORD = "password", "Password sign-in"
