"""The rebalancer (pure, vectorised over many accounts at once): from holdings, targets and
per-account parameters to a trade list, lots, costs, taxes, flags and what was left undone.

Conventions: weights are percent, values dollars (float64 here; quantised when persisted).
Cash (asset class "cash") is the residual: trades are in securities, never in cash.
Order of work: desired class weights → class deltas → sells (model security first, then
other holdings) → restrictions → whole/fractional quantities → tax lots → gains budget →
buys financed by cash above the floor → minimum trade size → costs and taxes → projection.
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from .harvest import harvest_buys, harvest_sells
from .lots import lots_pick
from .quantities import tradable_quantities

CASH = "cash"
KEY = ["account_id", "security_id"]


@dataclass
class Plan:
    trades: (
        pd.DataFrame
    )  # account_id, security_id, side, quantity, price, value, realised_st, realised_lt, cost
    lots: pd.DataFrame  # lot_id, account_id, security_id, take, gain, long_term
    accounts: pd.DataFrame  # per account summary (see _summary)
    allocation: pd.DataFrame  # account_id, asset_class, current, proposed, target
    undone: pd.DataFrame  # account_id, security_id, side, value, reason
    notes: pd.DataFrame | None = (
        None  # account_id, text: a finding the builder could not avoid, and why
    )


@dataclass
class Guard:
    """What compliance will check, for the rebalancer to respect up front (see
    drift.services.wash_avoid): sells that must not realise a loss (account_id, security_id,
    reason) and the single-security cap on buys (percent; the security ids it applies to)."""

    no_loss: pd.DataFrame | None = None
    cap_pct: float | None = None
    capped_ids: frozenset = frozenset()


def _desired_weights(classes: pd.DataFrame, accts: pd.DataFrame) -> pd.DataFrame:
    c = classes.merge(
        accts[["account_id", "mode", "cash_floor_pct", "total_value", "new_cash"]], on="account_id"
    )
    edge = c["target"] + np.clip(c["drift"], -c["band"], c["band"])
    w = np.where(c["mode"] == "band_edge", np.where(c["breach"], edge, c["current"]), c["target"])
    c["w"] = np.where(c["asset_class"] == CASH, 0.0, w)
    room = 100.0 - c["cash_floor_pct"]
    total_w = c.groupby("account_id")["w"].transform("sum")
    # To target: shrink the targets so the cash floor fits. To the band edge: trade only the
    # breaching classes; the floor then limits the buys (see _finance).
    factor = np.where(
        (total_w > room) & (c["mode"] != "band_edge"), room / total_w.replace(0, np.nan), 1.0
    )
    c["investable"] = c["total_value"] + c["new_cash"]
    c["desired"] = c["w"] * np.nan_to_num(factor, nan=1.0) / 100.0 * c["investable"]
    # "hold": an account planned only for a harvest keeps its class weights.
    c["delta"] = np.where(
        (c["asset_class"] == CASH) | (c["mode"] == "hold"), 0.0, c["desired"] - c["value"]
    )
    return c


def _sells(
    c: pd.DataFrame, holdings: pd.DataFrame, targets: pd.DataFrame, accts: pd.DataFrame
) -> pd.DataFrame:
    need = c.loc[c["delta"] < 0, ["account_id", "asset_class", "delta"]]
    h = holdings.merge(need, on=["account_id", "asset_class"])
    h = h.merge(accts[["account_id", "model_id"]], on="account_id")
    in_model = targets[["model_id", "security_id"]].drop_duplicates().assign(in_model=1)
    h = h.merge(in_model, on=["model_id", "security_id"], how="left").fillna({"in_model": 0})
    h["value"] = h["quantity"] * h["price"]
    h = h.sort_values(
        ["account_id", "asset_class", "in_model", "value"], ascending=[True, True, False, False]
    )
    before = h.groupby(["account_id", "asset_class"], sort=False)["value"].cumsum() - h["value"]
    h["trade_value"] = np.clip(-h["delta"] - before, 0, h["value"])
    return h[h["trade_value"] > 0].assign(side="sell")


def _buys(
    c: pd.DataFrame, targets: pd.DataFrame, accts: pd.DataFrame, prices: pd.Series
) -> pd.DataFrame:
    up = c.loc[c["delta"] > 0, ["account_id", "asset_class", "delta"]].merge(
        accts[["account_id", "model_id"]], on="account_id"
    )
    t = targets[targets["weight"] > 0]
    b = up.merge(
        t[["model_id", "asset_class", "security_id", "weight"]], on=["model_id", "asset_class"]
    )
    share = b["weight"] / b.groupby(["account_id", "asset_class"])["weight"].transform("sum")
    b["trade_value"] = b["delta"] * share
    b["price"] = b["security_id"].map(prices)
    return b[b["price"].notna() & (b["trade_value"] > 0)].assign(side="buy")


def _quantities(t: pd.DataFrame, rounding: str) -> pd.Series:
    raw = t["trade_value"] / t["price"]
    frac = t["fractional"].to_numpy(bool)
    if rounding == "up":
        q = np.where(frac, np.ceil(raw * 1000 - 1e-6) / 1000, np.ceil(raw - 1e-9))
        return pd.Series(np.minimum(q, t["quantity"]), index=t.index)
    return pd.Series(tradable_quantities(raw, frac), index=t.index)


def _split_restricted(
    t: pd.DataFrame, restrictions: pd.DataFrame, side: str, undone: list
) -> pd.DataFrame:
    r = restrictions.loc[restrictions["side"] == side, KEY].assign(blocked=True)
    t = t.merge(r, on=KEY, how="left")
    blocked = t["blocked"].fillna(False).astype(bool)
    reason = "never-sell restriction" if side == "sell" else "never-buy restriction"
    undone.append(
        t.loc[blocked, KEY].assign(side=side, value=t.loc[blocked, "trade_value"], reason=reason)
    )
    return t[~blocked].drop(columns="blocked")


def _fractional(t: pd.DataFrame, securities: pd.DataFrame, accts: pd.DataFrame) -> pd.Series:
    mf = t["security_id"].map(securities.set_index("security_id")["security_type"]) == "mutual_fund"
    return mf & t["account_id"].map(accts.set_index("account_id")["fractional"]).fillna(
        False
    ).astype(bool)


def _cap_gains(sells: pd.DataFrame, accts: pd.DataFrame, undone: list) -> pd.DataFrame:
    a = accts.set_index("account_id")
    gain = sells["realised_st"] + sells["realised_lt"]
    left = sells["account_id"].map(a["gains_budget_left"]).astype(float)
    cap = sells["account_id"].map(a["gains_cap"]).fillna(False).astype(bool)
    s = sells.assign(gain=gain, left=left, cap=cap).sort_values(["account_id", "gain"])
    s["cum"] = s.groupby("account_id")["gain"].cumsum()
    drop = s["cap"] & s["left"].notna() & (s["gain"] > 0) & (s["cum"] > s["left"] + 1e-6)
    undone.append(
        s.loc[drop, KEY].assign(
            side="sell", value=s.loc[drop, "value"], reason="annual realised-gains budget (cap)"
        )
    )
    return s[~drop].drop(columns=["gain", "left", "cap", "cum"])


def _no_loss_sells(
    sells: pd.DataFrame, lots: pd.DataFrame, no_loss: pd.DataFrame | None, undone: list
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sells of `no_loss` keys (a loss would wash a purchase in the household's window) cut to
    their gain lots; the loss lots are left out of the lot choice. What is not sold is undone."""
    if no_loss is None or no_loss.empty or sells.empty:
        return sells, lots
    guard = no_loss.drop_duplicates(KEY)
    held = lots.merge(guard[KEY], on=KEY).merge(sells[KEY + ["price"]], on=KEY)
    if held.empty:
        return sells, lots
    loss_lot = held["cost_basis"] > held["quantity"] * held["price"] + 1e-9
    gain_qty = held.loc[~loss_lot].groupby(KEY)["quantity"].sum()
    keys = pd.MultiIndex.from_frame(sells[KEY])
    guarded = keys.isin(pd.MultiIndex.from_frame(held[KEY].drop_duplicates()))
    room = pd.Series(gain_qty.reindex(keys).fillna(0.0).to_numpy(), index=sells.index)
    new_q = np.where(guarded, np.minimum(sells["quantity"], room), sells["quantity"])
    cut = guarded & (new_q < sells["quantity"].to_numpy() - 1e-9)
    if cut.any():
        why = sells.loc[cut, KEY].merge(guard, on=KEY, how="left")["reason"].to_numpy()
        undone.append(
            sells.loc[cut, KEY].assign(
                side="sell",
                value=(sells.loc[cut, "quantity"] - new_q[cut]) * sells.loc[cut, "price"],
                reason=why,
            )
        )
    sells = sells.assign(quantity=new_q)
    sells = sells.assign(value=sells["quantity"] * sells["price"])
    dropped = (
        lots.merge(held.loc[loss_lot, ["lot_id"]].assign(x=True), on="lot_id", how="left")["x"]
        .notna()
        .to_numpy()
    )
    return sells[sells["quantity"] > 0], lots[~dropped]


