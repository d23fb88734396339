"""Compliance rules per firm, the stored result of every check per proposal version, and the
officer's review of each proposal. (The substantially identical pairs and the substitutes are
reference data about securities: portfolios.models.)"""

from django.db import models

from drift.models import Proposal
from firms.models import FirmOwned, Membership

from .choices import ReviewStatus, RuleKind, Severity


class ComplianceRule(FirmOwned):
    """One rule of a firm; `params` are validated per kind (compliance.params)."""

    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    params = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "kind"], name="compliance_rule_kind_unique")
        ]
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()

    def clean(self):
        """The admin's forms validate the parameters as the rule page and the service do."""
        from .params import params_validate

        if self.kind in RuleKind.values:
            self.params = params_validate(self.kind, self.params)


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
