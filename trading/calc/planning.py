"""What a batch will do, decided from the approved trades (pure, no writes): which proposals
are skipped and why, which are rebuilt at today's prices for the client, and the orders and
blocks of the rest.
The dry run shows exactly this; the batch writes it."""

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd

from drift.calc.quantities import tradable_quantity
from portfolios.choices import Side

from ..choices import OrderStatus, OrderType
from .policy import limit_price_for, order_type_for

if TYPE_CHECKING:  # the pauses are read by selectors.active_pauses; only their type is needed here
    from ..selectors import Pauses


@dataclass
class Plan:
    orders: pd.DataFrame  # one row per trade to write (pending or held)
    skipped: list[dict]  # proposals left approved (not routable, paused, held, no price) and why
    reconsent: list[dict]  # proposals superseded and rebuilt at today's prices (back to the client)

    def blocks(self) -> pd.DataFrame:
        return blocks_of(self.orders)


def _skip_reason(row, pauses: "Pauses", not_routable: dict) -> str:
    if row.proposal_id in not_routable:
        return f"Not sent: {not_routable[row.proposal_id]}"
    if row.proposal_id in pauses.held:
        return f"Held: {pauses.held[row.proposal_id]}"
    for scope, key in (
        ("accounts", "account_id"),
        ("custodians", "custodian_id"),
        ("models", "model_id"),
    ):
        reason = getattr(pauses, scope).get(getattr(row, key))
        if reason is not None:
            return f"Execution paused for this {scope[:-1]}: {reason}"
    return ""


def _moves(frame: pd.DataFrame) -> pd.Series:
    """Largest absolute price move per proposal, percent of the approved price."""
    move = [
        abs(Decimal(lp) - Decimal(ap)) / Decimal(ap) * 100
        if isinstance(lp, str)
        else Decimal("Infinity")
        for lp, ap in zip(frame["last_price"], frame["approved_price"])
    ]
    return pd.Series(move, index=frame.index).groupby(frame["proposal_id"]).max()


def plan_build(
    frame: pd.DataFrame, *, settings, tolerances, pauses: "Pauses", not_routable: dict
) -> Plan:
    """`settings`: the firm's order policy (TradingSettings); `tolerances`: its consent
    freshness (approvals.ApprovalSettings: reprice_tolerance_pct, reconsent_tolerance_pct);
    `not_routable`: proposal id → why compliance's gate refuses it (proposals_not_routable)."""
    if frame.empty:
        return Plan(frame.assign(status=[], note=[]), [], [])
    first = frame.drop_duplicates("proposal_id")
    reasons = {
        r.proposal_id: _skip_reason(r, pauses, not_routable) for r in first.itertuples(index=False)
    }
    moves = _moves(frame)
    skipped = [
        _entry(r, reasons[r.proposal_id])
        for r in first.itertuples(index=False)
        if reasons[r.proposal_id]
    ]
    no_price = set(moves[moves == Decimal("Infinity")].index) - {s["proposal"] for s in skipped}
    skipped += [
        _entry(r, "No price for a traded security")
        for r in first.itertuples(index=False)
        if r.proposal_id in no_price
    ]
    out = {s["proposal"] for s in skipped}
    limit = Decimal(tolerances.reconsent_tolerance_pct)
    reconsent = [
        {
            **_entry(r, f"Prices moved {moves[r.proposal_id]:.2f}% since approval (over {limit}%)"),
            "move": moves[r.proposal_id].quantize(Decimal("0.001")),
        }
        for r in first.itertuples(index=False)
        if r.proposal_id not in out and moves[r.proposal_id] > limit
    ]
    out |= {r["proposal"] for r in reconsent}
    reconsent += _now_washing(first, frame, out, moves)
    out |= {r["proposal"] for r in reconsent}
    trading = frame[~frame["proposal_id"].isin(out)]
    return Plan(
        orders_of(
            trading,
            settings=settings,
            moves=moves,
            reprice_pct=Decimal(tolerances.reprice_tolerance_pct),
        ),
        skipped,
        reconsent,
    )


