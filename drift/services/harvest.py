"""Tax-loss harvesting inside the scan: find opportunities set-based, hand the harvestable ones
to the rebalancer, record them and the substitutions, and propose swap-backs once the wash-sale
window has passed. A handful of queries per firm, none per account or lot. The arithmetic is
in drift.calc.harvest; the wash-sale window in drift.calc.wash_sale.

Swap-backs (a firm setting): swapping a harvest's substitute back to the original security is
proposed only once the trade date is past the wash-sale window of the harvest (the later of its
proposal day and its execution day), and only when neither leg would wash a loss in the group
inside the window of the swap-back's own trade date.

HarvestPass is the scan's harvesting pass: opportunities and due swap-backs in, one harvest
frame for the rebalancer out, then the records once the proposals exist."""

from dataclasses import dataclass
from datetime import date

import pandas as pd
from django.utils import timezone

from core.pgcopy import insert_text, text_field, text_fixed, text_int

from ..calc import wash_sale as ws
from ..calc.harvest import KEY, OPP_COLS, harvest_lots, harvest_opportunities
from ..choices import ProposalStatus
from ..models import HarvestOpportunity, ProposalTrade, Substitution
from ..selectors.harvest import harvest_rules_frame, harvest_tables
from ..selectors.rule_params import rule_params_enabled
from ..selectors.scan import ScanInputs, lots_frame, prices_on, restrictions_frame
from ..selectors.wash_sale import household_events
from .proposals import lock_firm_proposals, restrictions_long

PROPOSED = "proposed"


def harvest_eligible(accounts: pd.DataFrame) -> pd.Series:
    """The accounts whose lots are looked at: taxable and not on hold."""
    return accounts.loc[~accounts["tax_advantaged"] & ~accounts["do_not_trade"], "account_id"]


