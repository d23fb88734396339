"""The threshold review's inputs, read set-based (four statements whatever the size of the
segment): the segment's accounts with their custodian's costs, their positions, the model
targets, and the price matrix of every security involved over the replayed trading days."""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from core.pgcopy import frame_from_sql
from drift.selectors.scan import securities_frame, targets_frame
from portfolios.calc.market_calendar import trading_days

_ACCOUNTS_SQL = """
SELECT a.id AS account_id, a.model_id,
  (COALESCE(c.fee_bps, 0) + COALESCE(c.spread_bps, 0))::float8 AS cost_bps
FROM portfolios_account a JOIN portfolios_custodian c ON c.id = a.custodian_id
WHERE a.firm_id = %(f)s AND a.segment = %(seg)s ORDER BY a.id
"""
_POSITIONS_SQL = """
SELECT pos.account_id, pos.security_id, pos.quantity::float8 AS quantity
FROM portfolios_position pos JOIN portfolios_account a ON a.id = pos.account_id
WHERE pos.firm_id = %(f)s AND a.firm_id = %(f)s AND a.segment = %(seg)s AND pos.quantity > 0
"""
# Each security's closes in the period, plus its last close before it (carried forward).
_PRICES_SQL = """
SELECT security_id, date, close::float8 AS close FROM portfolios_price
WHERE firm_id = %(f)s AND security_id = ANY(%(s)s) AND date BETWEEN %(lo)s AND %(hi)s
UNION ALL
SELECT DISTINCT ON (security_id) security_id, date, close::float8 FROM portfolios_price
WHERE firm_id = %(f)s AND security_id = ANY(%(s)s) AND date < %(lo)s ORDER BY security_id, date DESC
"""


@dataclass
class ReplayInputs:
    days: list[date]  # D trading days
    accounts: pd.DataFrame  # account_id, model_id, cost_bps (N rows, index 0..N-1)
    security_ids: np.ndarray  # S securities: held by an account or targeted by a model
    asset_class: np.ndarray  # S asset classes
    quantity: np.ndarray  # N × S shares held (constant over the replay)
    price: np.ndarray  # D × S close on or before each day (NaN: none yet)
    stale: np.ndarray  # D × S True when that close is from an earlier day
    targets: pd.DataFrame  # model_id, asset_class, security_id, weight (models of the segment)


def _price_matrix(
    firm_id: int, days: list[date], securities: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    ids = securities["security_id"].to_numpy()
    rows = frame_from_sql(
        _PRICES_SQL,
        {"f": firm_id, "s": list(map(int, ids)), "lo": days[0], "hi": days[-1]},
        dtype={"security_id": "int64", "close": "float64"},
        parse_dates=["date"],
    )
    index = pd.DatetimeIndex(pd.to_datetime(days))
    wide = rows.pivot_table(index="date", columns="security_id", values="close", aggfunc="last")
    wide = wide.reindex(columns=ids)
    dated = wide.reindex(wide.index.union(index)).sort_index()
    price = dated.ffill().reindex(index)
    on_day = dated.reindex(index).notna()
    cash = (securities["security_type"] == "cash").to_numpy()
    p = price.to_numpy(float, copy=True)
    stale = (~on_day.to_numpy(bool)) & ~np.isnan(p)
    p[:, cash], stale[:, cash] = 1.0, False
    return p, stale


def replay_inputs(*, firm_id: int, segment: str, start: date, end: date) -> ReplayInputs | None:
    """Everything the replay needs, or None when the segment has no accounts."""
    accounts = frame_from_sql(
        _ACCOUNTS_SQL,
        {"f": firm_id, "seg": segment},
        dtype={"account_id": "int64", "model_id": "int64", "cost_bps": "float64"},
    )
    if accounts.empty:
        return None
    positions = frame_from_sql(
        _POSITIONS_SQL,
        {"f": firm_id, "seg": segment},
        dtype={"account_id": "int64", "security_id": "int64", "quantity": "float64"},
    )
    targets = targets_frame(model_ids=sorted(accounts["model_id"].unique().tolist()))
    used = np.union1d(positions["security_id"].unique(), targets["security_id"].unique()).astype(
        "int64"
    )
    securities = securities_frame().set_index("security_id").reindex(used).reset_index()
    days = trading_days(start, end)
    quantity = np.zeros((len(accounts), len(used)))
    row = pd.Index(accounts["account_id"]).get_indexer(positions["account_id"])
    col = pd.Index(used).get_indexer(positions["security_id"])
    np.add.at(quantity, (row, col), positions["quantity"].to_numpy(float))
    price, stale = (
        _price_matrix(firm_id, days, securities) if days else (np.zeros((0, len(used))),) * 2
    )
    return ReplayInputs(
        days,
        accounts,
        used,
        securities["asset_class"].to_numpy(object),
        quantity,
        price,
        stale.astype(bool),
        targets,
    )
