"""Choices of the compliance app: rule kinds, severities and review outcomes."""

from django.db import models


class RuleKind(models.TextChoices):
    WASH_SALE = "wash_sale", "Wash sale"
    CONCENTRATION = "concentration", "Concentration"
    LIQUIDITY = "liquidity", "Liquidity (cash kept)"
    SUITABILITY = "suitability", "Suitability"


class Severity(models.TextChoices):
    BLOCK = "block", "Block"
    FLAG = "flag", "Flag for a compliance officer"


class ReviewStatus(models.TextChoices):
    CLEAR = "clear", "Clear"
    FLAGGED = "flagged", "Flagged"
    BLOCKED = "blocked", "Blocked"
    OVERRIDDEN = "overridden", "Overridden by an officer"
    REJECTED = "rejected", "Rejected by an officer"
