"""Construct what compliance accepts: the rebalancer respects the wash-sale rule, the cash floor
and the single-security cap up front, reading the same rule parameters and household facts
(drift.calc.wash_sale, drift.selectors.wash_sale) as the compliance checks.

Wash sales, both directions, household-wide (IRAs included), inside the window of the trade date:
- a sell that would realise a loss while the household bought the same or an identical
  security in the window sells gain lots only (the rest is left undone, with the reason);
- a buy of a security the household sold at a loss (or at an unknown gain) in the window, in
  this build included, buys the best-ranked substitute that is not identical to any of those
  sales; with no such substitute the buy stays and the proposal says why compliance will flag it.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

from core.formatting import day as human_day

from ..calc import wash_sale as ws
from ..calc.quantities import tradable_quantities
from ..calc.rebalance import Guard, Plan
from ..selectors.rule_params import rule_params_enabled
from ..selectors.wash_sale import account_groups, household_events

KEY = ["account_id", "security_id"]
TRADE_KEY = ["account_id", "security_id", "side"]


@dataclass
class WashFacts:
    """The household facts of the accounts being built, in the window of their trade date."""

    days: int | None  # None: the firm switched the wash-sale rule off
    trade_day: date
    # drift.selectors.wash_sale.household_events, less the built accounts' own open proposals
    events: pd.DataFrame
    accounts: pd.DataFrame  # indexed by account_id: grp, number
    pairs: pd.DataFrame  # security_id, same_id (identity included)
    substitutes: pd.DataFrame  # security_id, substitute_id, rank


def wash_facts(
    firm_id: int,
    account_ids,
    as_of: date,
    pairs: pd.DataFrame,
    substitutes: pd.DataFrame,
    params: dict | None = None,
) -> WashFacts:
    days = ws.window_days(rule_params_enabled() if params is None else params)
    trade_day = ws.trade_date(as_of)
    ids = list(map(int, account_ids))
    if days is None or not ids:
        return WashFacts(
            days,
            trade_day,
            household_events(firm_id, [], trade_day, trade_day),
            pd.DataFrame(columns=["grp", "number"]),
            pairs,
            substitutes,
        )
    lo, hi = ws.window(trade_day, days)
    events = household_events(firm_id, ids, lo, hi)
    # A built account's open proposals are replaced by the new version: not a fact any more.
    events = events[~((events["source"] == "proposal") & events["event_account_id"].isin(ids))]
    return WashFacts(
        days,
        trade_day,
        events.reset_index(drop=True),
        account_groups(firm_id, ids),
        pairs,
        substitutes,
    )


def guard_for(
    facts: WashFacts,
    symbols: dict,
    params: dict | None = None,
    securities: pd.DataFrame | None = None,
    extra_no_loss: pd.DataFrame | None = None,
) -> Guard:
    """The engine's guard: no loss sale of what the household bought in the window; the cap."""
    no_loss = None
    if facts.days is not None:
        buys = facts.events[facts.events["side"] == "buy"].merge(facts.pairs, on="security_id")
        buys = buys.sort_values("date").drop_duplicates(["account_id", "same_id"], keep="last")
        no_loss = pd.DataFrame(
            {
                "account_id": buys["account_id"].to_numpy(),
                "security_id": buys["same_id"].to_numpy(),
                "reason": [
                    _bought_reason(symbols.get(s, ""), d.date(), n, facts.days)
                    for s, d, n in zip(buys["security_id"], buys["date"], buys["event_account"])
                ],
            }
        )
        if extra_no_loss is not None and len(extra_no_loss):
            no_loss = pd.concat([no_loss, extra_no_loss], ignore_index=True)
    cap_pct, capped = None, frozenset()
    rule = (rule_params_enabled() if params is None else params).get("concentration")
    if rule is not None and securities is not None:
        applies = securities["security_type"].isin(rule["security_types"])
        if rule.get("exempt_diversified", True):
            applies &= ~securities["diversified"].fillna(False).astype(bool)
        cap_pct, capped = (
            float(Decimal(str(rule["max_pct"]))),
            frozenset(securities.loc[applies, "security_id"].astype("int64")),
        )
    return Guard(no_loss=no_loss, cap_pct=cap_pct, capped_ids=capped)


