"""Drift rules, per-account settings and restrictions, daily snapshots, scan runs and proposals.

Every model is firm-owned (scoped manager + row-level security); unique constraints and
indexes lead with the firm so the schema can be distributed by firm."""

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from core.formatting import usd
from firms.models import Firm, FirmOwned, Membership
from portfolios.choices import Segment, Side
from portfolios.models import MONEY, PRICE, QTY, Account, Security

from .calc.rule_params import params_validate
from .choices import (
    BudgetMode,
    ProposalKind,
    ProposalSource,
    ProposalStatus,
    RebalanceTo,
    RuleKind,
    ScanStatus,
    Severity,
    SnapshotStatus,
)


class StoredJSONField(models.JSONField):
    """JSON kept as PostgreSQL `json` (the text as written, validated) instead of `jsonb`.

    For documents written once in bulk and only ever read whole — a snapshot's per-class
    detail — `jsonb`'s binary form buys nothing: measured on 100,000 snapshots it cost 0.75 s
    more to insert and took a third more space. `json` also keeps the keys in the order written.
    Not for fields queried inside with containment (`@>`) or compared for equality."""

    def db_type(self, connection):
        return "json"

    def from_db_value(self, value, expression, connection):
        # psycopg decodes the `json` type itself (Django only turns that off for jsonb).
        if value is not None and not isinstance(value, (str, bytes, bytearray)):
            return value
        return super().from_db_value(value, expression, connection)


PP = {"max_digits": 7, "decimal_places": 3}  # percentage points / percent


def firm_without_own_index():
    """The firm key of a high-volume table whose constraints and indexes already lead with the
    firm: a separate index on firm_id alone (every row the same few keys) only slows the scan's
    bulk writes, by about a fifth per row."""
    return models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+", db_index=False)


