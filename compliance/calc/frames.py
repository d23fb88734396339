"""What every check shares: the frames it reads (CheckInputs, built by
compliance.selectors.check_inputs), its outcome type, and the account after the trades."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Weights are compared after rounding to this many places, so float noise (0.1 * 100 =
# 10.000000000000002) cannot turn an exact 10.00% into a failure.
PCT_PLACES = 6


@dataclass
class CheckInputs:
    """The bulk inputs of one run, for any number of proposals."""

    proposals: pd.DataFrame  # one row per proposal checked
    trades: pd.DataFrame  # trades of those proposals and of open proposals in their groups
    # per proposal: its group's purchases and loss sales in its window (drift.selectors.wash_sale)
    events: pd.DataFrame
    holdings: pd.DataFrame  # proposal_id, security_id, quantity, price
    securities: pd.DataFrame  # security_id, symbol, asset_class, security_type, diversified
    pairs: pd.DataFrame  # security_id, same_id: both directions, plus each security with itself
    substitutes: pd.DataFrame  # security_id, substitute_id, rank


@dataclass
class Outcome:
    """A failing check's finding on one proposal: what to say, the figures, the suggested fix."""

    message: str
    figures: dict = field(default_factory=dict)
    suggestion: dict = field(default_factory=dict)


def after_trades(inputs: CheckInputs) -> pd.DataFrame:
    """Per proposal and security: value before, bought, sold and after the trades (cash after
    includes the sale proceeds less the buys and the estimated costs, plus a cash deploy's new
    money, which the holdings do not show yet), and the account total."""
    ids = pd.Index(inputs.proposals["proposal_id"])
    h = inputs.holdings.assign(
        before=inputs.holdings["quantity"] * inputs.holdings["price"].fillna(0.0)
    )
    h = h[["proposal_id", "security_id", "before"]]
    t = inputs.trades[inputs.trades["proposal_id"].isin(ids)].astype({"proposal_id": "int64"})
    flows = t.assign(
        bought=np.where(t["side"] == "buy", t["value"], 0.0),
        sold=np.where(t["side"] == "sell", t["value"], 0.0),
    )
    flows = flows.groupby(["proposal_id", "security_id"], as_index=False)[["bought", "sold"]].sum()
    out = h.merge(flows, on=["proposal_id", "security_id"], how="outer").fillna(
        {"before": 0.0, "bought": 0.0, "sold": 0.0}
    )
    out = out.merge(inputs.securities, on="security_id", how="left")
    out["after"] = out["before"] + out["bought"] - out["sold"]
    costs = inputs.proposals.set_index("proposal_id")["est_costs"]
    net = (out["sold"] - out["bought"]).groupby(out["proposal_id"]).sum().reindex(
        ids, fill_value=0.0
    ) - costs.reindex(ids).fillna(0.0)
    if "new_cash" in inputs.proposals:
        net = net + inputs.proposals.set_index("proposal_id")["new_cash"].reindex(ids).fillna(0.0)
    cash = cash_after(out, net, ids)
    out = pd.concat([out[out["security_type"] != "cash"], cash], ignore_index=True)
    out["total"] = out.groupby("proposal_id")["after"].transform("sum")
    out["weight"] = np.where(
        out["total"] > 0, (out["after"] / out["total"] * 100.0).round(PCT_PLACES), 0.0
    )
    return out


def cash_after(out: pd.DataFrame, net: pd.Series, ids: pd.Index) -> pd.DataFrame:
    """One cash row per proposal: the cash held plus the trades' net flow."""
    held = (
        out[out["security_type"] == "cash"]
        .groupby("proposal_id")["before"]
        .sum()
        .reindex(ids)
        .fillna(0.0)
    )
    flow = net.reindex(ids).fillna(0.0)
    return pd.DataFrame(
        {
            "proposal_id": ids.to_numpy(),
            "security_id": -1,
            "symbol": "CASH",
            "asset_class": "cash",
            "security_type": "cash",
            "diversified": False,
            "before": held.to_numpy(),
            "bought": 0.0,
            "sold": 0.0,
            "after": held.to_numpy() + flow.to_numpy(),
        }
    )
