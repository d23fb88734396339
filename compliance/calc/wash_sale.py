"""Wash sale: a sale at a loss and a purchase of the same or a substantially identical security
within `window_days` calendar days before or after the proposal's trade date, anywhere in the
client's group (a household is one client; IRAs and Roths count). The window, the trade date
and the household facts (transaction history and every open proposal, this one included) are
drift.calc.wash_sale's, the same the proposal builder avoids up front. Both directions are caught:
selling at a loss near a purchase, and buying near a loss sale. A sale imported without its
gain is a possible loss: it is reported as such, never passed."""

from decimal import Decimal

import pandas as pd

from core.formatting import day, fixed, money
from drift.calc.wash_sale import first_safe_day, window

from .frames import CheckInputs, Outcome

LOSS = -0.005


def wash_sale_check(inputs: CheckInputs, params: dict, after=None) -> dict[int, Outcome]:
    days = int(params["window_days"])
    matches = wash_sale_matches(inputs, days)
    subs = substitutes_for(inputs, matches)
    return {int(pid): _outcome(rows, subs, days) for pid, rows in matches.groupby("proposal_id")}


def wash_sale_matches(inputs: CheckInputs, window_days: int) -> pd.DataFrame:
    """One row per (proposed trade, opposite household event) pair inside the window."""
    ids = set(inputs.proposals["proposal_id"])
    mine = inputs.trades[inputs.trades["proposal_id"].isin(ids)].astype({"proposal_id": "int64"})
    mine = mine[(mine["side"] == "buy") | (mine["loss"] < LOSS)]
    mine = mine.merge(inputs.proposals[["proposal_id", "trade_date"]], on="proposal_id")
    mine = mine.merge(inputs.securities[["security_id", "symbol"]], on="security_id", how="left")
    events = inputs.events.merge(
        inputs.pairs, on="security_id"
    )  # same_id: a security the event counts for
    events = events.merge(
        inputs.securities[["security_id", "symbol"]], on="security_id", how="left"
    )
    events = events.rename(
        columns={
            "security_id": "event_security",
            "side": "event_side",
            "loss": "event_loss",
            "date": "event_date",
            "proposal_id": "event_proposal",
            "symbol": "event_symbol",
            "proposal_key": "proposal_id",
        }
    )
    m = mine.merge(
        events, left_on=["proposal_id", "security_id"], right_on=["proposal_id", "same_id"]
    )
    m["days"] = (m["event_date"] - m["trade_date"]).dt.days
    opposite = m["side"] != m["event_side"]
    return m[opposite & (m["days"].abs() <= window_days)].sort_values(["proposal_id", "days"])


def substitutes_for(inputs: CheckInputs, matches: pd.DataFrame) -> dict[tuple[int, int], dict]:
    """(proposal, security bought) → the best-ranked substitute that is not identical to the
    loss sales it would wash."""
    buys = matches[matches["side"] == "buy"]
    if buys.empty or inputs.substitutes.empty:
        return {}
    washed = buys.groupby(["proposal_id", "security_id"])["same_id"].agg(set)
    identical = inputs.pairs.groupby("security_id")["same_id"].agg(set)
    symbols = inputs.securities.set_index("security_id")["symbol"]
    subs = inputs.substitutes.sort_values("rank").groupby("security_id")["substitute_id"].agg(list)
    out = {}
    for (pid, sid), sold in washed.items():
        for cand in subs.get(sid, []):
            if not identical.get(cand, {cand}) & sold:
                out[(pid, sid)] = {
                    "security_id": int(sid),
                    "symbol": symbols[sid],
                    "substitute_id": int(cand),
                    "substitute_symbol": symbols[cand],
                }
                break
    return out


def _describe(r, days: int) -> dict:
    if r.source == "proposal":
        where = (
            "in this proposal"
            if r.event_proposal == r.proposal_id
            else "in another proposal of the household"
        )
    else:
        where = "in the transaction history"
    unknown = bool(r.side == "buy" and r.gain_unknown)
    sale_loss = r.loss if r.side == "sell" else r.event_loss
    lo, hi = window(r.trade_date.date(), days)
    return {
        "trade": f"{r.side} {r.symbol}",
        "other": f"{r.event_side} {r.event_symbol}",
        "other_account": r.event_account,
        "other_date": r.event_date.date().isoformat(),
        "days": int(r.days),
        "where": where,
        "other_proposal_id": int(r.event_proposal) if r.source == "proposal" else None,
        "loss": None if unknown else fixed(sale_loss),
        "gain_unknown": unknown,
        "trade_date": r.trade_date.date().isoformat(),
        "window_start": lo.isoformat(),
        "window_end": hi.isoformat(),
    }


def _sentence(item: dict) -> str:
    when = (
        "the same day as"
        if item["days"] == 0
        else f"{abs(item['days'])} days {'after' if item['days'] > 0 else 'before'}"
    )
    loss = (
        " (gain unknown: imported without realized_gain or cost_basis, "
        "so treated as a possible loss)"
        if item["gain_unknown"]
        else f" (loss {money(abs(Decimal(item['loss'])))})"
    )
    return (
        f"{item['trade']} on trade date {day(item['trade_date'])} with {item['other']} "
        f"in account {item['other_account']} on {day(item['other_date'])} {item['where']}{loss}, "
        f"{when} the trade; window {day(item['window_start'])} to {day(item['window_end'])}"
    )


def _outcome(rows: pd.DataFrame, subs: dict, days: int) -> Outcome:
    items = [_describe(r, days) for r in rows.itertuples()]
    message = "Wash sale: " + _sentence(items[0])
    message += f"; and {len(items) - 1} more." if len(items) > 1 else "."
    pid = int(rows["proposal_id"].iloc[0])
    replace = [v for (p, _), v in subs.items() if p == pid]
    if replace:
        text = "; ".join(f"buy {r['substitute_symbol']} instead of {r['symbol']}" for r in replace)
        return Outcome(
            message,
            {"matches": items},
            {"action": "substitute", "replace": replace, "text": f"Use a substitute: {text}."},
        )
    safe = first_safe_day(rows["event_date"].max().date(), days)
    return Outcome(
        message,
        {"matches": items},
        {
            "action": "defer",
            "until": safe.isoformat(),
            "text": f"No substitute on file; defer the trade until {day(safe)} "
            f"(the first trading day after the window).",
        },
    )
