"""Routing rules, approval settings, approvals with their steps, committee votes, the
client's e-signature and portal links. All firm-owned (scoped manager + row-level security),
except LinkKey: the one table read before the firm is known (a token hash → its firm)."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from drift.models import Proposal
from firms.models import FirmOwned, Membership
from portfolios.models import MONEY, Client

from .choices import (
    ApprovalStatus,
    AuthMethod,
    ExpiryPolicy,
    RuleKind,
    StepRole,
    StepStatus,
    WindowUnit,
)

PCT = {"max_digits": 7, "decimal_places": 3}


class ApprovalSettings(FirmOwned):
    """One row per firm: expiry policy, committee quorum, exception-first and consent freshness."""

    expiry_policy = models.CharField(
        max_length=12, choices=ExpiryPolicy.choices, default=ExpiryPolicy.DECLINE
    )
    committee_quorum = models.PositiveSmallIntegerField(default=2)
    exception_first = models.BooleanField(
        default=False, help_text="Clean, small, low-turnover proposals skip internal review."
    )
    exception_max_value = models.DecimalField(**MONEY, default=Decimal("250000.00"))
    exception_max_turnover_pct = models.DecimalField(**PCT, default=Decimal("10"))
    reprice_tolerance_pct = models.DecimalField(
        **PCT, default=Decimal("1"), help_text="Price move that re-prices the trades."
    )
    reconsent_tolerance_pct = models.DecimalField(
        **PCT, default=Decimal("5"), help_text="Price move that asks the client again."
    )
    signing_code_required = models.BooleanField(
        default=False,
        verbose_name="Ask for a one-time code to sign",
        help_text="A client who came in through an emailed link must also enter a code we email "
        "at the moment "
        "of signing (clients signed in with their password are not asked).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm"], name="approval_settings_one_per_firm")
        ]
        verbose_name_plural = "approval settings"


class RoutingRule(FirmOwned):
    """A tier: which accounts it covers (value bounds, both inclusive, or institutional),
    which steps in order, and the window."""

    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=RuleKind.choices, default=RuleKind.VALUE)
    min_value = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Lowest account value covered (inclusive)."
    )
    max_value = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Highest account value covered (inclusive)."
    )
    steps = ArrayField(models.CharField(max_length=16, choices=StepRole.choices))
    window_amount = models.PositiveIntegerField()
    window_unit = models.CharField(
        max_length=16, choices=WindowUnit.choices, default=WindowUnit.HOURS
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "name"], name="routing_rule_name_unique")
        ]
        ordering = ["kind", "min_value"]

    def __str__(self):
        return self.name

    @property
    def steps_display(self) -> list[str]:
        """The steps' labels in order: `Senior advisor review`, `Client consent`."""
        labels = dict(StepRole.choices)
        return [labels.get(step, step) for step in self.steps]

    def clean(self):
        """The rules page and the admin bound the window (approvals.calc.deadlines.WINDOW_MAX)."""
        from django.core.exceptions import ValidationError

        from .calc.deadlines import window_problem

        problem = window_problem(amount=self.window_amount, unit=self.window_unit)
        if problem:
            raise ValidationError({"window_amount": problem})


class Approval(FirmOwned):
    """The approval of one proposal version. Its content hash is frozen when routing starts."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="approval")
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tier = models.CharField(max_length=80)
    status = models.CharField(
        max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    content_hash = models.CharField(max_length=64)
    version = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    reminder_at = models.DateTimeField()
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    routing_note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "proposal"], name="approval_one_per_proposal_version"
            )
        ]
        indexes = [
            models.Index(fields=["firm", "status", "deadline"]),
            models.Index(fields=["firm", "status", "reminder_at"]),
        ]

    def __str__(self):
        return f"Approval of proposal {self.proposal_id} v{self.version}"


class ApprovalStep(FirmOwned):
    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=16, choices=StepRole.choices)
    status = models.CharField(max_length=12, choices=StepStatus.choices, default=StepStatus.WAITING)
    quorum = models.PositiveSmallIntegerField(default=1)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acted_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    document = models.FileField(upload_to="approvals/committee/%Y/%m/", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "approval", "position"], name="approval_step_position_unique"
            )
        ]
        indexes = [models.Index(fields=["firm", "role", "status"])]
        ordering = ["position"]


class CommitteeVote(FirmOwned):
    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+")
    approve = models.BooleanField()
    comment = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "step", "member"], name="committee_vote_once")
        ]


class SigningCode(FirmOwned):
    """A one-time code emailed to the client at the moment of signing
    (approvals.services.signing). Neither the code nor a hash of it is stored: the code is
    HMAC(key from SECRET_KEY, nonce), rebuilt to send and to check. Short-lived, few attempts,
    used once."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["firm", "approval", "user", "created_at"])]


class Signature(FirmOwned):
    """The client's electronic signature (ESIGN/UETA evidence) and the signed PDF."""

    approval = models.OneToOneField(Approval, on_delete=models.PROTECT, related_name="signature")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    typed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField()
    user_agent = models.TextField()
    auth_method = models.CharField(max_length=16, choices=AuthMethod.choices)
    consent_version = models.CharField(max_length=16)
    consent_sha256 = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64)
    pdf = models.FileField(upload_to="approvals/signed/%Y/%m/")
    pdf_sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "approval"], name="signature_one_per_approval")
        ]


class PortalLink(FirmOwned):
    """An emailed link: the SHA-256 of a 256-bit token, bound to client, proposal and version."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="links")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    token_hash = models.CharField(max_length=64)
    # The token is HMAC(key from SECRET_KEY, nonce): rebuilt only by the sender
    # (approvals.services.links).
    nonce = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "token_hash"], name="portal_link_token_unique")
        ]


class LinkKey(models.Model):
    """token hash → firm id: read before any firm scope exists. Holds nothing but the hash
    of an unguessable token and a firm id; everything else stays behind the firm's RLS."""

    token_hash = models.CharField(max_length=64, unique=True)
    firm_id = models.BigIntegerField()
