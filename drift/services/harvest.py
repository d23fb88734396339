"""Tax-loss harvesting inside the scan (R-TLH-1…3): find opportunities set-based, hand the
harvestable ones to the rebalancer, record them and the substitutions, and propose swap-backs
once the wash-sale window has passed. A handful of queries per firm, none per account or lot."""

from datetime import date

import pandas as pd

from core.pgcopy import insert_text, text_field, text_fixed, text_int
from portfolios.selectors import pairs_frame, substitutes_frame

from .. import selectors
from ..calc import wash_sale as ws
from ..harvest import KEY, OPP_COLS, harvest_lots, harvest_opportunities
from ..models import HarvestOpportunity, Substitution
from ..selectors import ScanInputs
from .proposals import lock_firm_proposals, restrictions_long

PROPOSED = "proposed"


def harvest_tables(securities: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The firm's substantially identical sets (security_id, same_id; each security is identical
    to itself) and substitutes (security_id, substitute_id, rank), from portfolios."""
    ids = securities["security_id"].astype("int64")
    pairs = [pd.DataFrame({"security_id": ids, "same_id": ids}), pairs_frame()]
    subs = [
        pd.DataFrame(columns=["security_id", "substitute_id", "rank"], dtype="int64"),
        substitutes_frame(),
    ]
    return (
        pd.concat(pairs, ignore_index=True).astype("int64").drop_duplicates(),
        pd.concat(subs, ignore_index=True).astype("int64"),
    )


def harvest_eligible(accounts: pd.DataFrame) -> pd.Series:
    """The accounts whose lots are looked at: taxable and not on hold."""
    return accounts.loc[~accounts["tax_advantaged"] & ~accounts["do_not_trade"], "account_id"]


def harvest_find(
    *, firm_id: int, inputs: ScanInputs, prices: pd.Series, lots: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every harvest opportunity of the firm on `inputs.as_of` (see drift.harvest). `lots`:
    the tax lots already read for (at least) the eligible accounts."""
    acc = inputs.accounts
    eligible = harvest_eligible(acc)
    if eligible.empty:
        return pd.DataFrame(columns=OPP_COLS)
    lots = (
        selectors.lots_frame(firm_id, eligible)
        if lots is None
        else lots[lots["account_id"].isin(eligible)]
    )
    passing = harvest_lots(lots, prices, acc, selectors.harvest_rules_frame(), inputs.as_of)
    if passing.empty:
        return pd.DataFrame(columns=OPP_COLS)
    ids = passing["account_id"].unique()
    # Purchases in the household inside the window of the trade date, both directions (a harvest
    # keeps the statutory window even where the firm switched its compliance rule off).
    days = ws.window_days(selectors.rule_params_enabled()) or ws.WINDOW_DAYS
    events = selectors.household_events(firm_id, ids, *ws.window(ws.trade_date(inputs.as_of), days))
    bought = events.loc[events["side"] == "buy", KEY].drop_duplicates()
    pairs, subs = harvest_tables(inputs.securities)
    restrictions = restrictions_long(selectors.restrictions_frame(ids), inputs.securities)
    return harvest_opportunities(
        passing,
        accounts=acc,
        bought=bought,
        pairs=pairs,
        substitutes=subs,
        securities=inputs.securities,
        prices=prices,
        restrictions=restrictions,
    )


def harvest_plan_frame(opps: pd.DataFrame, prices: pd.Series, skip_accounts) -> pd.DataFrame:
    """What the rebalancer takes: account_id, security_id, quantity, substitute_id, sub_price, label."""
    h = opps[(opps["skipped"] == "") & ~opps["account_id"].isin(skip_accounts)]
    h = h[KEY + ["quantity", "substitute_id"]].astype({"substitute_id": "int64"})
    return h.assign(sub_price=h["substitute_id"].map(prices), label="harvest")


def harvest_record(
    *, firm_id: int, as_of: date, opps: pd.DataFrame, plan_frame: pd.DataFrame, sold: pd.DataFrame
) -> int:
    """Write the day's opportunities (kept on a re-run) and a Substitution per harvest that a
    new proposal trades. `sold`: the sells the new proposals wrote (account_id, security_id,
    proposal_id). Returns the number of harvests proposed."""
    lock_firm_proposals(firm_id)  # held by the scan already; taken here too for _first_today
    done = plan_frame.merge(sold, on=KEY)
    o = opps.merge(done[KEY + ["proposal_id"]], on=KEY, how="left")
    o["skipped"] = o["skipped"].where(
        (o["skipped"] != "") | o["proposal_id"].notna(), "not proposed (held or open proposal)"
    )
    insert_text(
        "drift_harvestopportunity",
        {
            "account_id": text_int(o["account_id"]),
            "security_id": text_int(o["security_id"]),
            "substitute_id": text_int(o["substitute_id"]),
            "lots": text_int(o["lots"]),
            "quantity": text_fixed(o["quantity"], 6),
            "loss_st": text_fixed(o["loss_st"], 2),
            "loss_lt": text_fixed(o["loss_lt"], 2),
            "est_savings": text_fixed(o["est_savings"], 2),
            "outcome": text_field(o["skipped"].replace("", PROPOSED)).tolist(),
            "proposal_id": text_int(o["proposal_id"]),
        },
        constants={"firm_id": "%(f)s", "as_of": "%(d)s"},
        params={"f": firm_id, "d": as_of},
        conflict=""
        if _first_today(as_of)
        else "ON CONFLICT (firm_id, account_id, as_of, security_id) DO NOTHING",
    )
    _substitutions_write(firm_id, as_of, done[done["label"] == "harvest"])
    return int((done["label"] == "harvest").sum())


def _first_today(as_of: date) -> bool:
    """No opportunity recorded yet for the day (the caller holds the firm's proposal lock, so
    the plain INSERT that follows cannot race another writer)."""
    return not HarvestOpportunity.objects.filter(as_of=as_of).exists()


def _substitutions_write(firm_id: int, as_of: date, done: pd.DataFrame) -> None:
    # The proposals are new in this transaction: no substitution of theirs can exist yet.
    insert_text(
        "drift_substitution",
        {
            "account_id": text_int(done["account_id"]),
            "proposal_id": text_int(done["proposal_id"]),
            "security_id": text_int(done["security_id"]),
            "substitute_id": text_int(done["substitute_id"]),
        },
        constants={"firm_id": "%(f)s", "sold_on": "%(d)s", "status": "%(s)s"},
        params={"f": firm_id, "d": as_of, "s": Substitution.PENDING},
    )
