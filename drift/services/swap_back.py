"""Swapping a harvest's substitute back to the original security (R-TLH-1, firm setting):
proposed only once the trade date is past the wash-sale window of the harvest (the later of
its proposal day and its execution day; drift.calc.wash_sale), and only when neither leg would wash
a loss in the group inside the window of the swap-back's own trade date."""

from datetime import date

import pandas as pd
from django.utils import timezone

from .. import selectors
from ..calc import wash_sale as ws
from ..choices import ProposalStatus
from ..models import ProposalTrade, Substitution
from ..selectors import ScanInputs
from .harvest import harvest_tables
from .proposals import restrictions_long

DONE = [ProposalStatus.EXECUTED, ProposalStatus.PARTIALLY_EXECUTED]
COLS = [
    "substitution_id",
    "account_id",
    "security_id",
    "quantity",
    "substitute_id",
    "sub_price",
    "label",
]


def _pending() -> pd.DataFrame:
    rows = Substitution.objects.filter(
        status=Substitution.PENDING, proposal__status__in=DONE
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
    """True once the swap-back's trade date is the first safe day after the sale's window or later."""
    trade_day = ws.trade_date(as_of)
    return sold.map(lambda d: ws.first_safe_day(d, days) <= trade_day).astype(bool)


def _enabled(accounts: pd.DataFrame, ids) -> pd.Series:
    rules = selectors.harvest_rules_frame()
    seg = accounts.set_index("account_id")["segment"].reindex(ids)
    by_seg = rules.dropna(subset=["segment"]).set_index("segment")["swap_back"]
    default = rules.loc[rules["segment"].isna(), "swap_back"]
    base = bool(default.iloc[0]) if len(default) else True
    return seg.map(lambda s: bool(by_seg.get(s, base))).to_numpy(bool)


def _unsafe(
    firm_id: int, s: pd.DataFrame, as_of: date, pairs: pd.DataFrame, days: int
) -> pd.Series:
    """A loss sale of the original (or an identical one), or a buy of the substitute (or an
    identical one), in the group inside the window of the trade date."""
    events = selectors.household_events(
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


def _restricted(s: pd.DataFrame, r: pd.DataFrame):
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
    """Swap-backs to propose today, as rebalancer harvest rows (sell the substitute, buy the original)."""
    s = _pending()
    s = s[~s["account_id"].isin(skip_accounts)]
    days = ws.window_days(selectors.rule_params_enabled())
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
        return pd.DataFrame(columns=COLS)
    s = s[_enabled(inputs.accounts, s["account_id"])]
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
    r = restrictions_long(selectors.restrictions_frame(s["account_id"].unique()), inputs.securities)
    blocked = _restricted(s, r)
    s = s[~(_unsafe(firm_id, s, inputs.as_of, pairs, days) | blocked)] if len(s) else s
    s = s.assign(
        substitute_id=s["original_id"], sub_price=s["original_id"].map(prices), label="swap_back"
    )
    return s.drop_duplicates(["account_id", "security_id"])[COLS]


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