def harvest_find(
    *, firm_id: int, inputs: ScanInputs, prices: pd.Series, lots: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every harvest opportunity of the firm on `inputs.as_of` (see drift.calc.harvest). `lots`:
    the tax lots already read for (at least) the eligible accounts."""
    acc = inputs.accounts
    eligible = harvest_eligible(acc)
    if eligible.empty:
        return pd.DataFrame(columns=OPP_COLS)
    lots = (
        lots_frame(firm_id, eligible) if lots is None else lots[lots["account_id"].isin(eligible)]
    )
    passing = harvest_lots(lots, prices, acc, harvest_rules_frame(), inputs.as_of)
    if passing.empty:
        return pd.DataFrame(columns=OPP_COLS)
    ids = passing["account_id"].unique()
    # Purchases in the household inside the window of the trade date, both directions (a harvest
    # keeps the statutory window even where the firm switched its compliance rule off).
    days = ws.window_days(rule_params_enabled()) or ws.WINDOW_DAYS
    events = household_events(firm_id, ids, *ws.window(ws.trade_date(inputs.as_of), days))
    bought = events.loc[events["side"] == "buy", KEY].drop_duplicates()
    pairs, subs = harvest_tables(inputs.securities)
    restrictions = restrictions_long(restrictions_frame(ids), inputs.securities)
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
    """What the rebalancer takes: account_id, security_id, quantity, substitute_id, sub_price,
    label."""
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


# --- Swap-backs ---------------------------------------------------------------------------

EXECUTED = [ProposalStatus.EXECUTED, ProposalStatus.PARTIALLY_EXECUTED]
SWAP_BACK_COLS = [
    "substitution_id",
    "account_id",
    "security_id",
    "quantity",
    "substitute_id",
    "sub_price",
    "label",
]


def _swaps_pending() -> pd.DataFrame:
    rows = Substitution.objects.filter(
        status=Substitution.PENDING, proposal__status__in=EXECUTED
    ).values_list(
        "id",
        "account_id",
        "proposal_id",
        "security_id",
        "substitute_id",
        "sold_on",
        "proposal__status_changed_at",
    )
    frame = pd.DataFrame(
        list(rows),
        columns=[
            "substitution_id",
            "account_id",
            "proposal_id",
            "original_id",
            "security_id",
            "sold_on",
            "executed_at",
        ],
    )
    frame["executed_on"] = [timezone.localtime(t).date() for t in frame["executed_at"]]
    # The sale happened on the harvest's trade date (or later, if it filled later).
    frame["sold"] = [
        max(ws.trade_date(a), b) for a, b in zip(frame["sold_on"], frame["executed_on"])
    ]
    return frame


def swap_back_due(sold: pd.Series, as_of: date, days: int = ws.WINDOW_DAYS) -> pd.Series:
    """True once the swap-back's trade date is the first safe day after the sale's window or
    later."""
    trade_day = ws.trade_date(as_of)
    return sold.map(lambda d: ws.first_safe_day(d, days) <= trade_day).astype(bool)


def _swap_back_enabled(accounts: pd.DataFrame, ids) -> pd.Series:
    rules = harvest_rules_frame()
    seg = accounts.set_index("account_id")["segment"].reindex(ids)
    by_seg = rules.dropna(subset=["segment"]).set_index("segment")["swap_back"]
    default = rules.loc[rules["segment"].isna(), "swap_back"]
    base = bool(default.iloc[0]) if len(default) else True
    return seg.map(lambda s: bool(by_seg.get(s, base))).to_numpy(bool)


def _swap_unsafe(
    firm_id: int, s: pd.DataFrame, as_of: date, pairs: pd.DataFrame, days: int
) -> pd.Series:
    """A loss sale of the original (or an identical one), or a buy of the substitute (or an
    identical one), in the group inside the window of the trade date."""
    events = household_events(
        firm_id, s["account_id"].unique(), *ws.window(ws.trade_date(as_of), days)
    )
    hits = []
    for side, col in (("sell", "original_id"), ("buy", "security_id")):
        ev = events[events["side"] == side][["account_id", "security_id"]].merge(
            pairs, on="security_id"
        )
        ev = (
            ev[["account_id", "same_id"]]
            .rename(columns={"same_id": col})
            .drop_duplicates()
            .assign(x=True)
        )
        hits.append(
            s[["account_id", col]]
            .merge(ev, on=["account_id", col], how="left")["x"]
            .notna()
            .to_numpy()
        )
    return hits[0] | hits[1]


def _swap_restricted(s: pd.DataFrame, r: pd.DataFrame):
    """The substitute is never-sell or the original never-buy."""
    ns = r.loc[r["side"] == "sell", ["account_id", "security_id"]].assign(x=True)
    nb = (
        r.loc[r["side"] == "buy", ["account_id", "security_id"]]
        .rename(columns={"security_id": "original_id"})
        .assign(y=True)
    )
    m = s[["account_id", "security_id", "original_id"]].merge(
        ns, on=["account_id", "security_id"], how="left"
    )
    m = m.merge(nb, on=["account_id", "original_id"], how="left")
    return (m["x"].notna() | m["y"].notna()).to_numpy()


def swap_backs_find(
    *, firm_id: int, inputs: ScanInputs, prices: pd.Series, skip_accounts
) -> pd.DataFrame:
    """Swap-backs to propose today, as rebalancer harvest rows (sell the substitute, buy the
    original)."""
    s = _swaps_pending()
    s = s[~s["account_id"].isin(skip_accounts)]
    days = ws.window_days(rule_params_enabled())
    if days is None:  # the rule is off for compliance; still wait out the statutory window
        days = ws.WINDOW_DAYS
    s = (
        s[
            swap_back_due(s["sold"], inputs.as_of, days)
            & s["original_id"].map(prices).notna().to_numpy()
        ]
        if len(s)
        else s
    )
    if s.empty:
        return pd.DataFrame(columns=SWAP_BACK_COLS)
    s = s[_swap_back_enabled(inputs.accounts, s["account_id"])]
    bought = pd.DataFrame(
        list(
            ProposalTrade.objects.filter(
                proposal_id__in=s["proposal_id"].tolist(), side="buy"
            ).values_list("proposal_id", "security_id", "quantity")
        ),
        columns=["proposal_id", "security_id", "bought"],
    )
    held = inputs.positions[["account_id", "security_id", "quantity"]]
    s = s.merge(bought.astype({"bought": "float64"}), on=["proposal_id", "security_id"]).merge(
        held, on=["account_id", "security_id"]
    )
    s["quantity"] = s[["quantity", "bought"]].min(axis=1)
    pairs, _ = harvest_tables(inputs.securities)
    r = restrictions_long(restrictions_frame(s["account_id"].unique()), inputs.securities)
    blocked = _swap_restricted(s, r)
    s = s[~(_swap_unsafe(firm_id, s, inputs.as_of, pairs, days) | blocked)] if len(s) else s
    s = s.assign(
        substitute_id=s["original_id"], sub_price=s["original_id"].map(prices), label="swap_back"
    )
    return s.drop_duplicates(["account_id", "security_id"])[SWAP_BACK_COLS]


def swap_backs_mark(sold: pd.DataFrame, swaps: pd.DataFrame) -> int:
    """Link each proposed swap-back to its proposal (no second proposal on a later day).
    `sold`: the sells the new proposals wrote (account_id, security_id, proposal_id)."""
    if swaps.empty or sold.empty:
        return 0
    hit = swaps.merge(sold, on=["account_id", "security_id"])
    for proposal_id, ids in hit.groupby("proposal_id")["substitution_id"]:
        Substitution.objects.filter(id__in=ids.tolist()).update(
            status=Substitution.SWAPPED, swap_proposal_id=int(proposal_id)
        )
    return len(hit)


# --- The scan's pass -----------------------------------------------------------------------


@dataclass
class HarvestPass:
    firm_id: int
    inputs: ScanInputs
    opps: pd.DataFrame  # every opportunity found today (see drift.calc.harvest)
    swaps: pd.DataFrame  # swap-backs due today
    plan: pd.DataFrame  # what the rebalancer takes (harvests and swap-backs)

    @classmethod
    def run(
        cls, *, firm_id: int, inputs: ScanInputs, skip: set, lots: pd.DataFrame | None = None
    ) -> "HarvestPass":
        prices = prices_on(firm_id, inputs.as_of)
        opps = harvest_find(firm_id=firm_id, inputs=inputs, prices=prices, lots=lots)
        harvest = harvest_plan_frame(opps, prices, skip)
        # A swap-back waits while the account harvests today (one change of a position at a time).
        swaps = swap_backs_find(
            firm_id=firm_id,
            inputs=inputs,
            prices=prices,
            skip_accounts=skip | set(harvest["account_id"]),
        )
        plan = pd.concat([harvest, swaps.drop(columns="substitution_id")], ignore_index=True)
        plan = plan.astype(
            {
                "account_id": "int64",
                "security_id": "int64",
                "substitute_id": "int64",
                "quantity": "float64",
                "sub_price": "float64",
            }
        )
        return cls(firm_id, inputs, opps, swaps, plan)

    def record(self, sold: pd.DataFrame) -> dict:
        """`sold`: the sells the new proposals wrote (account_id, security_id, proposal_id)."""
        harvests = (
            harvest_record(
                firm_id=self.firm_id,
                as_of=self.inputs.as_of,
                opps=self.opps,
                plan_frame=self.plan,
                sold=sold,
            )
            if not self.opps.empty
            else 0
        )
        return {
            "harvest_opportunities": int((self.opps["skipped"] == "").sum()),
            "harvests": harvests,
            "swap_backs": swap_backs_mark(sold, self.swaps),
        }