def _cap_buys(
    buys: pd.DataFrame,
    holdings: pd.DataFrame,
    sells: pd.DataFrame,
    a: pd.DataFrame,
    guard,
    undone: list,
) -> pd.DataFrame:
    """No buy takes a security the cap applies to above the firm's single-security limit of the
    account (held, less sold, plus bought; a little below the limit so costs cannot tip it)."""
    if guard is None or guard.cap_pct is None or buys.empty:
        return buys
    held = (
        (holdings["quantity"] * holdings["price"])
        .groupby([holdings["account_id"], holdings["security_id"]])
        .sum()
    )
    sold = sells.groupby(KEY)["value"].sum() if len(sells) else pd.Series(dtype=float)
    keys = pd.MultiIndex.from_frame(buys[KEY])
    now = held.reindex(keys).fillna(0.0).to_numpy() - sold.reindex(keys).fillna(0.0).to_numpy()
    limit = (
        guard.cap_pct
        / 100.0
        * 0.999
        * (buys["account_id"].map(a["total_value"]) + buys["account_id"].map(a["new_cash"]))
    )
    room = np.maximum(limit.to_numpy() - now, 0.0)
    applies = buys["security_id"].isin(guard.capped_ids).to_numpy()
    capped = applies & (buys["trade_value"].to_numpy() > room)
    if not capped.any():
        return buys
    undone.append(
        buys.loc[capped, KEY].assign(
            side="buy",
            value=buys.loc[capped, "trade_value"].to_numpy() - room[capped],
            reason=f"single-security limit of {guard.cap_pct:g}% (the firm's concentration rule)",
        )
    )
    return buys.assign(trade_value=np.where(capped, room, buys["trade_value"]))


