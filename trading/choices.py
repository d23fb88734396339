"""Choices of the trading app: batch, block and order states, order types, pause scopes."""

from django.db import models


class BatchStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused (nothing sent)"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Pending (written, not sent)"
    HELD = "held", "Held"
    PAUSED = (
        "paused",
        "Held by a pause (not sent)",
    )  # a block a pause stopped; sent by the next batch after resume
    SENDING = "sending", "Sending"
    SUBMITTED = "submitted", "Submitted"
    PARTIALLY_FILLED = "partially_filled", "Partially filled"
    FILLED = "filled", "Filled"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


FINAL_ORDER_STATUSES = frozenset(
    {
        OrderStatus.HELD,
        OrderStatus.PARTIALLY_FILLED,
        OrderStatus.FILLED,
        OrderStatus.REJECTED,
        OrderStatus.CANCELLED,
    }
)


class OrderType(models.TextChoices):
    MARKET = "market", "Market"
    LIMIT = "limit", "Limit"


class PauseScope(models.TextChoices):
    FIRM = "firm", "Whole firm"
    CUSTODIAN = "custodian", "Custodian"
    MODEL = "model", "Model"
    ACCOUNT = "account", "Account"


class BatchTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule (9:45)"
    MANUAL = "manual", "Run now"
    COMMAND = "command", "Command"
