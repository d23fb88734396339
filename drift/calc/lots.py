"""Tax-aware lot selection (pure): losses first (largest first), then long-term lots, highest
cost first."""

from datetime import date

import numpy as np
import pandas as pd


def lots_pick(
    sells: pd.DataFrame, lots: pd.DataFrame, *, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """sells: account_id, security_id, quantity, price. lots: lot_id, account_id, security_id,
    acquired_on, quantity, cost_basis. Returns (per lot used: …, take, gain, long_term) and
    (per sell: realised_st, realised_lt, harvested_loss)."""
    key = ["account_id", "security_id"]
    m = lots.merge(
        sells[key + ["quantity", "price"]].rename(columns={"quantity": "sell_qty"}), on=key
    )
    m["unit_cost"] = m["cost_basis"] / m["quantity"]
    m["unit_gain"] = m["price"] - m["unit_cost"]
    cutoff = pd.Timestamp(as_of) - pd.DateOffset(years=1)
    m["long_term"] = pd.to_datetime(m["acquired_on"]) < cutoff
    m["gain_rank"] = (m["unit_gain"] >= 0).astype(int)
    # Among losses the largest per share first (for one security: the deepest percent loss, so
    # the lots a harvest found are the ones realised); among gains long-term first.
    m["term_rank"] = np.where(m["unit_gain"] >= 0, (~m["long_term"]).astype(int), 0)
    m = m.sort_values(
        key + ["gain_rank", "term_rank", "unit_cost"], ascending=[True, True, True, True, False]
    )
    before = m.groupby(key, sort=False)["quantity"].cumsum() - m["quantity"]
    m["take"] = np.clip(m["sell_qty"] - before, 0, m["quantity"])
    used = m[m["take"] > 0].copy()
    used["gain"] = used["take"] * used["unit_gain"]
    used["st"] = np.where(used["long_term"], 0.0, used["gain"])
    used["lt"] = np.where(used["long_term"], used["gain"], 0.0)
    used["loss"] = np.minimum(used["gain"], 0.0)
    per_sell = used.groupby(key, as_index=False).agg(
        realised_st=("st", "sum"), realised_lt=("lt", "sum"), harvested_loss=("loss", "sum")
    )
    per_sell = (
        sells[key]
        .merge(per_sell, on=key, how="left")
        .fillna({"realised_st": 0.0, "realised_lt": 0.0, "harvested_loss": 0.0})
    )
    return used[["lot_id", *key, "take", "gain", "long_term"]], per_sell