def plan_trades(
    *,
    holdings,
    securities,
    prices,
    targets,
    classes,
    accts,
    restrictions,
    lots,
    as_of: date,
    harvest: pd.DataFrame | None = None,
    guard: Guard | None = None,
) -> Plan:
    """holdings: account_id, security_id, asset_class, quantity, price. classes: the drift
    result rows of these accounts. accts: account_id, model_id, total_value, mode,
    min_trade_value, cash_floor_pct, fractional, new_cash, allow_buy, allow_sell,
    tax_advantaged, st_rate, lt_rate, fee_per_trade, fee_bps, spread_bps, gains_budget_left,
    gains_cap. prices: security_id -> that day's close. restrictions: account_id,
    security_id, side. lots: see lots_pick. harvest (optional): account_id, security_id,
    quantity, substitute_id, sub_price — loss lots to sell and the substitute that keeps the
    class exposure (see drift.calc.harvest)."""
    undone: list[pd.DataFrame] = []
    c = _desired_weights(classes, accts)
    a = accts.set_index("account_id")
    sells = _sells(c, holdings, targets, accts)
    sells = sells[sells["account_id"].map(a["allow_sell"]).astype(bool)]
    sells = _split_restricted(sells, restrictions, "sell", undone)
    sells["fractional"] = _fractional(sells, securities, accts)
    sells["quantity"] = _quantities(sells, "up")
    sells["value"] = sells["quantity"] * sells["price"]
    sells = sells[sells["value"] >= sells["account_id"].map(a["min_trade_value"]) - 1e-9]
    sells = harvest_sells(sells, harvest, holdings)
    sells, lots = _no_loss_sells(sells, lots, guard.no_loss if guard else None, undone)
    used, per_sell = lots_pick(sells[KEY + ["quantity", "price"]], lots, as_of=as_of)
    sells = sells.merge(per_sell, on=KEY, how="left")
    sells = _cap_gains(sells, accts, undone)
    used = used.merge(sells[KEY], on=KEY)

    def costs_of(t: pd.DataFrame) -> pd.Series:
        bps = t["account_id"].map(a["fee_bps"]) + t["account_id"].map(a["spread_bps"])
        return t["account_id"].map(a["fee_per_trade"]) + t["value"] * bps / 1e4

    sells["cost"] = costs_of(sells)

    buys = _buys(c, targets, accts, prices)
    buys = buys[buys["account_id"].map(a["allow_buy"]).astype(bool)]
    buys = _split_restricted(buys, restrictions, "buy", undone)
    buys = _finance(buys, sells.assign(value=sells["value"] - sells["extra_value"]), c, a)
    buys = harvest_buys(buys, sells, harvest, a)
    if harvest is not None and len(harvest):  # the substitutes bought too stay above the cash floor
        buys = _finance(buys, sells, c, a)
    buys = _cap_buys(buys, holdings, sells, a, guard, undone)
    buys["fractional"] = _fractional(buys, securities, accts)
    buys["quantity"] = _quantities(buys, "down")
    buys["value"] = buys["quantity"] * buys["price"]
    buys = buys[
        (buys["quantity"] > 0)
        & (buys["value"] >= buys["account_id"].map(a["min_trade_value"]) - 1e-9)
    ]
    buys = buys.assign(realised_st=0.0, realised_lt=0.0, harvested_loss=0.0)
    buys["cost"] = costs_of(buys)
    cols = KEY + [
        "side",
        "quantity",
        "price",
        "value",
        "realised_st",
        "realised_lt",
        "harvested_loss",
        "cost",
    ]
    trades = pd.concat([sells[cols], buys[cols]], ignore_index=True)
    trades = trades[trades["quantity"] > 0]
    undone_frame = (
        pd.concat(undone, ignore_index=True)
        if undone
        else pd.DataFrame(columns=KEY + ["side", "value", "reason"])
    )
    allocation = _projection(c, trades, securities, accts)
    return Plan(
        trades,
        used,
        _summary(trades, accts, allocation, securities, used),
        allocation,
        undone_frame,
    )


