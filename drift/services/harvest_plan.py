"""Folding harvests into the rebalancer's trade list (pure, vectorised; R-TLH-1/2).

A harvest sells at least its loss lots' quantity of a security; what it sells beyond the
rebalance buys the substitute, and any rebalance buy of the harvested security buys the
substitute instead (buying it back would wash the loss). The class exposure stays put."""

import numpy as np
import pandas as pd

KEY = ["account_id", "security_id"]


def harvest_sells(
    sells: pd.DataFrame, harvest: pd.DataFrame | None, holdings: pd.DataFrame
) -> pd.DataFrame:
    """Sells raised to the harvest quantities; `extra_value` = what the harvest adds."""
    if harvest is None or harvest.empty:
        return sells.assign(extra_value=0.0)
    h = harvest[KEY + ["quantity"]].rename(columns={"quantity": "h_qty"})
    h = h.merge(holdings[KEY + ["quantity", "price"]].rename(columns={"quantity": "held"}), on=KEY)
    h["h_qty"] = np.minimum(h["h_qty"], h["held"])
    s = sells.merge(h[KEY + ["h_qty"]], on=KEY, how="left")
    extra_q = np.maximum(s["h_qty"].fillna(0.0) - s["quantity"], 0.0)
    s["extra_value"] = extra_q * s["price"]
    s["quantity"] = s["quantity"] + extra_q
    new = h[~h.set_index(KEY).index.isin(s.set_index(KEY).index)]
    new = new.assign(side="sell", quantity=new["h_qty"], extra_value=new["h_qty"] * new["price"])
    s = pd.concat(
        [s.drop(columns="h_qty"), new[KEY + ["side", "quantity", "price", "extra_value"]]],
        ignore_index=True,
    )
    s["value"] = s["quantity"] * s["price"]
    return s


def harvest_buys(
    buys: pd.DataFrame, sells: pd.DataFrame, harvest: pd.DataFrame | None, a: pd.DataFrame
) -> pd.DataFrame:
    """Buys of harvested securities redirected to their substitutes, plus the substitute bought
    with the harvest's extra proceeds (less both legs' estimated costs)."""
    if harvest is None or harvest.empty:
        return buys
    sub = harvest.set_index(KEY)[["substitute_id", "sub_price"]]
    b = buys.copy()
    hit = b.set_index(KEY).index.isin(sub.index)
    keys = pd.MultiIndex.from_frame(b.loc[hit, KEY])
    b.loc[hit, "price"] = sub["sub_price"].reindex(keys).to_numpy(float)
    b.loc[hit, "security_id"] = sub["substitute_id"].reindex(keys).to_numpy("int64")
    extra = sells.loc[sells["extra_value"] > 0, KEY + ["extra_value"]].merge(
        harvest[KEY + ["substitute_id", "sub_price"]], on=KEY
    )
    bps = (extra["account_id"].map(a["fee_bps"]) + extra["account_id"].map(a["spread_bps"])) / 1e4
    value = extra["extra_value"] * (1 - 2 * bps) - 2 * extra["account_id"].map(a["fee_per_trade"])
    add = pd.DataFrame(
        {
            "account_id": extra["account_id"],
            "security_id": extra["substitute_id"],
            "trade_value": value,
            "price": extra["sub_price"],
            "side": "buy",
        }
    )
    b = pd.concat([b[KEY + ["trade_value", "price", "side"]], add], ignore_index=True).astype(
        {"security_id": "int64"}
    )
    b = b.groupby(KEY, as_index=False).agg(
        trade_value=("trade_value", "sum"), price=("price", "first"), side=("side", "first")
    )
    return b[b["trade_value"] > 0]
