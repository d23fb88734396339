"""The accounts' books after fills, set-based: transactions, new lots for buys, the lots a sell
named consumed in the order named, positions and the cash residual. Runs inside the caller's
transaction with the block claims, so a fill reaches the book exactly once."""

from decimal import Decimal

import pandas as pd
from django.db import connection

from core.pgcopy import copy_frame_to_temp, insert_frame
from core.sql import execute_script
from drift.models import ProposalTrade
from portfolios.choices import Side
from portfolios.models import TaxLot

from ..models import Batch

CENT = Decimal("0.01")
POSITIONS_SQL = """
UPDATE portfolios_position p SET quantity = GREATEST(0, p.quantity + d.delta)
FROM tmp_position_delta d WHERE p.account_id = d.account_id AND p.security_id = d.security_id;
INSERT INTO portfolios_position (firm_id, account_id, security_id, quantity)
SELECT %(firm)s, d.account_id, d.security_id, d.delta FROM tmp_position_delta d
WHERE d.delta > 0 AND NOT EXISTS (
  SELECT 1 FROM portfolios_position p
  WHERE p.account_id = d.account_id AND p.security_id = d.security_id);
UPDATE portfolios_position p SET quantity = GREATEST(0, p.quantity + c.cash)
FROM tmp_cash_delta c WHERE p.account_id = c.account_id AND p.security_id = (
  SELECT min(p2.security_id) FROM portfolios_position p2
  JOIN portfolios_security s ON s.id = p2.security_id
  WHERE p2.account_id = c.account_id AND s.asset_class = 'cash');
"""


def book_apply(*, batch: Batch, orders: pd.DataFrame) -> None:
    if orders.empty:
        return
    sells = orders[orders["side"] == Side.SELL]
    gains = _lots_consume(sells) if not sells.empty else {}
    _transactions(batch, orders, gains)
    _buy_lots(batch, orders[orders["side"] == Side.BUY])
    _positions(batch, orders)


def _lots_consume(sells: pd.DataFrame) -> dict:
    """Take each sell's fill from the lots its trade named, in that order. Returns gains."""
    named = dict(
        ProposalTrade.objects.filter(id__in=[int(t) for t in sells["trade_id"]]).values_list(
            "id", "lots"
        )
    )
    lot_ids = {int(item["lot"]) for items in named.values() for item in items}
    lots = {
        pk: [q, c]
        for pk, q, c in TaxLot.objects.filter(id__in=lot_ids).values_list(
            "id", "quantity", "cost_basis"
        )
    }
    gains = {}
    for s in sells.itertuples(index=False):
        remaining, cost = s.filled, Decimal(0)
        for item in named.get(s.trade_id, []):
            lot = lots.get(int(item["lot"]))
            if lot is None or remaining <= 0:
                continue
            take = min(remaining, Decimal(str(item["quantity"])), lot[0])
            part = (lot[1] * take / lot[0]).quantize(CENT) if lot[0] > 0 else Decimal(0)
            lot[0], lot[1], remaining, cost = (
                lot[0] - take,
                lot[1] - part,
                remaining - take,
                cost + part,
            )
        gains[s.order_id] = (s.filled * s.price - s.fees - cost).quantize(CENT)
    _lots_write(lots, lot_ids)
    return gains


def _lots_write(lots: dict, lot_ids: set) -> None:
    gone = [pk for pk in lot_ids if pk in lots and lots[pk][0] <= 0]
    kept = pd.DataFrame(
        [(pk, q, max(c, Decimal(0))) for pk, (q, c) in lots.items() if q > 0],
        columns=["id", "quantity", "cost_basis"],
    )
    TaxLot.objects.filter(id__in=gone).delete()
    if kept.empty:
        return
    copy_frame_to_temp(
        "tmp_lot_left", {"id": "bigint", "quantity": "numeric", "cost_basis": "numeric"}, kept
    )
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE portfolios_taxlot l SET quantity = k.quantity, cost_basis = k.cost_basis "
            "FROM tmp_lot_left k WHERE l.id = k.id AND (l.quantity, l.cost_basis) <> (k.quantity, "
            "k.cost_basis)"
        )


def _transactions(batch: Batch, orders: pd.DataFrame, gains: dict) -> None:
    insert_frame(
        "portfolios_transaction",
        pd.DataFrame(
            {
                "firm_id": batch.firm_id,
                "account_id": orders["account_id"],
                "date": batch.trade_date.isoformat(),
                "security_id": orders["security_id"],
                "side": orders["side"],
                "quantity": orders["filled"],
                "price": orders["price"],
                "realized_gain": [gains.get(o) for o in orders["order_id"]],
            }
        ),
    )


def _buy_lots(batch: Batch, buys: pd.DataFrame) -> None:
    if buys.empty:
        return
    insert_frame(
        "portfolios_taxlot",
        pd.DataFrame(
            {
                "firm_id": batch.firm_id,
                "account_id": buys["account_id"],
                "security_id": buys["security_id"],
                "acquired_on": batch.trade_date.isoformat(),
                "quantity": buys["filled"],
                "cost_basis": [
                    (q * p + f).quantize(CENT)
                    for q, p, f in zip(buys["filled"], buys["price"], buys["fees"])
                ],
            }
        ),
    )


def _positions(batch: Batch, orders: pd.DataFrame) -> None:
    sign = orders["side"].map({Side.BUY: Decimal(1), Side.SELL: Decimal(-1)})
    delta = pd.DataFrame(
        {
            "account_id": orders["account_id"],
            "security_id": orders["security_id"],
            "delta": [s * q for s, q in zip(sign, orders["filled"])],
        }
    )
    cash = pd.DataFrame(
        {
            "account_id": orders["account_id"],
            "cash": [
                -s * q * p - f
                for s, q, p, f in zip(sign, orders["filled"], orders["price"], orders["fees"])
            ],
        }
    )
    cash = cash.groupby("account_id", as_index=False)["cash"].agg(lambda c: sum(c, Decimal(0)))
    copy_frame_to_temp(
        "tmp_position_delta",
        {"account_id": "bigint", "security_id": "bigint", "delta": "numeric"},
        delta,
    )
    copy_frame_to_temp("tmp_cash_delta", {"account_id": "bigint", "cash": "numeric"}, cash)
    with connection.cursor() as cur:
        execute_script(cur, POSITIONS_SQL, {"firm": batch.firm_id})
        cur.execute("DROP TABLE tmp_position_delta; DROP TABLE tmp_cash_delta")
