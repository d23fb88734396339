"""Trade batches, block orders with their written allocation plan, per-account orders, fills,
the kill switch and per-firm trading settings. Every model is firm-owned (scoped manager +
row-level security); unique keys lead with the firm."""

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from core.formatting import count
from drift.choices import ProposalStatus
from drift.models import Proposal, ProposalTrade
from firms.models import FirmOwned, Membership
from portfolios.choices import SecurityType, Side
from portfolios.models import MONEY, PRICE, QTY, Account, Custodian, ModelPortfolio, Security

from .choices import BatchStatus, BatchTrigger, OrderStatus, OrderType, PauseScope

PCT = {"max_digits": 7, "decimal_places": 3}


def default_limit_types() -> list[str]:
    return [SecurityType.STOCK, SecurityType.BOND, SecurityType.ALTERNATIVE]


class TradingSettings(FirmOwned):
    """A firm's order policy (defaults when absent). The consent-freshness tolerances the batch
    applies are the firm's approval settings (approvals.ApprovalSettings), edited on
    the approvals settings page; they are not kept here."""

    limit_pct = models.DecimalField(
        **PCT, default=Decimal("1"), help_text="Limit distance from the last price, percent."
    )
    limit_types = ArrayField(
        models.CharField(max_length=16, choices=SecurityType.choices),
        default=default_limit_types,
        help_text="Security types that get limit orders; the rest get market orders.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm"], name="trading_settings_one_per_firm")
        ]
        verbose_name_plural = "trading settings"


class Batch(FirmOwned):
    """The firm's trade batch of one trading day: exactly one row per firm and date."""

    trade_date = models.DateField()
    status = models.CharField(
        max_length=12, choices=BatchStatus.choices, default=BatchStatus.RUNNING
    )
    trigger = models.CharField(
        max_length=12, choices=BatchTrigger.choices, default=BatchTrigger.SCHEDULE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    counts = models.JSONField(default=dict)
    skipped = models.JSONField(default=list, help_text="Proposals left out and why.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "trade_date"], name="batch_unique_per_day")
        ]
        ordering = ["-trade_date"]

    def __str__(self):
        return f"Batch {self.trade_date}"

    # What `counts` (stored by the run, keys as the code names them) reads as on the batch page.
    _COUNT_NOUNS = (
        ("orders", "order", "orders"),
        ("queued", "order queued", "orders queued"),
        ("skipped", "proposal skipped", "proposals skipped"),
        ("reconsent", "proposal sent back to the client", "proposals sent back to the client"),
        ("blocks_sent", "block sent", "blocks sent"),
        ("blocks_settled", "block settled", "blocks settled"),
        ("blocks_held", "block held by a pause", "blocks held by a pause"),
    )

    @property
    def counts_summary(self) -> str:
        """`8 orders · 1 order queued · 8 blocks sent · proposals: 1 partially executed`."""
        c = self.counts or {}
        parts = [count(c[k], one, many) for k, one, many in self._COUNT_NOUNS if k in c]
        settled = [
            f"{n:,} {ProposalStatus(status).label.lower()}"
            for status, n in (c.get("proposals") or {}).items()
            if n and status in ProposalStatus.values
        ]
        if settled:
            parts.append("proposals: " + ", ".join(settled))
        return " · ".join(parts)


class BlockOrder(FirmOwned):
    """Orders aggregated per custodian, security and side. `plan` is the written allocation
    statement (order id, account, quantity), stored before the block is sent."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="blocks")
    custodian = models.ForeignKey(Custodian, on_delete=models.PROTECT, related_name="+")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=4, choices=Side.choices)
    client_order_id = models.CharField(max_length=80)
    order_type = models.CharField(max_length=8, choices=OrderType.choices)
    limit_price = models.DecimalField(**PRICE, null=True, blank=True)
    reference_price = models.DecimalField(**PRICE)
    quantity = models.DecimalField(**QTY)
    plan = models.JSONField(default=list)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    filled_quantity = models.DecimalField(**QTY, default=Decimal("0"))
    avg_price = models.DecimalField(**PRICE, null=True, blank=True)
    fees = models.DecimalField(**MONEY, default=Decimal("0"))
    reject_reason = models.CharField(max_length=300, blank=True)
    hold_note = models.CharField(
        max_length=300, blank=True, help_text="The pause that held this block back, when one did."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    allocated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "client_order_id"], name="block_client_order_id_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="block_quantity_positive"),
        ]
        indexes = [models.Index(fields=["firm", "batch", "status"])]

    def __str__(self):
        return self.client_order_id


class Order(FirmOwned):
    """One account's order for one proposal trade: the outbox row, written before anything is
    sent. Its client order id derives from the proposal version and the trade."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="orders")
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="orders")
    trade = models.ForeignKey(ProposalTrade, on_delete=models.PROTECT, related_name="+")
    block = models.ForeignKey(
        BlockOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    custodian = models.ForeignKey(Custodian, on_delete=models.PROTECT, related_name="+")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="+")
    side = models.CharField(max_length=4, choices=Side.choices)
    client_order_id = models.CharField(max_length=80)
    order_type = models.CharField(max_length=8, choices=OrderType.choices)
    limit_price = models.DecimalField(**PRICE, null=True, blank=True)
    approved_price = models.DecimalField(**PRICE)
    reference_price = models.DecimalField(**PRICE)
    quantity = models.DecimalField(**QTY)
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    note = models.CharField(
        max_length=300, blank=True, help_text="Why held, rejected or re-priced."
    )
    filled_quantity = models.DecimalField(**QTY, default=Decimal("0"))
    avg_price = models.DecimalField(**PRICE, null=True, blank=True)
    fees = models.DecimalField(**MONEY, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "client_order_id"], name="order_client_order_id_unique"
            ),
            models.UniqueConstraint(fields=["firm", "trade"], name="order_one_per_trade"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="order_quantity_nonnegative"),
        ]
        indexes = [
            models.Index(fields=["firm", "batch", "status"]),
            models.Index(fields=["firm", "proposal"]),
            models.Index(fields=["firm", "block"]),
        ]
        ordering = ["id"]