def _bought_reason(symbol: str, day: date, account: str, days: int) -> str:
    return (
        f"wash-sale window: a loss sale would wash the purchase of {symbol} "
        f"on {human_day(day)} in account {account}; "
        f"first safe trade date {human_day(ws.first_safe_day(day, days))}"
    )


def cash_floor_pct(params: dict | None = None) -> tuple[float, float]:
    """The firm's liquidity minimum (percent, amount) that the cash floor may not go under."""
    rule = (rule_params_enabled() if params is None else params).get("liquidity")
    if rule is None:
        return 0.0, 0.0
    return float(Decimal(str(rule["min_cash_pct"]))), float(Decimal(str(rule["min_cash_amount"])))


def _loss_sales(facts: WashFacts, plan: Plan) -> pd.DataFrame:
    """account_id (asking), same_id (a security whose purchase would wash), date, event_account,
    symbol-less description fields: the household's loss sales in the window, this build's
    included."""
    past = facts.events[facts.events["side"] == "sell"][
        ["account_id", "security_id", "date", "event_account", "gain_unknown"]
    ]
    lots = plan.lots[plan.lots["gain"] < -0.005]
    built = lots[KEY].drop_duplicates()
    if len(built) and len(facts.accounts):
        g = facts.accounts["grp"]
        built = built.assign(
            grp=built["account_id"].map(g),
            event_account=built["account_id"].map(facts.accounts["number"]),
        )
        members = pd.DataFrame({"asker": g.index.to_numpy(), "grp": g.to_numpy()})
        built = built.merge(members, on="grp").assign(
            date=pd.Timestamp(facts.trade_day), gain_unknown=False
        )
        built = built.rename(columns={"account_id": "seller"}).rename(
            columns={"asker": "account_id"}
        )
        past = pd.concat(
            [past, built[["account_id", "security_id", "date", "event_account", "gain_unknown"]]],
            ignore_index=True,
        )
    return past.merge(facts.pairs, on="security_id")


def resolve(
    facts: WashFacts, plan: Plan, prices: pd.Series, symbols: dict, never_buy: pd.DataFrame
) -> tuple[Plan, pd.DataFrame]:
    """The plan with washing buys moved to substitutes (or noted where none is on file), and
    the in-build loss sells that a remaining buy of the household would wash (account_id,
    security_id, reason): the caller plans again with them guarded."""
    if facts.days is None or plan.trades.empty:
        return plan, pd.DataFrame(columns=KEY + ["reason"])
    sold = _loss_sales(facts, plan)
    buys = plan.trades[plan.trades["side"] == "buy"][KEY]
    washing = buys.merge(
        sold, left_on=KEY, right_on=["account_id", "same_id"], suffixes=("", "_sold")
    )
    if washing.empty:
        return plan, pd.DataFrame(columns=KEY + ["reason"])
    bad = (
        sold[["account_id", "same_id"]]
        .drop_duplicates()
        .rename(columns={"same_id": "substitute_id"})
        .assign(bad=True)
    )
    cand = washing[KEY].drop_duplicates().merge(facts.substitutes, on="security_id")
    cand = cand.merge(bad, on=["account_id", "substitute_id"], how="left")
    blocked = never_buy.rename(columns={"security_id": "substitute_id"}).assign(nb=True)
    cand = cand.merge(
        blocked[["account_id", "substitute_id", "nb"]],
        on=["account_id", "substitute_id"],
        how="left",
    )
    cand = cand[cand["bad"].isna() & cand["nb"].isna() & cand["substitute_id"].map(prices).notna()]
    swaps = cand.sort_values("rank").drop_duplicates(KEY)[KEY + ["substitute_id"]]
    plan = apply_substitutes(plan, swaps, prices)
    stuck = washing.merge(swaps[KEY], on=KEY, how="left", indicator=True)
    stuck = (
        stuck[stuck["_merge"] == "left_only"].sort_values("date").drop_duplicates(KEY, keep="last")
    )
    notes = pd.DataFrame(
        {
            "account_id": stuck["account_id"].to_numpy(),
            "text": [
                _stuck_text(symbols.get(s, ""), symbols.get(so, ""), d.date(), n, u, facts.days)
                for s, so, d, n, u in zip(
                    stuck["security_id"],
                    stuck["security_id_sold"],
                    stuck["date"],
                    stuck["event_account"],
                    stuck["gain_unknown"],
                )
            ],
        }
    )
    plan.notes = (
        pd.concat([plan.notes, notes], ignore_index=True) if plan.notes is not None else notes
    )
    return plan, _washed_loss_sells(facts, plan)


