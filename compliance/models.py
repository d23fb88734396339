"""The stored result of every check per proposal version, and the
officer's review of each proposal. (The substantially identical pairs and the substitutes are
reference data about securities: portfolios.models; the rules themselves are read by the
proposal builder too: drift.models.ComplianceRule.)"""

from django.db import models

from drift.choices import RuleKind, Severity
from drift.models import Proposal
from firms.models import FirmOwned, Membership

from .calc.figures import figures_display
from .choices import ReviewStatus


class CheckResult(FirmOwned):
    """The outcome of one rule on one proposal version."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="check_results")
    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    passed = models.BooleanField()
    message = models.TextField(blank=True)
    figures = models.JSONField(default=dict, blank=True)
    suggestion = models.JSONField(default=dict, blank=True)
    checked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "proposal", "kind"], name="check_result_unique")
        ]
        indexes = [models.Index(fields=["firm", "passed"])]
        ordering = ["kind"]

    @property
    def figures_display(self) -> list[tuple[str, str]]:
        """The figures as the review page prints them (compliance.calc.figures)."""
        return figures_display(self.figures)


class ComplianceReview(FirmOwned):
    """Where a proposal stands with compliance; the officer's decision and reason."""

    proposal = models.OneToOneField(
        Proposal, on_delete=models.CASCADE, related_name="compliance_review"
    )
    status = models.CharField(max_length=12, choices=ReviewStatus.choices)
    checked_at = models.DateTimeField()
    officer = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "proposal"], name="compliance_review_unique")
        ]
        indexes = [models.Index(fields=["firm", "status"])]
        ordering = ["checked_at"]