class Fill(FirmOwned):
    """An execution report for a block, as the custodian sent it (unique per execution id)."""

    block = models.ForeignKey(BlockOrder, on_delete=models.PROTECT, related_name="fills")
    exec_id = models.CharField(max_length=80)
    quantity = models.DecimalField(**QTY)
    price = models.DecimalField(**PRICE)
    fees = models.DecimalField(**MONEY, default=Decimal("0"))
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "block", "exec_id"], name="fill_exec_unique")
        ]


class ExecutionPause(FirmOwned):
    """The kill switch: automated execution paused for the firm, a custodian, a model or an
    account until resumed. Paused proposals stay approved and join the batch after resume."""

    scope = models.CharField(max_length=12, choices=PauseScope.choices)
    custodian = models.ForeignKey(
        Custodian, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    model = models.ForeignKey(
        ModelPortfolio, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=300)
    paused_by = models.ForeignKey(
        Membership, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    paused_at = models.DateTimeField(auto_now_add=True)
    resumed_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["firm", "resumed_at"])]
        ordering = ["-paused_at"]


class ProposalHold(FirmOwned):
    """A manual hold on one approved proposal: the batch skips it until released."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    held_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    held_at = models.DateTimeField(auto_now_add=True)
    released_by = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "proposal"],
                condition=Q(released_at__isnull=True),
                name="hold_one_active_per_proposal",
            )
        ]


class ConsentRecheck(FirmOwned):
    """A proposal sent back to the client at batch time: prices moved past the tolerance."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="+")
    max_move_pct = models.DecimalField(**PCT)
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["firm", "proposal"], name="recheck_one_per_proposal")
        ]


class TradeConfirmationPending(FirmOwned):
    """A client confirmation owed for a settled proposal, written with the settlement; handed
    to the notifications outbox right after the batch (`handed_at`)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=20)
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    handed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "proposal"], name="confirmation_one_per_proposal"
            )
        ]


class SimulatedCustodianOrder(FirmOwned):
    """The simulated custodian's own book: what it received. A real custodian refuses a second
    order with the same client order id; this one does too, and counts every attempt."""

    custodian = models.ForeignKey(Custodian, on_delete=models.CASCADE, related_name="+")
    client_order_id = models.CharField(max_length=80)
    side = models.CharField(max_length=4, choices=Side.choices)
    quantity = models.DecimalField(**QTY)
    order_type = models.CharField(max_length=8, choices=OrderType.choices)
    limit_price = models.DecimalField(**PRICE, null=True, blank=True)
    reference_price = models.DecimalField(**PRICE)
    attempts = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "custodian", "client_order_id"], name="simulated_order_unique"
            )
        ]
