"""Choices of the compliance app: review outcomes (rule kinds and severities: drift.choices)."""

from django.db import models


class ReviewStatus(models.TextChoices):
    CLEAR = "clear", "Clear"
    FLAGGED = "flagged", "Flagged"
    BLOCKED = "blocked", "Blocked"
    OVERRIDDEN = "overridden", "Overridden by an officer"
    REJECTED = "rejected", "Rejected by an officer"
