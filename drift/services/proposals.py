"""Building proposals in bulk: parameters per account → the pure rebalancer → rows written
with COPY (proposals, then their trades), each proposal frozen with its content hash."""

import json
from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from django.db import transaction

from core import locks
from core.pgcopy import insert_text, text_field, text_fixed, text_int
from firms.models import Membership
from firms.services.audit import audit_record
from webhooks.choices import EventType
from webhooks.services.emit import webhook_emit_many

from ..calc.content_hash import proposal_content_hash
from ..calc.drift import DriftResult
from ..calc.rebalance import Plan, plan_trades
from ..choices import ProposalKind, ProposalSource, ProposalStatus
from ..models import Proposal
from ..selectors.harvest import harvest_tables
from ..selectors.scan import (
    ScanInputs,
    latest_versions,
    lots_frame,
    prices_on,
    realised_gains_ytd,
    restrictions_frame,
)
from ..signals import proposals_created
from .transitions import proposals_supersede_replaced, versions_lock_for_new
from .wash_avoid import cash_floor_pct, guard_for, resolve, wash_facts

# The firm whose proposal lock the current scan shard holds in shared mode (shard_proposal_lock).
_SHARD_FIRM: ContextVar[int | None] = ContextVar("drift_shard_firm", default=None)


def lock_firm_proposals(firm_id: int) -> None:
    if _SHARD_FIRM.get() == firm_id:
        # A scan shard holds the lock shared for its whole transaction: every other writer of
        # the firm's proposals (exclusive) still waits for it, and the shards, whose accounts
        # and households are disjoint, run side by side. Asking for it exclusively here would
        # make two shards wait on each other.
        return
    locks.xact_lock(locks.PROPOSAL_BUILD, firm_id)


@contextmanager
def shard_proposal_lock(firm_id: int):
    """Inside a transaction: take the firm's proposal lock shared, for a scan shard whose
    accounts (whole households) no other shard of the run touches."""
    locks.xact_lock_shared(locks.PROPOSAL_BUILD, firm_id)
    token = _SHARD_FIRM.set(firm_id)
    try:
        yield
    finally:
        _SHARD_FIRM.reset(token)


def _account_params(
    inputs: ScanInputs, result: DriftResult, ids, kind: str | None, new_cash: pd.Series | None
) -> pd.DataFrame:
    acc = inputs.accounts[inputs.accounts["account_id"].isin(ids)].copy()
    rules = inputs.rules.set_index("rule_id")
    acc = acc.merge(
        result.accounts[["account_id", "total_value", "portfolio_drift"]], on="account_id"
    )
    acc["mode"] = "band_edge" if kind == ProposalKind.BAND_EDGE else "target"
    if kind is None:
        acc["mode"] = acc["rule_id"].map(rules["rebalance_to"]).fillna("target")
    acc["min_trade_value"] = acc["rule_id"].map(rules["min_trade_value"]).fillna(0.0)
    acc["cash_floor_pct"] = acc["rule_id"].map(rules["cash_floor_pct"]).fillna(0.0)
    acc = acc.merge(inputs.custodians, on="custodian_id", how="left")
    acc["fractional"] = acc["supports_fractional"].fillna(False).astype(bool)
    acc["new_cash"] = acc["account_id"].map(new_cash).fillna(0.0) if new_cash is not None else 0.0
    acc["allow_buy"] = kind != ProposalKind.CASH_RAISE
    acc["allow_sell"] = kind != ProposalKind.CASH_DEPLOY
    return acc


def restrictions_long(r: pd.DataFrame, securities: pd.DataFrame) -> pd.DataFrame:
    """account_id, security_id, side ("sell" = never-sell, "buy" = never-buy)."""
    by_symbol = securities.set_index("symbol")["security_id"]
    long = [
        (a, by_symbol[s], side)
        for a, ns, nb in r[["account_id", "never_sell", "never_buy"]].itertuples(index=False)
        for side, symbols in (("sell", ns), ("buy", nb))
        for s in symbols
        if s in by_symbol.index
    ]
    return pd.DataFrame(long, columns=["account_id", "security_id", "side"])


