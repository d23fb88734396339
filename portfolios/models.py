"""The book of business: everything a firm manages, all firm-owned and row-level secured."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from firms.models import FirmOwned, Membership

from .choices import (
    AssetClass,
    Liquidity,
    Registration,
    RiskProfile,
    SecurityType,
    Segment,
    Side,
    TaxStatus,
)

MONEY = {"max_digits": 18, "decimal_places": 2}
QTY = {"max_digits": 20, "decimal_places": 6}
PRICE = {"max_digits": 18, "decimal_places": 6}


class Custodian(FirmOwned):
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=120)
    fee_per_trade = models.DecimalField(**MONEY, default=Decimal("0"))
    fee_bps = models.DecimalField(max_digits=8, decimal_places=4, default=Decimal("0"))
    spread_bps = models.DecimalField(max_digits=8, decimal_places=4, default=Decimal("2"))
    supports_fractional = models.BooleanField(default=False)
    adapter = models.CharField(max_length=40, default="simulated")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "code"], name="custodian_code_unique")
        ]

    def __str__(self):
        return self.name


class Security(FirmOwned):
    symbol = models.CharField(max_length=16)
    name = models.CharField(max_length=200)
    asset_class = models.CharField(max_length=24, choices=AssetClass.choices)
    security_type = models.CharField(max_length=16, choices=SecurityType.choices)
    liquidity = models.CharField(max_length=12, choices=Liquidity.choices, default=Liquidity.DAILY)
    diversified = models.BooleanField(
        default=False,
        help_text="A diversified fund (exempt from single-security concentration by default).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "symbol"], name="security_symbol_unique")
        ]
        verbose_name_plural = "securities"

    def __str__(self):
        return self.symbol


class CustodianSecurity(FirmOwned):
    """A security a custodian can trade."""

    custodian = models.ForeignKey(Custodian, on_delete=models.CASCADE, related_name="tradable")
    security = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "custodian", "security"], name="custodian_security_unique"
            )
        ]
        verbose_name_plural = "custodian securities"


class Price(FirmOwned):
    """A daily closing price."""

    security = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="prices")
    date = models.DateField()
    close = models.DecimalField(**PRICE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "security", "date"], name="price_unique_per_day"
            ),
            # close < 1e12 also refuses 'NaN', which PostgreSQL's numeric holds and orders above
            # every number (so NaN > 0 is true there).
            models.CheckConstraint(
                condition=models.Q(close__gt=0, close__lt=10**12), name="price_close_positive"
            ),
        ]
        indexes = [models.Index(fields=["firm", "date"])]


class Household(FirmOwned):
    """Clients whose accounts rebalance as a group (shared wash-sale and gains accounting)."""

    name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "name"], name="household_name_unique")
        ]

    def __str__(self):
        return self.name


class Client(FirmOwned):
    name = models.CharField(max_length=200)
    email = models.EmailField()
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="clients"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="client_record",
    )
    alternatives_eligible = models.BooleanField(default=False)
    short_term_tax_rate = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.3700")
    )
    long_term_tax_rate = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.2000")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "email"], name="client_email_unique")
        ]
        indexes = [models.Index(fields=["firm", "name"])]

    def __str__(self):
        return self.name


class ModelPortfolio(FirmOwned):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    # A retired model keeps its targets and the accounts already on it (listed on its page),
    # but is never assigned again (drift.services.model_portfolios, the import, the admin).
    retired_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    class Meta:
        constraints = [models.UniqueConstraint(fields=["firm", "name"], name="model_name_unique")]

    def __str__(self):
        return self.name


class ModelTarget(FirmOwned):
    """A target weight (percent of the account) for an asset class, held through `security`."""

    model = models.ForeignKey(ModelPortfolio, on_delete=models.CASCADE, related_name="targets")
    asset_class = models.CharField(max_length=24, choices=AssetClass.choices)
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    weight = models.DecimalField(
        max_digits=7, decimal_places=4, help_text="Percent of the account, 0–100."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "model", "security"], name="model_target_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gte=0, weight__lte=100), name="model_weight_range"
            ),
        ]


class Account(FirmOwned):
    number = models.CharField(max_length=32)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="accounts")
    registration = models.CharField(max_length=16, choices=Registration.choices)
    tax_status = models.CharField(max_length=16, choices=TaxStatus.choices)
    custodian = models.ForeignKey(Custodian, on_delete=models.PROTECT, related_name="accounts")
    segment = models.CharField(max_length=24, choices=Segment.choices)
    risk_profile = models.CharField(max_length=16, choices=RiskProfile.choices)
    model = models.ForeignKey(ModelPortfolio, on_delete=models.PROTECT, related_name="accounts")
    advisor = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    opened_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "number"], name="account_number_unique"),
            # Target of tenant-consistent composite foreign keys (firm_id, account_id) from
            # high-volume tables (drift snapshots): one check proves the account and its firm.
            models.UniqueConstraint(fields=["firm", "id"], name="account_firm_key"),
        ]
        indexes = [
            models.Index(fields=["firm", "advisor"]),
            models.Index(fields=["firm", "model"]),
            models.Index(fields=["firm", "segment"]),
        ]
        ordering = ["number"]

    def __str__(self):
        return self.number

    @property
    def is_taxable(self) -> bool:
        return self.tax_status == TaxStatus.TAXABLE


class Position(FirmOwned):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="positions")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(**QTY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "account", "security"], name="position_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0, quantity__lt=10**14),
                name="position_quantity_nonnegative",
            ),  # < 1e14 refuses NaN
        ]


class TaxLot(FirmOwned):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="lots")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    acquired_on = models.DateField()
    quantity = models.DecimalField(**QTY)
    cost_basis = models.DecimalField(**MONEY, help_text="Total cost of the lot.")

    class Meta:
        indexes = [models.Index(fields=["firm", "account", "security"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="lot_quantity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(cost_basis__gte=0), name="lot_cost_nonnegative"
            ),
        ]


class Transaction(FirmOwned):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="transactions")
    date = models.DateField()
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=4, choices=Side.choices)
    quantity = models.DecimalField(**QTY)
    price = models.DecimalField(**PRICE)
    realized_gain = models.DecimalField(**MONEY, null=True, blank=True)
    # When an import brought the row (None: the product's own fills, whose trades compliance
    # checked as proposals). A compliance review older than a household's newest import was
    # made without it (compliance.services.guard refuses to route such a proposal).
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["firm", "account", "date"]),
            models.Index(fields=["firm", "security", "date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="txn_quantity_positive"
            ),
            models.CheckConstraint(condition=models.Q(price__gt=0), name="txn_price_positive"),
        ]


class ImportRun(FirmOwned):
    """A record of one book import (successful or refused), for the page and the audit."""

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16)  # web / api / command
    ok = models.BooleanField()
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    # What a re-scan after the import covers: the accounts its files name, or (a file that
    # moves every account's drift: securities, prices, models, drift rules) the whole firm.
    changed_account_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    changes_firm_wide = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]

    SOURCE_LABELS = {"web": "Import page", "api": "API", "command": "Command line"}

    @property
    def source_label(self) -> str:
        return self.SOURCE_LABELS.get(self.source, self.source.capitalize())

    @property
    def counts_summary(self) -> str:
        """`accounts.csv: 12 rows, positions.csv: 80 rows`."""
        from portfolios.importer.formats import counts_summary

        return counts_summary(self.counts)


# --- Reference data about securities, per firm (the wash-sale rule and tax-loss harvesting) ---


class SubstantiallyIdenticalPair(FirmOwned):
    """Two securities a wash sale treats as one. Stored with security_a_id < security_b_id."""

    security_a = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="+")
    security_b = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "compliance_substantiallyidenticalpair"  # its table since it lived in compliance
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
        db_table = "compliance_substitute"  # its table since it lived in compliance
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "security", "substitute"], name="substitute_unique"
            )
        ]
        ordering = ["security", "rank"]
