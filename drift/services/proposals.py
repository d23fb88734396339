"""Building proposals in bulk: parameters per account → the pure rebalancer → rows written
with COPY (proposals, then their trades), each proposal frozen with its content hash."""
import hashlib
import json
from datetime import date

import numpy as np
import pandas as pd
from django.db import connection, transaction

from firms.audit import audit_record

from .. import selectors
from ..arithmetic import DriftResult
from ..choices import ProposalKind, ProposalSource, ProposalStatus
from ..pgcopy import bulk_insert
from ..models import Proposal
from ..selectors import ScanInputs
from ..signals import proposals_created
from .engine import Plan, plan_trades

PROPOSAL_LOCK = 7_300_001  # advisory lock namespace: building a firm's proposals


def lock_firm_proposals(firm_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [PROPOSAL_LOCK, firm_id])


def _account_params(inputs: ScanInputs, result: DriftResult, ids, kind: str | None, new_cash: pd.Series | None) -> pd.DataFrame:
    acc = inputs.accounts[inputs.accounts["account_id"].isin(ids)].copy()
    rules = inputs.rules.set_index("rule_id")
    acc = acc.merge(result.accounts[["account_id", "total_value", "portfolio_drift"]], on="account_id")
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
    long = [(a, by_symbol[s], side) for a, ns, nb in r[["account_id", "never_sell", "never_buy"]].itertuples(index=False)
            for side, symbols in (("sell", ns), ("buy", nb)) for s in symbols if s in by_symbol.index]
    return pd.DataFrame(long, columns=["account_id", "security_id", "side"])