class DriftRule(FirmOwned):
    """Tolerance bands. `segment` null = the firm's default rule."""

    name = models.CharField(max_length=80)
    segment = models.CharField(max_length=24, choices=Segment.choices, null=True, blank=True)
    threshold_pp = models.DecimalField(
        **PP, default=Decimal("5"), help_text="Band in percentage points (taxable accounts)."
    )
    threshold_pp_tax_advantaged = models.DecimalField(
        **PP,
        null=True,
        blank=True,
        help_text="Band for tax-advantaged accounts; empty = same as taxable.",
    )
    relative_pct = models.DecimalField(
        **PP,
        null=True,
        blank=True,
        help_text="Optional band in percent of the target weight (the tighter band wins).",
    )
    class_overrides = models.JSONField(
        default=dict, blank=True, help_text='Per asset class bands, e.g. {"alternatives": 10}.'
    )
    dollar_threshold = models.DecimalField(**MONEY, null=True, blank=True)
    rebalance_to = models.CharField(
        max_length=12, choices=RebalanceTo.choices, default=RebalanceTo.TARGET
    )
    min_trade_value = models.DecimalField(**MONEY, default=Decimal("100"))
    cash_floor_pct = models.DecimalField(**PP, default=Decimal("1"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "name"], name="drift_rule_name_unique"),
            models.UniqueConstraint(
                fields=["firm", "segment"],
                condition=Q(segment__isnull=False),
                name="drift_rule_segment_unique",
            ),
            models.UniqueConstraint(
                fields=["firm"], condition=Q(segment__isnull=True), name="drift_rule_one_default"
            ),
        ]
        ordering = ["segment", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        """The admin's forms check the per-class bands as the rule page does."""
        from django.core.exceptions import ValidationError

        from .services.rules import overrides_errors  # services import the models

        errors = overrides_errors(self.class_overrides or {})
        if errors:
            raise ValidationError({"class_overrides": errors})


class AccountDriftSettings(FirmOwned):
    """An advisor's per-account choices: a rule override and restrictions."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="drift_settings")
    rule = models.ForeignKey(
        DriftRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    do_not_trade = models.BooleanField(
        default=False, help_text="Hold: the rebalancer proposes nothing."
    )
    never_sell = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    never_buy = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    gains_budget = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Realised gains allowed per calendar year."
    )
    gains_budget_mode = models.CharField(
        max_length=4, choices=BudgetMode.choices, default=BudgetMode.WARN
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "account"], name="drift_settings_account_unique"
            )
        ]
        verbose_name_plural = "account drift settings"


class ScanRun(FirmOwned):
    as_of = models.DateField()
    status = models.CharField(max_length=8, choices=ScanStatus.choices, default=ScanStatus.RUNNING)
    counts = models.JSONField(default=dict)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "as_of"], name="scan_run_unique_per_day")
        ]
        ordering = ["-as_of"]


class DriftSnapshot(FirmOwned):
    """One account's drift at one close. The scan writes 100,000 a day for a large firm, so every
    index and foreign-key check costs per row (migration 0007 has the figures):
      (firm_id, account_id) -> portfolios_account (firm_id, id), one composite key: the account
        exists *and* is the snapshot's firm's (the account's own key proves the firm exists);
      rule: no key check per row; snapshot writers read rules under the firm's proposal lock,
        and a rule's deletion takes that lock and clears it from the snapshots (a trigger).
    Django's CASCADE from the account still applies through the ORM; the database refuses a
    delete that would orphan a snapshot."""

    firm = models.ForeignKey(
        Firm, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    # No index on account_id alone: lookups by account run inside the firm (scope + RLS) and
    # use snapshot_unique_per_day (firm, account, as_of).
    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="drift_snapshots",
        db_index=False,
        db_constraint=False,
    )
    as_of = models.DateField()
    total_value = models.DecimalField(**MONEY)
    portfolio_drift = models.DecimalField(
        **PP, help_text="Half the sum of absolute class drifts (pp)."
    )
    max_drift = models.DecimalField(**PP, help_text="Largest absolute class drift (pp).")
    max_drift_class = models.CharField(max_length=24, blank=True)
    breached = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=SnapshotStatus.choices, default=SnapshotStatus.OK
    )
    status_reason = models.CharField(
        max_length=500,
        blank=True,
        default="",
        db_default="",
        help_text="Why the status is not OK (e.g. the close that failed the price sanity check).",
    )
    # Cleared by the database when the rule is deleted (the trigger), in one UPDATE: the ORM's
    # SET_NULL would first load every snapshot that names the rule. No index on rule_id: it
    # cost 0.4 s per 100,000 snapshots written, to speed up only the rare rule deletion.
    rule = models.ForeignKey(
        DriftRule,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    detail = StoredJSONField(
        default=dict, help_text="Per asset class: [current, target, band] in percent."
    )
    dollar_off = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Largest class deviation in dollars."
    )
    dollar_threshold = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="The rule's dollar threshold (none: no dollar test).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def dollar_breach(self) -> str:
        """ "off by $100,000; threshold $50,000" when the dollar test breaches, else ""."""
        if (
            self.dollar_threshold is None
            or self.dollar_off is None
            or self.dollar_off <= self.dollar_threshold
        ):
            return ""
        whole = Decimal(1)
        off, threshold = (
            usd(self.dollar_off.quantize(whole)),
            usd(self.dollar_threshold.quantize(whole)),
        )
        return f"off by {off}; threshold {threshold}"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "account", "as_of"], name="snapshot_unique_per_day"
            )
        ]
        indexes = [
            models.Index(fields=["firm", "as_of", "breached"]),
            # The drifted-accounts list (breaches of a day by drift). Partial: an index over every
            # snapshot's drift cost the scan ~1.2 s per 100,000 accounts; this one ~0.2 s.
            models.Index(
                fields=["firm", "as_of", "portfolio_drift"],
                condition=Q(breached=True),
                name="snapshot_breach_by_drift",
            ),
        ]


class Proposal(FirmOwned):
    """A versioned trade list for one account. Its content is frozen at creation and hashed."""

    firm = firm_without_own_index()

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="proposals")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=ProposalKind.choices)
    source = models.CharField(
        max_length=12, choices=ProposalSource.choices, default=ProposalSource.SCAN
    )
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    as_of = models.DateField()
    rule = models.ForeignKey(
        DriftRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    content_hash = models.CharField(max_length=64)
    total_value = models.DecimalField(**MONEY)
    cash_amount = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text="Cash raised or deployed (cash kinds)."
    )
    trade_value = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text="Gross value of all trades."
    )
    est_costs = models.DecimalField(**MONEY, default=Decimal("0"))
    est_tax = models.DecimalField(
        **MONEY, default=Decimal("0"), help_text="Negative = estimated tax saved."
    )
    realised_st = models.DecimalField(**MONEY, default=Decimal("0"))
    realised_lt = models.DecimalField(**MONEY, default=Decimal("0"))
    losses_st = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        db_default=Decimal("0"),
        help_text="Short-term losses realised (≤ 0).",
    )
    losses_lt = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        db_default=Decimal("0"),
        help_text="Long-term losses realised (≤ 0).",
    )
    tax_saved = models.DecimalField(
        **MONEY,
        default=Decimal("0"),
        db_default=Decimal("0"),
        help_text="Tax the losses save at the client's rates.",
    )
    drift_before = models.DecimalField(**PP)
    drift_after = models.DecimalField(**PP)
    allocation = models.JSONField(
        default=dict, help_text="Per asset class: current, proposed and target weight."
    )
    flags = models.JSONField(default=dict)
    undone = models.JSONField(
        default=list, help_text="What restrictions kept the rebalancer from doing."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "account", "version"], name="proposal_version_unique"
            )
        ]
        indexes = [
            models.Index(fields=["firm", "status"]),
            models.Index(fields=["firm", "account", "as_of"]),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.account_id} v{self.version}"


class ProposalTrade(FirmOwned):
    firm = firm_without_own_index()
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="trades")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=4, choices=Side.choices)
    quantity = models.DecimalField(**QTY)
    price = models.DecimalField(**PRICE)
    value = models.DecimalField(**MONEY)
    realised_st = models.DecimalField(**MONEY, default=Decimal("0"))
    realised_lt = models.DecimalField(**MONEY, default=Decimal("0"))
    lots = models.JSONField(
        default=list, blank=True, help_text="Sells: lots used (id, quantity, gain, term)."
    )

    class Meta:
        indexes = [models.Index(fields=["firm", "proposal"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="proposal_trade_quantity_positive"
            )
        ]


class HarvestRule(FirmOwned):
    """Tax-loss harvesting thresholds. `segment` null = the firm's default. A lot is
    harvestable when its unrealised loss is at least `min_loss_pct` of its cost AND at least
    `min_loss_dollars`."""

    segment = models.CharField(max_length=24, choices=Segment.choices, null=True, blank=True)
    enabled = models.BooleanField(default=True)
    min_loss_pct = models.DecimalField(**PP, default=Decimal("10"))
    min_loss_dollars = models.DecimalField(**MONEY, default=Decimal("500"))
    swap_back = models.BooleanField(
        default=True, help_text="Propose buying the original back after the wash-sale window."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "segment"],
                condition=Q(segment__isnull=False),
                name="harvest_rule_segment_unique",
            ),
            models.UniqueConstraint(
                fields=["firm"], condition=Q(segment__isnull=True), name="harvest_rule_one_default"
            ),
        ]
        ordering = ["segment"]


class HarvestOpportunity(FirmOwned):
    """One security of one account whose lots pass the harvest thresholds on a scan day.
    `outcome` is "proposed" (in `proposal`) or why it was not harvested."""

    firm = firm_without_own_index()

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="harvest_opportunities"
    )
    as_of = models.DateField()
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    substitute = models.ForeignKey(
        Security, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lots = models.PositiveIntegerField()
    quantity = models.DecimalField(**QTY)
    loss_st = models.DecimalField(**MONEY, help_text="Unrealised short-term loss (negative).")
    loss_lt = models.DecimalField(**MONEY, help_text="Unrealised long-term loss (negative).")
    est_savings = models.DecimalField(
        **MONEY, help_text="Tax saved at the client's rates if harvested."
    )
    outcome = models.CharField(
        max_length=40, help_text="“proposed”, or why not (wash-sale window, no substitute, …)."
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "account", "as_of", "security"], name="harvest_opportunity_unique"
            )
        ]
        indexes = [models.Index(fields=["firm", "as_of"])]
        verbose_name_plural = "harvest opportunities"


class Substitution(FirmOwned):
    """A harvest sold `security` and bought `substitute`; after the wash-sale window (31 days
    after the sale executed) a swap back may be proposed."""

    PENDING, SWAPPED = "pending", "swapped"
    firm = firm_without_own_index()
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="substitutions")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="substitutions")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    substitute = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    sold_on = models.DateField()
    status = models.CharField(
        max_length=8,
        default=PENDING,
        choices=[(PENDING, "Pending"), (SWAPPED, "Swap back proposed")],
    )
    swap_proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "proposal", "security"], name="substitution_unique"
            )
        ]
        indexes = [models.Index(fields=["firm", "status"])]


class ToleranceWidening(FirmOwned):
    """Volatile markets: every drift band is multiplied by `factor` from `start` to
    `end` (both inclusive, New York dates). The scan applies it; reports show it."""

    factor = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("1"))]
    )
    start = models.DateField()
    end = models.DateField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "reporting_tolerancewidening"  # its table since reporting stored it
        constraints = [
            models.CheckConstraint(
                condition=models.Q(factor__gte=1) & models.Q(factor__lte=5),
                name="widening_factor_range",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="widening_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["firm", "start", "end"])]
        ordering = ["-start"]

    def __str__(self):
        return f"×{self.factor} {self.start}–{self.end}"


class ComplianceRule(FirmOwned):
    """One compliance rule of a firm; `params` are validated per kind (drift.calc.rule_params)."""

    kind = models.CharField(max_length=16, choices=RuleKind.choices)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    params = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "kind"], name="compliance_rule_kind_unique")
        ]
        db_table = "compliance_compliancerule"  # moved from compliance, state only; the table stays
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()

    def clean(self):
        """The admin's forms validate the parameters as the rule page and the service do."""
        if self.kind in RuleKind.values:
            self.params = params_validate(self.kind, self.params)
