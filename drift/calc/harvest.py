"""Tax-loss harvesting arithmetic (pure, vectorised over every lot of a firm).

harvest_lots: the lots whose unrealised loss passes the account's segment thresholds (a percent
of cost AND a dollar minimum), in taxable accounts that are not on hold.
harvest_opportunities: those lots per account and security, each with its substitute or the
reason it is skipped (a purchase of the same or a substantially identical security in the
client's group inside the wash-sale window, a never-sell restriction, no fair substitute). A
substitute is never a security the same account harvests that day: buying it would wash
that loss.
harvest_sells / harvest_buys: the harvests folded into the rebalancer's trade list. A harvest
sells at least its loss lots' quantity of a security; what it sells beyond the rebalance buys
the substitute, and any rebalance buy of the harvested security buys the substitute instead
(buying it back would wash the loss). The class exposure stays put.
"""

import numpy as np
import pandas as pd

KEY = ["account_id", "security_id"]
WASH_WINDOW, NO_SUBSTITUTE, NEVER_SELL = (
    "wash-sale window",
    "no substitute",
    "never-sell restriction",
)
OPP_COLS = KEY + [
    "lots",
    "quantity",
    "loss_st",
    "loss_lt",
    "est_savings",
    "substitute_id",
    "skipped",
]


def thresholds_for(accounts: pd.DataFrame, rules: pd.DataFrame) -> pd.DataFrame:
    """account_id, enabled, min_loss_pct, min_loss_dollars: the segment's rule, else the default."""
    default = rules[rules["segment"].isna()]
    by_segment = rules.dropna(subset=["segment"]).set_index("segment")
    out = accounts[["account_id", "segment"]].copy()
    for col, fallback in (("enabled", True), ("min_loss_pct", 10.0), ("min_loss_dollars", 500.0)):
        base = default[col].iloc[0] if len(default) else fallback
        out[col] = (
            out["segment"].map(by_segment[col]).where(out["segment"].isin(by_segment.index), base)
        )
    out["enabled"] = out["enabled"].astype(bool)
    return out.drop(columns="segment").astype(
        {"min_loss_pct": "float64", "min_loss_dollars": "float64"}
    )


def harvest_lots(
    lots: pd.DataFrame, prices: pd.Series, accounts: pd.DataFrame, rules: pd.DataFrame, as_of
) -> pd.DataFrame:
    """lots: lot_id, account_id, security_id, acquired_on, quantity, cost_basis. accounts:
    account_id, segment, tax_advantaged, do_not_trade. Returns the passing lots with loss (< 0)
    and long_term."""
    eligible = accounts.loc[
        ~accounts["tax_advantaged"] & ~accounts["do_not_trade"], ["account_id", "segment"]
    ]
    limits = thresholds_for(eligible, rules)
    m = lots.merge(limits[limits["enabled"]], on="account_id")
    m["price"] = m["security_id"].map(prices)
    m = m[m["price"].notna() & (m["quantity"] > 0) & (m["cost_basis"] > 0)]
    m["loss"] = m["quantity"] * m["price"] - m["cost_basis"]
    passes = (-m["loss"] >= m["min_loss_pct"] / 100.0 * m["cost_basis"] - 1e-9) & (
        -m["loss"] >= m["min_loss_dollars"] - 1e-9
    )
    m = m[passes].copy()
    m["long_term"] = pd.to_datetime(m["acquired_on"]) < pd.Timestamp(as_of) - pd.DateOffset(years=1)
    return m[["lot_id", *KEY, "quantity", "loss", "long_term"]]


