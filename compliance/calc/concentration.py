"""Concentration: no single security above `max_pct` of the account after the trades. Which
security types it applies to is the firm's choice; diversified funds are exempt by default."""

import math
from decimal import Decimal

import pandas as pd

from core.formatting import fixed, money

from .frames import CheckInputs, Outcome, after_trades


def concentration_check(
    inputs: CheckInputs, params: dict, after: pd.DataFrame | None = None
) -> dict[int, Outcome]:
    after = after_trades(inputs) if after is None else after
    limit = float(Decimal(params["max_pct"]))
    applies = after["security_type"].isin(params["security_types"])
    if params["exempt_diversified"]:
        applies &= ~after["diversified"].fillna(False).astype(bool)
    over = after[applies & (after["weight"] > limit)]
    prices = inputs.trades.groupby("security_id")["price"].last()
    return {
        int(pid): _outcome(rows, params["max_pct"], prices)
        for pid, rows in over.groupby("proposal_id")
    }


def _outcome(rows: pd.DataFrame, limit: str, prices: pd.Series) -> Outcome:
    items = [
        {
            "symbol": r.symbol,
            "weight_pct": _over(r.weight, limit),
            "value": fixed(r.after),
            "account_total": fixed(r.total),
            "limit_pct": limit,
        }
        for r in rows.itertuples()
    ]
    names = ", ".join(f"{i['symbol']} at {i['weight_pct']}%" for i in items)
    return Outcome(
        f"Above the {limit}% single-security limit after the trades: {names}.",
        {"over": items},
        _capped_buys(rows, float(limit), prices),
    )


def _over(weight: float, limit: str) -> str:
    """Two places, or four when two would round an excess down to the limit itself."""
    shown = fixed(weight)
    return shown if Decimal(shown) > Decimal(limit) else f"{weight:.4f}"


def _capped_buys(rows: pd.DataFrame, limit: float, prices: pd.Series) -> dict:
    """A buy that keeps the security at the limit: what it may add to what is held already."""
    caps = []
    for r in rows[rows["bought"] > 0].itertuples():
        room = max(limit / 100.0 * r.total - (r.before - r.sold), 0.0)
        price = float(prices.get(r.security_id, 0.0)) or 1.0
        caps.append(
            {
                "symbol": r.symbol,
                "max_value": fixed(room),
                "max_quantity": str(math.floor(room / price)),
                "proposed_value": fixed(r.bought),
            }
        )
    if not caps:
        return {
            "action": "reduce",
            "text": "Already concentrated before this proposal: "
            "consider a sell to bring it under the limit.",
        }
    text = "; ".join(
        f"buy at most {int(c['max_quantity']):,} {c['symbol']} ({money(c['max_value'])}) "
        f"instead of {money(c['proposed_value'])}"
        for c in caps
    )
    return {"action": "cap_buy", "caps": caps, "text": f"Cap the buy: {text}."}