def _restrictions(acc: pd.DataFrame, securities: pd.DataFrame, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    r = selectors.restrictions_frame(acc["account_id"])
    restrictions = restrictions_long(r, securities)
    budget = r.dropna(subset=["gains_budget"])
    acc["gains_budget_left"] = np.nan
    acc["gains_cap"] = False
    acc["gains_mode"] = None
    if len(budget):
        ytd = selectors.realised_gains_ytd(budget["account_id"], as_of)
        left = budget.set_index("account_id")["gains_budget"].astype(float) - ytd.reindex(budget["account_id"]).fillna(0.0).to_numpy()
        acc["gains_budget_left"] = acc["account_id"].map(left)
        mode = budget.set_index("account_id")["gains_budget_mode"]
        acc["gains_mode"] = acc["account_id"].map(mode)
        acc["gains_cap"] = acc["gains_mode"].eq("cap")
    return acc, restrictions


def plan_for(*, firm_id: int, inputs: ScanInputs, result: DriftResult, account_ids, kind: str | None = None,
             new_cash: pd.Series | None = None, harvest: pd.DataFrame | None = None) -> tuple[pd.DataFrame, Plan]:
    """The trade plan of `account_ids` (no writes). `harvest`: see plan_trades; an account in
    it that does not breach is planned for the harvest alone (mode "hold")."""
    acc = _account_params(inputs, result, account_ids, kind, new_cash)
    if harvest is not None and kind is None:
        calm = acc["account_id"].isin(harvest["account_id"]) & ~acc["account_id"].map(result.accounts.set_index("account_id")["breached"]).fillna(False).astype(bool)
        acc.loc[calm, "mode"] = "hold"
    acc, restrictions = _restrictions(acc, inputs.securities, inputs.as_of)
    prices = selectors.prices_on(firm_id, inputs.as_of)
    ids = set(acc["account_id"])
    holdings = inputs.positions[inputs.positions["account_id"].isin(ids)]
    classes = result.classes[result.classes["account_id"].isin(ids)]
    lots = selectors.lots_frame(firm_id, list(ids)) if ids else pd.DataFrame(
        columns=["lot_id", "account_id", "security_id", "acquired_on", "quantity", "cost_basis"])
    plan = plan_trades(holdings=holdings, securities=inputs.securities, prices=prices, targets=inputs.targets,
                       classes=classes, accts=acc, restrictions=restrictions, lots=lots, as_of=inputs.as_of,
                       harvest=harvest)
    return acc, _substitute_buys(firm_id, plan, prices, inputs.as_of)


# Later stages may replace planned buys up front (compliance: a fair substitute for a buy that
# would wash a recent loss sale). A provider takes (firm_id=, account_ids=, as_of=) and returns
# a frame account_id, security_id, substitute_id; drift applies it without knowing why.
BUY_SUBSTITUTE_PROVIDERS: list = []
TRADE_KEY = ["account_id", "security_id", "side"]


def _substitute_buys(firm_id: int, plan: Plan, prices: pd.Series, as_of: date) -> Plan:
    buys = plan.trades[plan.trades["side"] == "buy"]
    if not BUY_SUBSTITUTE_PROVIDERS or buys.empty:
        return plan
    ids = sorted(buys["account_id"].unique().tolist())
    swaps = pd.concat([provide(firm_id=firm_id, account_ids=ids, as_of=as_of) for provide in BUY_SUBSTITUTE_PROVIDERS])
    swaps = swaps.assign(sub_price=swaps["substitute_id"].map(prices)).dropna(subset=["sub_price"])
    t = plan.trades.merge(swaps.drop_duplicates(["account_id", "security_id"]), on=["account_id", "security_id"], how="left")
    hit = (t["side"] == "buy") & t["substitute_id"].notna()
    if not hit.any():
        return plan
    moved = t.loc[hit, ["account_id", "security_id", "value"]].assign(side="buy", reason="wash-sale window: a substitute is bought instead")
    whole = t["quantity"] == np.floor(t["quantity"])
    raw = t["value"] / t["sub_price"]
    qty = np.where(whole, np.floor(raw + 1e-9), np.floor(raw * 1000 + 1e-6) / 1000)
    t.loc[hit, "security_id"] = t.loc[hit, "substitute_id"]
    t.loc[hit, "price"], t.loc[hit, "quantity"] = t.loc[hit, "sub_price"], qty[hit.to_numpy()]
    t.loc[hit, "value"] = t.loc[hit, "quantity"] * t.loc[hit, "price"]
    t = t[t["quantity"] > 0].drop(columns=["substitute_id", "sub_price"]).astype({"security_id": "int64"})
    sums = ["quantity", "value", "realised_st", "realised_lt", "harvested_loss", "cost"]
    t = t.groupby(TRADE_KEY, as_index=False).agg({**{c: "sum" for c in sums}, "price": "first"})[plan.trades.columns]
    return Plan(t, plan.lots, plan.accounts, plan.allocation, pd.concat([plan.undone, moved], ignore_index=True))


def _money(x) -> str:
    return f"{x:.2f}"


def content_hash(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _grouped(frame: pd.DataFrame, key: str, build) -> dict:
    out: dict = {}
    for row in frame.itertuples(index=False):
        out.setdefault(getattr(row, key), []).append(build(row))
    return out


def _harvest_notes(plan: Plan, harvest: pd.DataFrame | None, symbols: dict) -> dict:
    """account_id -> [{sold, substitute, label}] for the harvests the plan actually trades."""
    if harvest is None or harvest.empty:
        return {}
    sold = plan.trades.loc[plan.trades["side"] == "sell", ["account_id", "security_id"]]
    h = harvest.merge(sold, on=["account_id", "security_id"])
    label = h["label"] if "label" in h else pd.Series("harvest", index=h.index)
    h = h.assign(label=label)
    return _grouped(h, "account_id", lambda r: {"sold": symbols.get(r.security_id, ""), "substitute": symbols.get(r.substitute_id, ""),
                                               "label": r.label})


def proposals_persist(*, firm_id: int, acc: pd.DataFrame, plan: Plan, as_of: date, kind: str | None, source: str,
                      symbols: dict, created_by=None, cash_amount: pd.Series | None = None,
                      harvest: pd.DataFrame | None = None) -> list[int]:
    """Write a proposal (status draft) with its trades for every account of `plan` that trades."""
    summary = plan.accounts[plan.accounts["trades"] > 0].merge(acc, on="account_id", suffixes=("", "_acc"))
    if summary.empty:
        return []
    trades = plan.trades[plan.trades["account_id"].isin(summary["account_id"])].copy()
    trades["quantity_s"] = trades["quantity"].map("{:.6f}".format)
    trades["price_s"] = trades["price"].map("{:.6f}".format)
    trades["value_s"] = trades["value"].map(_money)
    lots = _grouped(plan.lots.merge(trades[["account_id", "security_id"]], on=["account_id", "security_id"]),
                    "account_id", lambda r: (r.security_id, {"lot": int(r.lot_id), "quantity": round(float(r.take), 6),
                                                             "gain": round(float(r.gain), 2), "term": "long" if r.long_term else "short"}))
    canon = _grouped(trades.sort_values(["account_id", "side", "security_id"]), "account_id",
                     lambda r: [int(r.security_id), r.side, r.quantity_s, r.price_s, r.value_s])
    alloc = _grouped(plan.allocation[plan.allocation["account_id"].isin(summary["account_id"])], "account_id",
                     lambda r: (r.asset_class, {"current": round(r.current, 2), "proposed": round(r.proposed, 2), "target": round(r.target, 2)}))
    undone = _grouped(plan.undone, "account_id", lambda r: {"security_id": int(r.security_id), "symbol": symbols.get(r.security_id, ""), "side": r.side,
                                                               "value": round(float(r.value), 2), "reason": r.reason})
    versions = selectors.latest_versions(summary["account_id"])
    rows = []
    kinds = {"target": ProposalKind.FULL, "band_edge": ProposalKind.BAND_EDGE, "hold": ProposalKind.HARVEST}
    notes = _harvest_notes(plan, harvest, symbols)
    for s in summary.itertuples(index=False):
        version = int(versions.get(s.account_id, 0)) + 1
        k = kind or kinds[s.mode]
        flags = {"tlh": bool(s.tlh), "alternatives": bool(s.alternatives),
                 "gains_budget": (s.gains_mode or "warn") if bool(s.gains_budget_warn) else None,
                 "harvested_loss": round(float(s.harvested_loss), 2)}
        if s.account_id in notes:
            flags["harvest"] = notes[s.account_id]
        cash = float(cash_amount.get(s.account_id, 0.0)) if cash_amount is not None else 0.0
        content = {"account": int(s.account_id), "version": version, "kind": str(k), "as_of": as_of.isoformat(),
                   "trades": canon.get(s.account_id, []), "est_costs": _money(s.est_costs), "est_tax": _money(s.est_tax),
                   "cash_amount": _money(cash)}
        rows.append({
            "firm_id": firm_id, "account_id": int(s.account_id), "version": version, "kind": str(k), "source": source,
            "status": ProposalStatus.DRAFT, "as_of": as_of, "rule_id": int(s.rule_id) if pd.notna(s.rule_id) else None,
            "created_by_id": getattr(created_by, "pk", None), "content_hash": content_hash(content),
            "total_value": _money(s.total_value), "cash_amount": _money(cash), "trade_value": _money(s.trade_value),
            "est_costs": _money(s.est_costs), "est_tax": _money(s.est_tax), "realised_st": _money(s.realised_st),
            "realised_lt": _money(s.realised_lt), "losses_st": _money(s.losses_st), "losses_lt": _money(s.losses_lt),
            "tax_saved": _money(s.tax_saved), "drift_before": f"{s.portfolio_drift:.3f}", "drift_after": f"{s.drift_after:.3f}",
            "allocation": json.dumps(dict(alloc.get(s.account_id, []))), "flags": json.dumps(flags),
            "undone": json.dumps(undone.get(s.account_id, [])),
        })
    frame = pd.DataFrame(rows)
    now = pd.Timestamp.now(tz="UTC").isoformat()
    frame["created_at"] = now
    frame["status_changed_at"] = now
    frame["created_by_id"] = frame["created_by_id"].astype("Int64")
    frame["rule_id"] = frame["rule_id"].astype("Int64")
    ids = dict((acct, pk) for pk, acct in bulk_insert("drift_proposal", frame, returning="id, account_id"))
    _persist_trades(firm_id, trades, ids, lots)
    return list(ids.values())


def _persist_trades(firm_id: int, trades: pd.DataFrame, ids: dict, lots: dict) -> None:
    by_trade: dict = {}
    for account_id, items in lots.items():
        for security_id, lot in items:
            by_trade.setdefault((account_id, security_id), []).append(lot)
    frame = pd.DataFrame({
        "firm_id": firm_id, "proposal_id": trades["account_id"].map(ids).to_numpy(), "security_id": trades["security_id"].to_numpy(),
        "side": trades["side"].to_numpy(), "quantity": trades["quantity_s"].to_numpy(), "price": trades["price_s"].to_numpy(),
        "value": trades["value_s"].to_numpy(), "realised_st": trades["realised_st"].map(_money).to_numpy(),
        "realised_lt": trades["realised_lt"].map(_money).to_numpy(),
        "lots": [json.dumps(by_trade.get((a, s), [])) if side == "sell" else "[]"
                 for a, s, side in zip(trades["account_id"], trades["security_id"], trades["side"])],
    })
    bulk_insert("drift_proposaltrade", frame)


def proposals_build(*, firm_id: int, inputs: ScanInputs, result: DriftResult, account_ids, kind: str | None = None,
                    source: str = ProposalSource.SCAN, new_cash: pd.Series | None = None, created_by=None,
                    cash_amount: pd.Series | None = None, harvest: pd.DataFrame | None = None) -> list[int]:
    """Plan and write proposals for `account_ids` (caller has excluded held/open accounts)."""
    if len(account_ids) == 0:
        return []
    with transaction.atomic():
        lock_firm_proposals(firm_id)
        acc, plan = plan_for(firm_id=firm_id, inputs=inputs, result=result, account_ids=account_ids, kind=kind, new_cash=new_cash,
                            harvest=harvest)
        symbols = dict(zip(inputs.securities["security_id"], inputs.securities["symbol"]))
        ids = proposals_persist(firm_id=firm_id, acc=acc, plan=plan, as_of=inputs.as_of, kind=kind, source=source, symbols=symbols,
                                created_by=created_by, cash_amount=cash_amount, harvest=harvest)
        if ids:
            audit_record(firm_id=firm_id, event="proposals.created", actor=getattr(created_by, "user", None),
                         payload={"count": len(ids), "as_of": inputs.as_of.isoformat(), "source": source, "kind": kind or "rule",
                                  "first_id": min(ids), "last_id": max(ids)})
            # Later stages (compliance checks first) hear of the new versions once committed.
            transaction.on_commit(lambda: proposals_created.send(sender=Proposal, firm_id=firm_id, proposal_ids=ids))
    return ids