def _now_washing(
    first: pd.DataFrame, frame: pd.DataFrame, out: set, moves: pd.Series
) -> list[dict]:
    """Proposals whose sale, approved at a gain, would now realise a loss while the client's
    household bought the security within the wash-sale window (this account's young lot or a
    purchase in another account): a wash sale the client never approved. They are rebuilt
    at today's prices like a move past the consent tolerance (the builder then sells gain lots
    only, or waits)."""
    if (
        "young_lot_now_at_loss" not in frame
        or not frame["young_lot_now_at_loss"].astype(bool).any()
    ):
        return []
    hit = set(frame.loc[frame["young_lot_now_at_loss"].astype(bool), "proposal_id"]) - out
    return [
        {
            **_entry(
                r,
                "A sale approved at a gain would now realise a loss while the household bought "
                "the security within the wash-sale window",
            ),
            "move": moves[r.proposal_id].quantize(Decimal("0.001")),
        }
        for r in first.itertuples(index=False)
        if r.proposal_id in hit
    ]


def _entry(row, reason: str) -> dict:
    return {"proposal": int(row.proposal_id), "account": row.account_number, "reason": reason}


def orders_of(
    frame: pd.DataFrame, *, settings, moves: pd.Series, reprice_pct: Decimal
) -> pd.DataFrame:
    """Order fields per trade: type, limit, whole shares where needed, held with a reason."""
    rows = [
        _order(r, settings, moves.get(r.proposal_id, Decimal(0)), reprice_pct)
        for r in frame.itertuples(index=False)
    ]
    orders = pd.DataFrame(rows, columns=ORDER_COLUMNS)
    return orders


ORDER_COLUMNS = [
    "trade_id",
    "proposal_id",
    "account_id",
    "account_number",
    "custodian_id",
    "security_id",
    "symbol",
    "side",
    "client_order_id",
    "order_type",
    "limit_price",
    "approved_price",
    "reference_price",
    "quantity",
    "status",
    "note",
]


def _order(r, settings, move: Decimal, reprice_pct: Decimal) -> list:
    price = Decimal(r.last_price)
    kind = order_type_for(r.security_type, settings.limit_types)
    limit = (
        limit_price_for(r.side, price, Decimal(settings.limit_pct))
        if kind == OrderType.LIMIT
        else None
    )
    quantity = Decimal(r.quantity)
    if not r.supports_fractional:
        quantity = tradable_quantity(quantity, fractional=False)
    status, note = OrderStatus.PENDING, ""
    if move > reprice_pct:
        note = f"Re-priced: {move:.2f}% from the approved price"
    if not r.tradable:
        status, note = OrderStatus.HELD, f"Custodian {r.custodian_code} cannot trade {r.symbol}"
    elif quantity <= 0:
        status, note = (
            OrderStatus.HELD,
            f"Less than one share; custodian {r.custodian_code} trades whole shares only",
        )
    coid = f"P{r.proposal_id}v{r.version}T{r.trade_id}"
    return [
        r.trade_id,
        r.proposal_id,
        r.account_id,
        r.account_number,
        r.custodian_id,
        r.security_id,
        r.symbol,
        r.side,
        coid,
        kind,
        limit,
        Decimal(r.approved_price),
        price,
        quantity,
        status,
        note,
    ]


def blocks_of(orders: pd.DataFrame) -> pd.DataFrame:
    """Pending orders aggregated per custodian, security and side; sells first."""
    live = orders[orders["status"] == OrderStatus.PENDING]
    if live.empty:
        return pd.DataFrame(
            columns=[
                "custodian_id",
                "security_id",
                "side",
                "symbol",
                "order_type",
                "limit_price",
                "reference_price",
                "quantity",
                "accounts",
            ]
        )
    keys = ["custodian_id", "security_id", "side"]
    blocks = live.groupby(keys, as_index=False, sort=False).agg(
        symbol=("symbol", "first"),
        order_type=("order_type", "first"),
        limit_price=("limit_price", "first"),
        reference_price=("reference_price", "first"),
        quantity=("quantity", lambda q: sum(q, Decimal(0))),
        accounts=("account_id", "count"),
    )
    blocks["phase"] = (blocks["side"] == Side.BUY).astype(int)
    return (
        blocks.sort_values(["phase", "custodian_id", "security_id"])
        .drop(columns="phase")
        .reset_index(drop=True)
    )
