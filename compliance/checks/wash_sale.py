"""Wash sale: a sale at a loss and a purchase of the same or a substantially identical security
within `window_days` before or after it, anywhere in the client's accounts (a household is
one client; IRAs and Roths count). Purchases and loss sales come from the transaction history
and from every open proposal of the group, this one included. Both directions are caught:
selling at a loss after a recent purchase, and buying after a recent loss sale."""
import pandas as pd

from ..selectors import CheckInputs
from .base import Outcome, money

EVENT_COLS = ["grp", "same_id", "date", "side", "loss", "account_number", "proposal_id", "symbol"]


def wash_sale_check(inputs: CheckInputs, params: dict, after=None) -> dict[int, Outcome]:
    matches = wash_sale_matches(inputs, params["window_days"])
    subs = substitutes_for(inputs, matches)
    return {int(pid): _outcome(rows, subs) for pid, rows in matches.groupby("proposal_id")}


def _events(inputs: CheckInputs) -> pd.DataFrame:
    """Every purchase and loss sale of the groups, once per security it is identical to."""
    own = inputs.trades.assign(source="proposal")
    past = inputs.history.assign(source="history")
    events = pd.concat([own, past], ignore_index=True)
    events["date"] = pd.to_datetime(events["date"])
    events = events[(events["side"] == "buy") | (events["loss"] < -0.005)]
    events = events.merge(inputs.securities[["security_id", "symbol"]], on="security_id", how="left")
    return events.merge(inputs.pairs, on="security_id")  # same_id: a security the event counts for


def wash_sale_matches(inputs: CheckInputs, window_days: int) -> pd.DataFrame:
    """One row per (proposed trade, opposite event) pair inside the window."""
    ids = set(inputs.proposals["proposal_id"])
    mine = inputs.trades[inputs.trades["proposal_id"].isin(ids)].astype({"proposal_id": "int64"})
    mine = mine.merge(inputs.securities[["security_id", "symbol"]], on="security_id", how="left")
    mine = mine[(mine["side"] == "buy") | (mine["loss"] < -0.005)]
    events = _events(inputs)[EVENT_COLS + ["source"]].rename(columns={
        "date": "event_date", "side": "event_side", "loss": "event_loss", "account_number": "event_account",
        "proposal_id": "event_proposal", "symbol": "event_symbol"})
    m = mine.merge(events, left_on=["grp", "security_id"], right_on=["grp", "same_id"])
    m["days"] = (pd.to_datetime(m["event_date"]) - pd.to_datetime(m["date"])).dt.days
    opposite = ((m["side"] == "sell") & (m["event_side"] == "buy")) | ((m["side"] == "buy") & (m["event_side"] == "sell"))
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
                out[(pid, sid)] = {"security_id": int(sid), "symbol": symbols[sid], "substitute_id": int(cand), "substitute_symbol": symbols[cand]}
                break
    return out


def _describe(r) -> dict:
    where = "in this proposal" if r.source == "proposal" and r.event_proposal == r.proposal_id else (
        f"in proposal #{int(r.event_proposal)}" if r.source == "proposal" else "in the transaction history")
    sale_loss = r.loss if r.side == "sell" else r.event_loss
    return {"trade": f"{r.side} {r.symbol}", "other": f"{r.event_side} {r.event_symbol}", "other_account": r.event_account,
            "other_date": r.event_date.date().isoformat(), "days": int(r.days), "where": where, "loss": money(sale_loss)}


def _outcome(rows: pd.DataFrame, subs: dict) -> Outcome:
    items = [_describe(r) for r in rows.itertuples()]
    first = items[0]
    message = (f"Wash sale: {first['trade']} with {first['other']} in account {first['other_account']} on {first['other_date']} "
               f"({abs(first['days'])} days {'after' if first['days'] > 0 else 'before'}; loss ${first['loss'].lstrip('-')})")
    message += f" and {len(items) - 1} more." if len(items) > 1 else "."
    pid = int(rows["proposal_id"].iloc[0])
    replace = [v for (p, _), v in subs.items() if p == pid]
    if replace:
        text = "; ".join(f"buy {r['substitute_symbol']} instead of {r['symbol']}" for r in replace)
        return Outcome(message, {"matches": items}, {"action": "substitute", "replace": replace, "text": f"Use a substitute: {text}."})
    last = rows["event_date"].max() + pd.Timedelta(days=31)
    return Outcome(message, {"matches": items}, {"action": "defer", "text": f"No substitute on file; defer the trade until {last.date().isoformat()}."})
