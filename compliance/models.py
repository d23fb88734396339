"""Compliance rules per firm, substantially identical pairs, substitutes, the stored result of
every check per proposal version, and the officer's review of each proposal."""

from django.db import models
from django.db.models import F, Q

from drift.models import Proposal
from firms.models import FirmOwned, Membership
from portfolios.models import Security

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


class SubstantiallyIdenticalPair(FirmOwned):
    """Two securities a wash sale treats as one. Stored with security_a_id < security_b_id."""

    security_a = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="+")
    security_b = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "security_a", "security_b"], name="identical_pair_unique"
            ),
            models.CheckConstraint(
                condition=Q(security_a__lt=F("security_b")), name="identical_pair_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.security_a} ≈ {self.security_b}"


class Substitute(FirmOwned):
    """A fair replacement for `security` (same asset class, not substantially identical)."""

    security = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="+")
    substitute = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "security", "substitute"], name="substitute_unique"
            )
        ]
        ordering = ["security", "rank"]


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