def _finance(
    buys: pd.DataFrame, sells: pd.DataFrame, c: pd.DataFrame, a: pd.DataFrame
) -> pd.DataFrame:
    """Scale each account's buys down to the cash it has above its floor after the sells."""
    cash_now = c[c["asset_class"] == CASH].groupby("account_id")["value"].sum()
    proceeds = (sells["value"] - sells["cost"]).groupby(sells["account_id"]).sum()
    ids = a.index
    investable = a["total_value"] + a["new_cash"]
    floor = a["cash_floor_pct"] / 100.0 * investable
    available = (
        cash_now.reindex(ids, fill_value=0.0)
        + a["new_cash"]
        + proceeds.reindex(ids, fill_value=0.0)
        - floor
    )
    est_cost = a["fee_per_trade"] * 4 + 0.0  # headroom for buy fees
    wanted = buys.groupby("account_id")["trade_value"].sum()
    bps = (a["fee_bps"] + a["spread_bps"]) / 1e4
    room = (available - est_cost) / (1 + bps)
    factor = np.clip(room.reindex(wanted.index) / wanted, 0.0, 1.0)
    buys = buys.copy()
    buys["trade_value"] = buys["trade_value"] * buys["account_id"].map(factor).fillna(0.0)
    return buys


def _projection(
    c: pd.DataFrame, trades: pd.DataFrame, securities: pd.DataFrame, accts: pd.DataFrame
) -> pd.DataFrame:
    t = trades.assign(
        asset_class=trades["security_id"].map(securities.set_index("security_id")["asset_class"])
    )
    signed = np.where(t["side"] == "buy", t["value"], -t["value"])
    flows = pd.DataFrame(
        {"account_id": t["account_id"], "asset_class": t["asset_class"], "flow": signed}
    )
    out = c[["account_id", "asset_class", "value", "current", "target"]].copy()
    out = out.merge(
        flows.groupby(["account_id", "asset_class"], as_index=False)["flow"].sum(),
        on=["account_id", "asset_class"],
        how="left",
    )
    out["flow"] = out["flow"].fillna(0.0)
    a = accts.set_index("account_id")
    net = (-pd.Series(signed, index=t.index) - t["cost"]).groupby(t["account_id"]).sum()
    cash_flow = out["account_id"].map(net).fillna(0.0) + out["account_id"].map(a["new_cash"])
    is_cash = out["asset_class"] == CASH
    out["after"] = out["value"] + out["flow"] + np.where(is_cash, cash_flow, 0.0)
    missing_cash = ~out["account_id"].isin(out.loc[is_cash, "account_id"])
    if missing_cash.any():
        extra = (
            out.loc[missing_cash]
            .drop_duplicates("account_id")[["account_id"]]
            .assign(asset_class=CASH, value=0.0, current=0.0, target=0.0, flow=0.0)
        )
        extra["after"] = extra["account_id"].map(net).fillna(0.0) + extra["account_id"].map(
            a["new_cash"]
        )
        out = pd.concat([out, extra], ignore_index=True)
    total_after = out.groupby("account_id")["after"].transform("sum")
    out["proposed"] = np.where(total_after > 0, out["after"] / total_after * 100.0, 0.0)
    return out[["account_id", "asset_class", "current", "proposed", "target"]]


