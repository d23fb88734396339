"""The daily drift scan of one firm one set-based read, pandas
arithmetic, snapshots in bulk, proposals for breaching accounts. Idempotent per firm and date."""

import time
from collections.abc import Callable
from datetime import date

import pandas as pd
from django.db import transaction
from django.utils import timezone

from firms.services.audit import audit_record
from reconciliation.selectors import open_break_reasons

from ..calc.drift import DriftResult, drift_compute
from ..choices import ScanStatus, SnapshotStatus
from ..models import ScanRun
from ..selectors.scan import ScanInputs, lots_frame, open_proposal_accounts, scan_inputs
from .harvest import HarvestPass as _HarvestPass
from .harvest import harvest_eligible
from .proposals import ProposalBuildRequest, lock_firm_proposals, proposals_build
from .rules import drift_rules_ensure_defaults
from .snapshots import snapshots_write

Progress = Callable[[str], None]


def _arithmetic_frames(inputs: ScanInputs):
    accounts = inputs.accounts[["account_id", "model_id", "rule_id", "tax_advantaged"]]
    return drift_compute(inputs.positions, inputs.targets, accounts, inputs.rules)


def _hold_unreconciled(result: DriftResult, reasons: pd.Series) -> None:
    """Accounts with an unresolved reconciliation break (`reasons`: account_id -> why) are
    marked like an account with a bad price: their snapshot says why, and they build nothing
    (rebalance or harvest) until ops accept or resolve the break."""
    if reasons.empty:
        return
    accounts = result.accounts
    at = pd.Index(reasons.index).get_indexer(accounts["account_id"].to_numpy("int64"))
    held = at >= 0
    if not held.any():
        return
    accounts.loc[held, "status"] = SnapshotStatus.RECON_BREAK.value
    accounts.loc[held, "status_reason"] = reasons.to_numpy(object)[at[held]]
    accounts.loc[held, "breached"] = False


def drift_scan_run(
    *, firm_id: int, as_of: date, progress: Progress | None = None, build_proposals: bool = True
) -> ScanRun:
    """Scan every account of the firm at `as_of`'s close. Runs in one transaction under the
    firm's proposal lock, so two workers cannot interleave; a re-run writes nothing new."""
    say = progress or (lambda _msg: None)
    drift_rules_ensure_defaults(firm_id=firm_id)
    try:
        with transaction.atomic():
            lock_firm_proposals(firm_id)
            run, _ = ScanRun.objects.get_or_create(firm_id=firm_id, as_of=as_of)
            counts = _scan(firm_id, as_of, say, build_proposals)
            run.status, run.counts, run.finished_at = ScanStatus.DONE, counts, timezone.now()
            run.save(update_fields=["status", "counts", "finished_at"])
            audit_record(
                firm_id=firm_id,
                event="drift.scan_done",
                obj=run,
                payload={"as_of": as_of.isoformat(), **counts},
            )
    except Exception as exc:
        ScanRun.objects.update_or_create(
            firm_id=firm_id,
            as_of=as_of,
            defaults={
                "status": ScanStatus.FAILED,
                "counts": {"error": f"{type(exc).__name__}: {exc}"[:500]},
                "finished_at": timezone.now(),
            },
        )
        raise
    return run


def _harvests(
    firm_id: int, inputs: ScanInputs, skip: set, lots: pd.DataFrame
) -> "_HarvestPass | None":
    found = _HarvestPass.run(firm_id=firm_id, inputs=inputs, skip=skip, lots=lots)
    return found if not found.opps.empty or not found.plan.empty else None


def _scan(
    firm_id: int,
    as_of: date,
    say: Progress,
    build_proposals: bool,
    account_ids=None,
    replace: bool = False,
) -> dict:
    """The scan of every account of the firm, or of `account_ids` (a shard, or a re-scan after
    an import: whole households). `replace`: the day's snapshots are written again (the book
    changed since they were taken)."""
    t0 = time.perf_counter()
    inputs = scan_inputs(firm_id=firm_id, as_of=as_of, account_ids=account_ids)
    say(
        f"read {len(inputs.accounts)} accounts, {len(inputs.positions)} positions "
        f"({time.perf_counter() - t0:.1f}s)"
    )
    if inputs.accounts.empty:
        return {
            "accounts": 0,
            "snapshots_written": 0,
            "breached": 0,
            "held": 0,
            "already_proposed": 0,
            "proposals": 0,
        }
    result = _arithmetic_frames(inputs)
    _hold_unreconciled(result, open_break_reasons(firm_id, account_ids))
    written = snapshots_write(
        firm_id=firm_id,
        as_of=as_of,
        result=result,
        rule_ids=inputs.accounts.set_index("account_id")["rule_id"],
        replace=replace,
    )
    status = result.accounts["status"].value_counts().to_dict()
    breaching = result.accounts.loc[result.accounts["breached"], "account_id"]
    say(
        f"snapshots written: {written}; breaches: {len(breaching)} "
        f"({time.perf_counter() - t0:.1f}s)"
    )
    t1 = time.perf_counter()
    held = set(inputs.accounts.loc[inputs.accounts["do_not_trade"], "account_id"])
    already = open_proposal_accounts(as_of, account_ids)
    # Accounts whose prices are missing, stale or suspect, or with an unresolved reconciliation
    # break (_hold_unreconciled), build nothing, harvests included.
    not_ok = set(result.accounts.loc[result.accounts["status"] != "ok", "account_id"])
    rebalance = {a for a in breaching if a not in held and a not in already}
    # One read of the tax lots serves both the harvest search and the rebalancer.
    lots = (
        lots_frame(firm_id, sorted(set(harvest_eligible(inputs.accounts)) | rebalance))
        if build_proposals
        else None
    )
    harvest = _harvests(firm_id, inputs, held | already | not_ok, lots) if build_proposals else None
    todo = sorted(rebalance | set(harvest.plan["account_id"] if harvest else ()))
    ids, sold = (
        proposals_build(
            ProposalBuildRequest(
                firm_id=firm_id,
                inputs=inputs,
                result=result,
                account_ids=todo,
                lots=lots,
                harvest=harvest.plan if harvest else None,
            )
        )
        if build_proposals
        else ([], None)
    )
    del lots
    harvests = (
        harvest.record(sold)
        if harvest
        else {"harvest_opportunities": 0, "harvests": 0, "swap_backs": 0}
    )
    say(f"proposals created: {len(ids)}; harvests: {harvests} ({time.perf_counter() - t0:.1f}s)")
    return {
        "accounts": len(inputs.accounts),
        "snapshots_written": written,
        "breached": int(len(breaching)),
        "held": len(held & set(breaching)),
        "already_proposed": len(already & set(breaching)),
        "proposals": len(ids),
        **harvests,
        **{f"status_{k}": int(v) for k, v in status.items()},
        "timings": {"scan_s": round(t1 - t0, 3), "proposals_s": round(time.perf_counter() - t1, 3)},
    }