def _stuck_text(bought: str, sold: str, day: date, account: str, unknown: bool, days: int) -> str:
    what = "a sale of unknown gain (a possible loss)" if unknown else "the loss sale"
    return (
        f"Wash sale not avoidable: buying {bought} washes {what} of {sold} "
        f"on {human_day(day)} in account {account}, "
        "and no substitute is on file; compliance will flag it "
        f"(safe from {human_day(ws.first_safe_day(day, days))})."
    )


def _washed_loss_sells(facts: WashFacts, plan: Plan) -> pd.DataFrame:
    """This build's loss sells that a buy of this build in the household (after substitution)
    washes."""
    lots = plan.lots[plan.lots["gain"] < -0.005][KEY].drop_duplicates()
    buys = plan.trades[plan.trades["side"] == "buy"][KEY]
    if lots.empty or buys.empty or facts.accounts.empty:
        return pd.DataFrame(columns=KEY + ["reason"])
    g = facts.accounts["grp"]
    b = buys.assign(grp=buys["account_id"].map(g)).merge(facts.pairs, on="security_id")
    hit = lots.assign(grp=lots["account_id"].map(g)).merge(
        b[["grp", "same_id", "account_id"]].rename(columns={"account_id": "buyer"}),
        left_on=["grp", "security_id"],
        right_on=["grp", "same_id"],
    )
    hit = (
        hit[hit["buyer"] != hit["account_id"]] if len(hit) else hit
    )  # the same account never buys what it sells in one plan
    return (
        hit[KEY]
        .drop_duplicates()
        .assign(
            reason="wash-sale window: another account of the household buys it "
            f"on the same trade date ({human_day(facts.trade_day)})"
        )
    )


def apply_substitutes(plan: Plan, swaps: pd.DataFrame, prices: pd.Series) -> Plan:
    """Buys of (account_id, security_id) in `swaps` buy `substitute_id` for the same value."""
    if swaps.empty:
        return plan
    swaps = swaps.assign(sub_price=swaps["substitute_id"].map(prices)).dropna(subset=["sub_price"])
    t = plan.trades.merge(swaps.drop_duplicates(KEY), on=KEY, how="left")
    hit = (t["side"] == "buy") & t["substitute_id"].notna()
    if not hit.any():
        return plan
    moved = t.loc[hit, ["account_id", "security_id", "value"]].assign(
        side="buy", reason="wash-sale window: a substitute is bought instead"
    )
    whole = t["quantity"] == np.floor(t["quantity"])
    raw = t["value"] / t["sub_price"]
    qty = tradable_quantities(raw, ~whole)
    t.loc[hit, "security_id"] = t.loc[hit, "substitute_id"]
    t.loc[hit, "price"], t.loc[hit, "quantity"] = t.loc[hit, "sub_price"], qty[hit.to_numpy()]
    t.loc[hit, "value"] = t.loc[hit, "quantity"] * t.loc[hit, "price"]
    t = (
        t[t["quantity"] > 0]
        .drop(columns=["substitute_id", "sub_price"])
        .astype({"security_id": "int64"})
    )
    sums = ["quantity", "value", "realised_st", "realised_lt", "harvested_loss", "cost"]
    t = t.groupby(TRADE_KEY, as_index=False).agg({**{c: "sum" for c in sums}, "price": "first"})[
        plan.trades.columns
    ]
    return Plan(
        t,
        plan.lots,
        plan.accounts,
        plan.allocation,
        pd.concat([plan.undone, moved], ignore_index=True),
        plan.notes,
    )
