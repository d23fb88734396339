"""A custodian's positions file compared with the book (ReconciliationRun) and the differences
it found (ReconciliationBreak), all firm-owned and row-level secured."""

from django.db import models
from django.db.models import Q

from firms.models import FirmOwned, Membership
from portfolios.models import MONEY, PRICE, QTY, Account, Custodian, Security

from .choices import BreakKind, BreakStatus, RunSource


class ReconciliationRun(FirmOwned):
    """One file of one custodian and day, reconciled or refused (errors by file, row, column)."""

    custodian = models.ForeignKey(
        Custodian, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # None: a refused upload naming no custodian of the firm
    as_of = models.DateField(
        null=True, blank=True, help_text="The day whose closing positions the file holds."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=8, choices=RunSource.choices)
    file_name = models.CharField(max_length=200, blank=True)
    ok = models.BooleanField()
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["firm", "custodian", "as_of"])]

    def __str__(self):
        return f"{self.custodian} {self.as_of}"


class ReconciliationBreak(FirmOwned):
    """One difference between the custodian's file and the book: per account and security
    (cash is the account's cash security). Sizes are the custodian's figure less the book's:
    quantity, and market value at the day's close (None when the security has no price)."""

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="breaks")
    custodian = models.ForeignKey(Custodian, on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField(help_text="The file's day that last showed the break.")
    first_seen = models.DateField()
    kind = models.CharField(max_length=20, choices=BreakKind.choices)
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    account_number = models.CharField(max_length=32)
    security = models.ForeignKey(
        Security, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    symbol = models.CharField(max_length=16, blank=True)
    line = models.PositiveIntegerField(null=True, blank=True, help_text="Row in the file.")
    book_quantity = models.DecimalField(**QTY)
    custodian_quantity = models.DecimalField(**QTY)
    quantity_difference = models.DecimalField(**QTY, help_text="Custodian less book.")
    price = models.DecimalField(**PRICE, null=True, blank=True)
    market_value = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Quantity difference at the day's close."
    )
    status = models.CharField(max_length=10, choices=BreakStatus.choices, default=BreakStatus.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_number", "kind", "symbol"]
        constraints = [
            # One open break per difference: a later file updates it rather than repeating it.
            models.UniqueConstraint(
                fields=["firm", "custodian", "account_number", "kind", "symbol"],
                condition=Q(status=BreakStatus.OPEN),
                name="recon_break_open_unique",
            ),
        ]
        indexes = [
            # The drift scan's read: the open breaks of the scanned accounts, by key.
            models.Index(
                fields=["firm", "account"],
                condition=Q(status=BreakStatus.OPEN),
                name="recon_break_open_account",
            ),
            models.Index(fields=["firm", "as_of", "status"]),
            models.Index(fields=["firm", "status", "account_number"]),
        ]

    def __str__(self):
        return f"{self.account_number} {self.get_kind_display()} {self.symbol}".strip()

    @property
    def is_open(self) -> bool:
        return self.status == BreakStatus.OPEN