def _restrictions(
    acc: pd.DataFrame, securities: pd.DataFrame, as_of: date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r = restrictions_frame(acc["account_id"])
    restrictions = restrictions_long(r, securities)
    budget = r.dropna(subset=["gains_budget"])
    acc["gains_budget_left"] = np.nan
    acc["gains_cap"] = False
    acc["gains_mode"] = None
    if len(budget):
        ytd = realised_gains_ytd(budget["account_id"], as_of)
        left = (
            budget.set_index("account_id")["gains_budget"].astype(float)
            - ytd.reindex(budget["account_id"]).fillna(0.0).to_numpy()
        )
        acc["gains_budget_left"] = acc["account_id"].map(left)
        mode = budget.set_index("account_id")["gains_budget_mode"]
        acc["gains_mode"] = acc["account_id"].map(mode)
        acc["gains_cap"] = acc["gains_mode"].eq("cap")
    return acc, restrictions


def _firm_cash_floor(acc: pd.DataFrame) -> pd.Series:
    """The drift rule's cash floor, raised to the firm's liquidity minimum (the compliance
    rule's share and amount), a hair above it so costs cannot tip the check."""
    min_pct, min_amount = cash_floor_pct()
    investable = (acc["total_value"] + acc["new_cash"]).astype(float)
    from_amount = np.where(
        investable > 0, min_amount / investable.where(investable > 0, 1.0) * 100.0, 0.0
    )
    firm = np.maximum(min_pct, from_amount)
    return pd.Series(
        np.where(firm > 0, np.maximum(acc["cash_floor_pct"], firm + 1e-4), acc["cash_floor_pct"]),
        index=acc.index,
    )


@dataclass(frozen=True)
class ProposalBuildRequest:
    """What to build proposals for: accounts of one read of the scan's inputs and their drift,
    and how (plan_for, proposals_build)."""

    firm_id: int
    inputs: ScanInputs
    result: DriftResult
    account_ids: Sequence[int]
    kind: str | None = None  # None: each account's rule decides (to target or to the band edge)
    source: str = ProposalSource.SCAN
    new_cash: pd.Series | None = None  # account_id -> cash to deploy (+) or raise (-)
    created_by: Membership | None = None
    cash_amount: pd.Series | None = None  # account_id -> the amount the advisor asked for
    harvest: pd.DataFrame | None = None  # harvests and swap-backs to fold in (services.harvest)
    lots: pd.DataFrame | None = None  # the tax lots already read, to save a second read


def plan_for(req: ProposalBuildRequest) -> tuple[pd.DataFrame, Plan]:
    """The trade plan of `account_ids` (no writes). `req.harvest`: see plan_trades; an account in
    it that does not breach is planned for the harvest alone (mode "hold"). The plan respects
    what compliance checks (drift.services.wash_avoid): it avoids wash sales household-wide,
    keeps the firm's liquidity minimum and the single-security cap on buys."""

    firm_id, inputs, result, kind = req.firm_id, req.inputs, req.result, req.kind
    harvest, lots = req.harvest, req.lots
    acc = _account_params(inputs, result, req.account_ids, kind, req.new_cash)
    acc["cash_floor_pct"] = _firm_cash_floor(acc)
    if harvest is not None and kind is None:
        calm = acc["account_id"].isin(harvest["account_id"]) & ~acc["account_id"].map(
            result.accounts.set_index("account_id")["breached"]
        ).fillna(False).astype(bool)
        acc.loc[calm, "mode"] = "hold"
    acc, restrictions = _restrictions(acc, inputs.securities, inputs.as_of)
    prices = prices_on(firm_id, inputs.as_of)
    ids = set(acc["account_id"])
    holdings = inputs.positions[inputs.positions["account_id"].isin(ids)]
    classes = result.classes[result.classes["account_id"].isin(ids)]
    if lots is not None:
        lots = lots[lots["account_id"].isin(ids)]
    else:
        lots = (
            lots_frame(firm_id, list(ids))
            if ids
            else pd.DataFrame(
                columns=[
                    "lot_id",
                    "account_id",
                    "security_id",
                    "acquired_on",
                    "quantity",
                    "cost_basis",
                ]
            )
        )
    symbols = dict(zip(inputs.securities["security_id"], inputs.securities["symbol"]))
    pairs, subs = harvest_tables(inputs.securities)
    facts = wash_facts(firm_id, sorted(ids), inputs.as_of, pairs, subs)
    never_buy = (
        restrictions.loc[restrictions["side"] == "buy", KEY]
        if len(restrictions)
        else pd.DataFrame(columns=KEY)
    )

    def plan(guard):
        h = _unguarded(harvest, guard)
        return plan_trades(
            holdings=holdings,
            securities=inputs.securities,
            prices=prices,
            targets=inputs.targets,
            classes=classes,
            accts=acc,
            restrictions=restrictions,
            lots=lots,
            as_of=inputs.as_of,
            harvest=h,
            guard=guard,
        )

    guard = guard_for(facts, symbols, securities=inputs.securities)
    result_plan, washed = resolve(facts, plan(guard), prices, symbols, never_buy)
    if len(
        washed
    ):  # a loss sell another account of the household buys back today: sell gain lots only
        guard = guard_for(facts, symbols, securities=inputs.securities, extra_no_loss=washed)
        result_plan, _ = resolve(facts, plan(guard), prices, symbols, never_buy)
    return acc, result_plan


KEY = ["account_id", "security_id"]


def _unguarded(harvest: pd.DataFrame | None, guard) -> pd.DataFrame | None:
    """The harvests whose loss sale the guard does not forbid."""
    if harvest is None or guard.no_loss is None or guard.no_loss.empty or harvest.empty:
        return harvest
    hit = (
        harvest[KEY]
        .merge(guard.no_loss[KEY].drop_duplicates().assign(x=True), on=KEY, how="left")["x"]
        .notna()
        .to_numpy()
    )
    return harvest[~hit]


def _by_key(keys, items: list) -> dict:
    """key -> [items…] for `keys` already grouped together (sorted), without a per-row loop."""
    keys = np.asarray(keys)
    if not len(keys):
        return {}
    starts = np.r_[0, np.flatnonzero(keys[1:] != keys[:-1]) + 1]
    ends = np.r_[starts[1:], len(keys)]
    return {k: items[a:b] for k, a, b in zip(keys[starts].tolist(), starts.tolist(), ends.tolist())}


def _harvest_notes(plan: Plan, harvest: pd.DataFrame | None, symbols: dict) -> dict:
    """account_id -> [{sold, substitute, label}] for the harvests the plan actually trades."""
    if harvest is None or harvest.empty:
        return {}
    sold = plan.trades.loc[plan.trades["side"] == "sell", ["account_id", "security_id"]]
    h = harvest.merge(sold, on=["account_id", "security_id"]).sort_values(
        "account_id", kind="stable"
    )
    labels = h["label"].tolist() if "label" in h else ["harvest"] * len(h)
    notes = [
        {"sold": symbols.get(a, ""), "substitute": symbols.get(b, ""), "label": lab}
        for a, b, lab in zip(h["security_id"].tolist(), h["substitute_id"].tolist(), labels)
    ]
    return _by_key(h["account_id"].to_numpy(), notes)


def _reprs(values, places: int) -> list[str]:
    """repr() of each value rounded to `places` (as json.dumps writes round(x, places)); the
    common percent range comes from a table."""
    x = np.round(np.asarray(values, dtype=float), places)
    scale = 10**places
    table = _repr_table(places)
    with np.errstate(invalid="ignore"):
        m = np.rint(x * scale)
        inside = np.isfinite(m) & (m >= 0) & (m < len(table))
    out = table[np.where(inside, m, 0).astype(np.int64)]
    for i in np.flatnonzero(~inside):
        out[i] = repr(float(x[i]))
    return out.tolist()


_REPR_TABLES: dict = {}


def _repr_table(places: int) -> np.ndarray:
    if places not in _REPR_TABLES:
        scale = 10**places
        _REPR_TABLES[places] = np.array(
            [repr(i / scale) for i in range(100 * scale + 1)], dtype=object
        )  # 0 … 100
    return _REPR_TABLES[places]


# The two JSON columns below are written from fragments, not json.dumps per row: measured in
# the drift bench (20,000 accounts, 6,314 proposals) json.dumps spent 2.25 s in these two
# builders against 0.91 s for the fragments (docs/RELIABILITY.md, "Proposal JSON"). The
# fragments give the same text json.dumps would (repr of the rounded floats).
def _lots_json(lots: pd.DataFrame, trades: pd.DataFrame) -> dict:
    """(account_id, security_id) -> JSON text of the lots a sell uses, in the order picked."""
    used = lots.merge(
        trades.loc[trades["side"] == "sell", ["account_id", "security_id"]],
        on=["account_id", "security_id"],
    )
    if used.empty:
        return {}
    used = used.sort_values(["account_id", "security_id"], kind="stable")
    term = np.where(
        used["long_term"].to_numpy(bool), ', "term": "long"}', ', "term": "short"}'
    ).tolist()
    frag = [
        f'{{"lot": {lot}, "quantity": {round(q, 6)!r}, "gain": {round(g, 2)!r}{t}'
        for lot, q, g, t in zip(
            used["lot_id"].astype("int64").tolist(),
            used["take"].astype(float).tolist(),
            used["gain"].astype(float).tolist(),
            term,
        )
    ]
    acct, sec = used["account_id"].to_numpy("int64"), used["security_id"].to_numpy("int64")
    pair = np.r_[
        0, np.cumsum((acct[1:] != acct[:-1]) | (sec[1:] != sec[:-1]))
    ]  # one number per (account, security)
    keys = dict(zip(pair.tolist(), zip(acct.tolist(), sec.tolist())))
    return {keys[k]: "[" + ", ".join(v) + "]" for k, v in _by_key(pair, frag).items()}


def _allocation_json(allocation: pd.DataFrame, accounts) -> dict:
    """account_id -> JSON text {asset_class: {current, proposed, target}} (2 places)."""
    a = allocation[allocation["account_id"].isin(accounts)].sort_values("account_id", kind="stable")
    a = a.drop_duplicates(["account_id", "asset_class"], keep="last")  # as dict() would keep it
    codes, names = pd.factorize(a["asset_class"].to_numpy(object))
    keys = np.array([json.dumps(str(n)) + ': {"current": ' for n in names], dtype=object)[
        codes
    ].tolist()
    frag = [
        f'{k}{x}, "proposed": {y}, "target": {z}}}'
        for k, x, y, z in zip(
            keys, _reprs(a["current"], 2), _reprs(a["proposed"], 2), _reprs(a["target"], 2)
        )
    ]
    return {
        k: "{" + ", ".join(v) + "}"
        for k, v in _by_key(a["account_id"].to_numpy("int64"), frag).items()
    }


def _proposals_write(
    req: ProposalBuildRequest, acc: pd.DataFrame, plan: Plan, symbols: dict
) -> tuple[list[int], pd.DataFrame]:
    """Write a proposal (status draft) with its trades for every account of `plan` that trades.
    Returns the new ids and the sells written: account_id, security_id, proposal_id."""
    firm_id, as_of, kind, source = req.firm_id, req.inputs.as_of, req.kind, req.source
    created_by, cash_amount, harvest = req.created_by, req.cash_amount, req.harvest
    summary = plan.accounts[plan.accounts["trades"] > 0].merge(
        acc, on="account_id", suffixes=("", "_acc")
    )
    if summary.empty:
        return [], pd.DataFrame(columns=["account_id", "security_id", "proposal_id"], dtype="int64")
    summary = summary.sort_values("account_id", kind="stable").reset_index(drop=True)
    trades = plan.trades[plan.trades["account_id"].isin(summary["account_id"])]
    trades = trades.sort_values(["account_id", "side", "security_id"], kind="stable").reset_index(
        drop=True
    )
    trades["quantity_s"] = text_fixed(trades["quantity"], 6)
    trades["price_s"] = text_fixed(trades["price"], 6)
    trades["value_s"] = text_fixed(trades["value"], 2)
    canon = _by_key(
        trades["account_id"].to_numpy("int64"),
        [
            [s, side, q, p, v]
            for s, side, q, p, v in zip(
                trades["security_id"].astype("int64").tolist(),
                trades["side"].tolist(),
                trades["quantity_s"].tolist(),
                trades["price_s"].tolist(),
                trades["value_s"].tolist(),
            )
        ],
    )
    alloc = _allocation_json(plan.allocation, summary["account_id"])
    u = plan.undone.sort_values("account_id", kind="stable") if len(plan.undone) else plan.undone
    undone = _by_key(
        u["account_id"].to_numpy("int64") if len(u) else [],
        [
            {
                "security_id": int(sid),
                "symbol": symbols.get(sid, ""),
                "side": side,
                "value": round(float(v), 2),
                "reason": why,
            }
            for sid, side, v, why in zip(
                u["security_id"].tolist(),
                u["side"].tolist(),
                u["value"].tolist(),
                u["reason"].tolist(),
            )
        ]
        if len(u)
        else [],
    )
    versions = latest_versions(summary["account_id"])
    kinds = {
        "target": ProposalKind.FULL,
        "band_edge": ProposalKind.BAND_EDGE,
        "hold": ProposalKind.HARVEST,
    }
    notes = _harvest_notes(plan, harvest, symbols)
    unavoidable = (
        plan.notes.groupby("account_id")["text"].agg(list).to_dict()
        if plan.notes is not None and len(plan.notes)
        else {}
    )
    n = len(summary)
    account_ids = summary["account_id"].astype("int64").tolist()
    version = (summary["account_id"].map(versions).fillna(0).astype("int64") + 1).tolist()
    kind_of = [str(kind)] * n if kind else [str(kinds[m]) for m in summary["mode"].tolist()]
    cash = (
        summary["account_id"].map(cash_amount).fillna(0.0).astype(float)
        if cash_amount is not None
        else pd.Series(0.0, index=summary.index)
    )
    money = {
        c: text_fixed(summary[c], 2)
        for c in (
            "total_value",
            "trade_value",
            "est_costs",
            "est_tax",
            "realised_st",
            "realised_lt",
            "losses_st",
            "losses_lt",
            "tax_saved",
        )
    }
    cash_s = text_fixed(cash, 2)
    as_of_s = as_of.isoformat()
    hashes, flags = [], []
    for i, (a, tlh, alt, mode, warn, loss) in enumerate(
        zip(
            account_ids,
            summary["tlh"].tolist(),
            summary["alternatives"].tolist(),
            summary["gains_mode"].tolist(),
            summary["gains_budget_warn"].tolist(),
            summary["harvested_loss"].astype(float).tolist(),
        )
    ):
        f = {
            "tlh": bool(tlh),
            "alternatives": bool(alt),
            "gains_budget": (mode or "warn") if bool(warn) else None,
            "harvested_loss": round(loss, 2),
        }
        if a in notes:
            f["harvest"] = notes[a]
        if a in unavoidable:
            f["unavoidable"] = unavoidable[a]
        flags.append(json.dumps(f))
        hashes.append(
            proposal_content_hash(
                account_id=a,
                version=version[i],
                kind=kind_of[i],
                as_of=as_of_s,
                trades=canon.get(a, []),
                est_costs=money["est_costs"][i],
                est_tax=money["est_tax"][i],
                cash_amount=cash_s[i],
            )
        )
    fields = {
        "account_id": [str(a) for a in account_ids],
        "version": [str(v) for v in version],
        "kind": text_field(kind_of).tolist(),
        "source": [str(source)] * n,
        "status": [str(ProposalStatus.DRAFT)] * n,
        "as_of": [as_of_s] * n,
        "rule_id": text_int(summary["rule_id"]),
        "created_by_id": text_int([getattr(created_by, "pk", None)] * n),
        "content_hash": hashes,
        **{c: money[c] for c in ("total_value",)},
        "cash_amount": cash_s,
        **{
            c: money[c]
            for c in (
                "trade_value",
                "est_costs",
                "est_tax",
                "realised_st",
                "realised_lt",
                "losses_st",
                "losses_lt",
                "tax_saved",
            )
        },
        "drift_before": text_fixed(summary["portfolio_drift"], 3),
        "drift_after": text_fixed(summary["drift_after"], 3),
        "allocation": text_field([alloc.get(a, "{}") for a in account_ids]).tolist(),
        "flags": text_field(flags).tolist(),
        "undone": text_field([json.dumps(undone.get(a, [])) for a in account_ids]).tolist(),
    }
    rows = insert_text(
        "drift_proposal",
        fields,
        constants={
            "firm_id": "%(f)s",
            "created_at": "statement_timestamp()",
            "status_changed_at": "statement_timestamp()",
        },
        params={"f": firm_id},
        returning="id, account_id",
    )
    ids = {acct: pk for pk, acct in rows}
    trades["proposal_id"] = trades["account_id"].map(ids).astype("int64")
    _persist_trades(firm_id, trades, _lots_json(plan.lots, trades))
    sells = (
        trades.loc[trades["side"] == "sell", ["account_id", "security_id", "proposal_id"]]
        .astype("int64")
        .reset_index(drop=True)
    )
    return list(ids.values()), sells


def _persist_trades(firm_id: int, trades: pd.DataFrame, lots: dict) -> None:
    keys = zip(
        trades["account_id"].tolist(), trades["security_id"].tolist(), trades["side"].tolist()
    )
    insert_text(
        "drift_proposaltrade",
        {
            "proposal_id": text_int(trades["proposal_id"]),
            "security_id": text_int(trades["security_id"]),
            "side": text_field(trades["side"]).tolist(),
            "quantity": trades["quantity_s"].tolist(),
            "price": trades["price_s"].tolist(),
            "value": trades["value_s"].tolist(),
            "realised_st": text_fixed(trades["realised_st"], 2),
            "realised_lt": text_fixed(trades["realised_lt"], 2),
            "lots": [lots.get((a, s), "[]") if side == "sell" else "[]" for a, s, side in keys],
        },
        constants={"firm_id": "%(f)s"},
        params={"f": firm_id},
    )


def proposals_build(req: ProposalBuildRequest) -> tuple[list[int], pd.DataFrame]:
    """Plan and write proposals for `req.account_ids` (the caller has excluded held and open
    accounts). Returns the new ids and the sells written (account_id, security_id,
    proposal_id): the harvest records link to them."""
    firm_id, inputs, account_ids, source = req.firm_id, req.inputs, req.account_ids, req.source
    created_by, kind = req.created_by, req.kind
    none = pd.DataFrame(columns=["account_id", "security_id", "proposal_id"], dtype="int64")
    if len(account_ids) == 0:
        return [], none
    with transaction.atomic():
        lock_firm_proposals(firm_id)
        earlier = versions_lock_for_new(account_ids)  # one live version per account
        acc, plan = plan_for(req)
        symbols = dict(zip(inputs.securities["security_id"], inputs.securities["symbol"]))
        ids, sells = _proposals_write(req, acc, plan, symbols)
        if ids:
            proposals_supersede_replaced(
                earlier=earlier,
                new_ids=ids,
                actor=getattr(created_by, "user", None),
                reason=f"a newer version ({source}) replaces it",
            )
            audit_record(
                firm_id=firm_id,
                event="proposals.created",
                actor=getattr(created_by, "user", None),
                payload={
                    "count": len(ids),
                    "as_of": inputs.as_of.isoformat(),
                    "source": source,
                    "kind": kind or "rule",
                    "first_id": min(ids),
                    "last_id": max(ids),
                },
            )
            webhook_emit_many(firm_id=firm_id, event_type=EventType.PROPOSAL_CREATED, ids=ids)
            # Later stages (compliance checks first) hear of the new versions once committed.
            transaction.on_commit(
                lambda: proposals_created.send(sender=Proposal, firm_id=firm_id, proposal_ids=ids)
            )
    return ids, sells