def _losses(used: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    loss = np.minimum(used["gain"], 0.0)
    frame = pd.DataFrame(
        {
            "losses_st": np.where(used["long_term"], 0.0, loss),
            "losses_lt": np.where(used["long_term"], loss, 0.0),
        }
    )
    return frame.groupby(used["account_id"].to_numpy()).sum().reindex(ids).fillna(0.0)


def _summary(
    trades: pd.DataFrame,
    accts: pd.DataFrame,
    allocation: pd.DataFrame,
    securities: pd.DataFrame,
    used: pd.DataFrame,
) -> pd.DataFrame:
    a = accts.set_index("account_id")
    g = trades.groupby("account_id")
    s = (
        pd.DataFrame(
            {
                "trades": g.size(),
                "trade_value": g["value"].sum(),
                "est_costs": g["cost"].sum(),
                "realised_st": g["realised_st"].sum(),
                "realised_lt": g["realised_lt"].sum(),
                "harvested_loss": g["harvested_loss"].sum(),
            }
        )
        .reindex(a.index)
        .fillna(0.0)
    )
    taxable = ~a["tax_advantaged"].astype(bool)
    s["est_tax"] = np.where(
        taxable, s["realised_st"] * a["st_rate"] + s["realised_lt"] * a["lt_rate"], 0.0
    )
    s["tlh"] = taxable & (s["harvested_loss"] < -0.005)
    s[["losses_st", "losses_lt"]] = _losses(used, a.index).to_numpy()
    saved = -(s["losses_st"] * a["st_rate"] + s["losses_lt"] * a["lt_rate"])
    s["tax_saved"] = np.where(taxable, saved, 0.0)
    alt_ids = set(securities.loc[securities["asset_class"] == "alternatives", "security_id"])
    s["alternatives"] = (
        trades["security_id"]
        .isin(alt_ids)
        .groupby(trades["account_id"])
        .any()
        .reindex(a.index)
        .fillna(False)
        .astype(bool)
    )
    gains = s["realised_st"] + s["realised_lt"]
    s["gains_budget_warn"] = a["gains_budget_left"].notna() & (
        gains > a["gains_budget_left"].fillna(np.inf) + 1e-6
    )
    s["drift_after"] = (allocation["proposed"] - allocation["target"]).abs().groupby(
        allocation["account_id"]
    ).sum().reindex(a.index).fillna(0.0) / 2.0
    s.index.name = "account_id"
    return s.reset_index()
