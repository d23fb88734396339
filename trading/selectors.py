"""Reads of the trading app: the batch's input frame, active pauses and holds, pages."""

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from django.db.models import OuterRef, Subquery

from core.pgcopy import frame_from_sql
from drift.calc.wash_sale import WINDOW_DAYS
from drift.choices import OPEN_STATUSES, ProposalStatus
from drift.models import Proposal

from .choices import OrderStatus, PauseScope
from .models import Batch, BlockOrder, ExecutionPause, ProposalHold, TradingSettings

TRADES_SQL = """
WITH last_price AS (
  SELECT DISTINCT ON (security_id) security_id, close FROM portfolios_price
  WHERE firm_id = %(firm)s AND date <= %(day)s ORDER BY security_id, date DESC
)
SELECT t.id AS trade_id, t.proposal_id, p.version, p.account_id,
       a.number AS account_number, a.custodian_id,
       c.code AS custodian_code, c.supports_fractional::int AS supports_fractional, a.model_id,
       t.security_id, s.symbol, s.security_type, t.side,
       t.quantity::text AS quantity, t.price::text AS approved_price, lp.close::text AS last_price,
       (cs.id IS NOT NULL)::int AS tradable,
       -- A sell approved at a gain that would now realise a loss on a lot, while the client's
       -- wash-sale group bought the security within the window before the trade date: this
       -- account's own lot bought then, or a purchase (a lot, an imported buy, an open
       -- proposal's buy) in another account of the household. The window's one rule:
       -- drift.calc.wash_sale.
       (t.side = 'sell' AND EXISTS (
          SELECT 1 FROM jsonb_to_recordset(t.lots) AS l(lot bigint, gain numeric, quantity numeric)
          JOIN portfolios_taxlot tl ON tl.firm_id = %(firm)s AND tl.id = l.lot
          WHERE l.gain >= 0 AND l.gain + (lp.close - t.price) * l.quantity < 0
            AND (tl.acquired_on >= %(day)s::date - %(window)s
              OR EXISTS (
              -- The other accounts of the client's group, found by key: the client itself and
              -- the clients of its household (never a group key computed over every account).
              SELECT 1 FROM portfolios_client c1
              JOIN portfolios_client c2 ON c2.firm_id = c1.firm_id
                AND (c2.id = c1.id OR c2.household_id = c1.household_id)
              JOIN portfolios_account a2 ON a2.firm_id = c2.firm_id AND a2.client_id = c2.id
              WHERE c1.firm_id = %(firm)s AND c1.id = a.client_id AND a2.id <> a.id
                AND (EXISTS (SELECT 1 FROM portfolios_taxlot l2 WHERE l2.firm_id = %(firm)s
                              AND l2.account_id = a2.id AND l2.security_id = t.security_id
                              AND l2.acquired_on >= %(day)s::date - %(window)s)
                  OR EXISTS (SELECT 1 FROM portfolios_transaction x WHERE x.firm_id = %(firm)s
                              AND x.account_id = a2.id AND x.security_id = t.security_id
                              AND x.side = 'buy' AND x.date >= %(day)s::date - %(window)s)
                  OR EXISTS (SELECT 1 FROM drift_proposal p2
                              JOIN drift_proposaltrade t2 ON t2.firm_id = p2.firm_id
                                AND t2.proposal_id = p2.id
                              WHERE p2.firm_id = %(firm)s AND p2.account_id = a2.id
                                AND t2.security_id = t.security_id AND t2.side = 'buy'
                                AND p2.status = ANY(%(open)s)))))))::int AS young_lot_now_at_loss
FROM drift_proposaltrade t
JOIN drift_proposal p ON p.id = t.proposal_id
JOIN portfolios_account a ON a.id = p.account_id
JOIN portfolios_custodian c ON c.id = a.custodian_id
JOIN portfolios_security s ON s.id = t.security_id
LEFT JOIN last_price lp ON lp.security_id = t.security_id
LEFT JOIN portfolios_custodiansecurity cs
  ON cs.custodian_id = a.custodian_id AND cs.security_id = t.security_id
WHERE t.firm_id = %(firm)s AND p.status = %(status)s
ORDER BY t.proposal_id, t.id
"""
TEXT = {
    "quantity": str,
    "approved_price": str,
    "last_price": str,
    "account_number": str,
    "symbol": str,
    "custodian_code": str,
    "side": str,
    "security_type": str,
}


def approved_trades(*, firm_id: int, day: date) -> pd.DataFrame:
    """Every trade of every approved proposal, with the last close on or before `day`."""
    return frame_from_sql(
        TRADES_SQL,
        {
            "firm": firm_id,
            "day": day,
            "status": ProposalStatus.APPROVED,
            "window": WINDOW_DAYS,
            "open": sorted(OPEN_STATUSES),
        },
        dtype=TEXT,
    )


def trading_settings(firm_id: int) -> TradingSettings:
    return TradingSettings.objects.filter(firm_id=firm_id).first() or TradingSettings(
        firm_id=firm_id
    )


@dataclass
class Pauses:
    firm: ExecutionPause | None = None
    custodians: dict = field(default_factory=dict)
    models: dict = field(default_factory=dict)
    accounts: dict = field(default_factory=dict)
    held: dict = field(default_factory=dict)


def active_pauses() -> Pauses:
    pauses = Pauses()
    for p in ExecutionPause.objects.filter(resumed_at__isnull=True).order_by("paused_at"):
        if p.scope == PauseScope.FIRM:
            pauses.firm = pauses.firm or p
        else:
            getattr(pauses, f"{p.scope}s")[getattr(p, f"{p.scope}_id")] = p.reason
    pauses.held = dict(
        ProposalHold.objects.filter(released_at__isnull=True).values_list("proposal_id", "reason")
    )
    return pauses


def firm_pause_open() -> ExecutionPause | None:
    """The firm's latest open firm-wide pause, or None."""
    return (
        ExecutionPause.objects.filter(scope=PauseScope.FIRM, resumed_at__isnull=True)
        .order_by("-paused_at")
        .first()
    )


def active_pause_list():
    return (
        ExecutionPause.objects.filter(resumed_at__isnull=True)
        .select_related("custodian", "model", "account", "paused_by__user")
        .order_by("-paused_at")
    )


def batch_list():
    return Batch.objects.order_by("-trade_date")


def held_block_list():
    """Blocks a pause stopped mid-batch: written, not sent, waiting for the next batch after
    resume."""
    return (
        BlockOrder.objects.filter(status=OrderStatus.PAUSED)
        .select_related("batch", "custodian", "security")
        .order_by("batch__trade_date", "pk")
    )


def approved_waiting():
    """Approved proposals waiting for the batch, each with `hold` (its active hold's reason,
    or None): the trading page offers "Release" only on held ones. One query."""
    active = ProposalHold.objects.filter(proposal=OuterRef("pk"), released_at__isnull=True)
    return (
        Proposal.objects.filter(status=ProposalStatus.APPROVED)
        .select_related("account")
        .annotate(hold=Subquery(active.values("reason")[:1]))
        .order_by("pk")
    )