def _per_security(passing: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    p = passing.assign(
        st=np.where(passing["long_term"], 0.0, passing["loss"]),
        lt=np.where(passing["long_term"], passing["loss"], 0.0),
    )
    g = p.groupby(KEY, as_index=False).agg(
        lots=("lot_id", "size"),
        quantity=("quantity", "sum"),
        loss_st=("st", "sum"),
        loss_lt=("lt", "sum"),
    )
    rates = accounts.set_index("account_id")
    g["est_savings"] = -(
        g["loss_st"] * g["account_id"].map(rates["st_rate"])
        + g["loss_lt"] * g["account_id"].map(rates["lt_rate"])
    )
    return g


def _washed(opps: pd.DataFrame, bought: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
    """True where the account's group bought the security, or one identical to it, in the window."""
    hit = bought[KEY].merge(pairs, left_on="security_id", right_on="same_id", suffixes=("_b", ""))
    hit = hit[["account_id", "security_id"]].drop_duplicates().assign(w=True)
    return opps[KEY].merge(hit, on=KEY, how="left")["w"].fillna(False).astype(bool).to_numpy()


def _substitutes(
    opps: pd.DataFrame,
    subs: pd.DataFrame,
    pairs: pd.DataFrame,
    securities: pd.DataFrame,
    prices: pd.Series,
    never_buy: pd.DataFrame,
    selling: pd.DataFrame | None = None,
) -> pd.Series:
    """The best-ranked fair substitute per opportunity: same asset class, priced, not
    substantially identical to the security sold, not on the account's never-buy list, and not
    (identical to) a security the account sells at a loss today (`selling`: account_id,
    security_id), which buying would wash."""
    cls = securities.set_index("security_id")["asset_class"]
    c = opps[KEY].merge(subs, on="security_id")
    c = c[c["substitute_id"].map(cls).to_numpy() == c["security_id"].map(cls).to_numpy()]
    c = c[c["substitute_id"].map(prices).notna()]
    same = pairs.rename(columns={"same_id": "substitute_id"}).assign(identical=True)
    c = c.merge(same, on=["security_id", "substitute_id"], how="left")
    c = c[c["identical"].isna() & (c["substitute_id"] != c["security_id"])]
    if selling is not None and len(selling):
        same_or_identical = pd.concat(
            [
                selling[KEY].rename(columns={"security_id": "substitute_id"}),
                selling[KEY]
                .merge(pairs, on="security_id")[["account_id", "same_id"]]
                .rename(columns={"same_id": "substitute_id"}),
            ],
            ignore_index=True,
        )
        washing = same_or_identical.astype("int64")
        c = c.merge(
            washing.drop_duplicates().assign(sold=True),
            on=["account_id", "substitute_id"],
            how="left",
        )
        c = c[c["sold"].isna()].drop(columns="sold")
    blocked = never_buy.rename(columns={"security_id": "substitute_id"}).assign(nb=True)
    c = c.merge(blocked, on=["account_id", "substitute_id"], how="left")
    c = c[c["nb"].isna()].sort_values("rank").drop_duplicates(KEY)
    return opps[KEY].merge(c[KEY + ["substitute_id"]], on=KEY, how="left")["substitute_id"]


def harvest_opportunities(
    passing: pd.DataFrame,
    *,
    accounts: pd.DataFrame,
    bought: pd.DataFrame,
    pairs: pd.DataFrame,
    substitutes: pd.DataFrame,
    securities: pd.DataFrame,
    prices: pd.Series,
    restrictions: pd.DataFrame,
) -> pd.DataFrame:
    """bought: account_id, security_id purchased in the account's group inside the window.
    pairs: security_id, same_id (identity included). substitutes: security_id, substitute_id,
    rank. restrictions: account_id, security_id, side."""
    if passing.empty:
        return pd.DataFrame(columns=OPP_COLS)
    opps = _per_security(passing, accounts)
    never = restrictions.loc[restrictions["side"] == "sell", KEY].assign(ns=True)
    never_sell = (
        opps[KEY].merge(never, on=KEY, how="left")["ns"].fillna(False).astype(bool).to_numpy()
    )
    washed = _washed(opps, bought, pairs)
    selling = opps.loc[~washed & ~never_sell, KEY]  # harvested unless no substitute is found
    opps["substitute_id"] = _substitutes(
        opps,
        substitutes,
        pairs,
        securities,
        prices,
        restrictions.loc[restrictions["side"] == "buy", KEY],
        selling,
    ).to_numpy()
    opps["skipped"] = np.select(
        [washed, never_sell, opps["substitute_id"].isna()],
        [WASH_WINDOW, NEVER_SELL, NO_SUBSTITUTE],
        "",
    )
    opps["substitute_id"] = opps["substitute_id"].astype("Int64")
    return opps[OPP_COLS]


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
