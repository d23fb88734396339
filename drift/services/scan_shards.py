"""The beat's drift scan of one firm, cut into shards that run side by side on every worker.

Plan (scan_plan): under the firm's proposal lock, the day's ScanRun is created once (unique per
firm and day) and the firm's accounts are cut into shards of whole households, about
DRIFT_SCAN_SHARD_SIZE accounts each (a household's wash-sale facts and open proposals stay in
one shard), each a ScanShard row.
Shard (scan_shard_run): one transaction takes the shard's row (SKIP LOCKED: a shard another
worker is running is left to it), the proposal lock in shared mode (other writers of the firm's
proposals still wait; shards do not wait on each other), scans and builds the shard's accounts
exactly as the whole-firm scan does (drift.services.scan), marks the shard done and, when no
other shard is pending, the run done. A worker killed mid-shard rolls all of it back: the shard
stays pending and is run again from its message (acks_late) or from the due check; a shard
already done is never run twice.
"""

from datetime import date, timedelta

import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.pgcopy import frame_from_sql
from firms.services.audit import audit_record
from portfolios.selectors import household_group_sql

from ..choices import ScanStatus
from ..models import ScanRun, ScanShard
from .proposals import lock_firm_proposals, shard_proposal_lock
from .rules import drift_rules_ensure_defaults
from .scan import Progress, _scan, drift_scan_run

_HOUSEHOLDS_SQL = f"""
SELECT a.id AS account_id, {household_group_sql("c")} AS grp
FROM portfolios_account a JOIN portfolios_client c ON c.id = a.client_id
WHERE a.firm_id = %(f)s
"""


def shards_cut(accounts: pd.DataFrame, size: int) -> list[list[int]]:
    """account_id, grp (household key) -> lists of account ids: whole households in the order
    of their first account, each in shard ⌊accounts before it / size⌋ (numbered without gaps).
    A household is never split, so a shard may hold a household more or less than `size`."""
    if accounts.empty:
        return []
    first = accounts.groupby("grp")["account_id"].transform("min")
    a = accounts.assign(first=first).sort_values(["first", "account_id"], kind="stable")
    per_group = a.groupby("first", sort=True).size()
    start = (per_group.cumsum() - per_group) // max(int(size), 1)
    codes, _ = pd.factorize(a["first"].map(start), sort=True)
    ids = a["account_id"].to_numpy("int64")
    return [sorted(ids[codes == k].tolist()) for k in range(int(codes.max()) + 1)]


def scan_plan(
    *, firm_id: int, as_of: date, shard_size: int | None = None
) -> tuple[ScanRun, list[int]]:
    """The run of `as_of` and the ids of its shards to (re)enqueue: all of a new run's; of a
    run not done, the pending shards enqueued more than DRIFT_SCAN_SHARD_REDO_S ago (a lost
    message, a killed worker); none of a done run (the once-only promise). A firm without
    accounts is scanned at once, in one piece."""
    size = shard_size or settings.DRIFT_SCAN_SHARD_SIZE
    drift_rules_ensure_defaults(firm_id=firm_id)
    planned = _plan(firm_id, as_of, size, timezone.now())
    if planned is None:  # no accounts, or a whole-firm run to redo: as the scan always did
        return drift_scan_run(firm_id=firm_id, as_of=as_of), []
    return planned


def _plan(firm_id: int, as_of: date, size: int, now) -> tuple[ScanRun, list[int]] | None:
    with transaction.atomic():
        run = ScanRun.objects.select_for_update().filter(as_of=as_of).first()
        if run is None:
            lock_firm_proposals(firm_id)  # no whole-firm scan or other writer meanwhile
            run = ScanRun.objects.select_for_update().filter(as_of=as_of).first()
        if run is None:
            accounts = frame_from_sql(
                _HOUSEHOLDS_SQL, {"f": firm_id}, dtype={"account_id": "int64", "grp": "object"}
            )
            cut = shards_cut(accounts, size)
            if not cut:
                return None
            run = ScanRun.objects.create(firm_id=firm_id, as_of=as_of, shards=len(cut))
            ScanShard.objects.bulk_create(
                ScanShard(firm_id=firm_id, run=run, index=i, account_ids=ids, enqueued_at=now)
                for i, ids in enumerate(cut)
            )
            return run, list(
                ScanShard.objects.filter(run=run).order_by("index").values_list("pk", flat=True)
            )
        if run.status == ScanStatus.DONE:
            return run, []
        if run.shards == 0:  # a whole-firm run that failed
            return None
        redo = now - timedelta(seconds=settings.DRIFT_SCAN_SHARD_REDO_S)
        stale = ScanShard.objects.filter(run=run, done=False, enqueued_at__lte=redo)
        pending = list(stale.order_by("index").values_list("pk", flat=True))
        ScanShard.objects.filter(pk__in=pending).update(enqueued_at=now)
        if run.status == ScanStatus.FAILED and pending:
            run.status = ScanStatus.RUNNING
            run.save(update_fields=["status"])
        return run, pending


def scan_shard_run(*, firm_id: int, shard_id: int, progress: Progress | None = None) -> dict | None:
    """Scan and build one shard in one transaction; finish the run if it was the last. None
    when the shard is done already or another worker is running it."""
    say = progress or (lambda _msg: None)
    try:
        with transaction.atomic():
            shard = (
                ScanShard.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("run")
                .filter(pk=shard_id, done=False)
                .first()
            )
            if shard is None:
                return None
            with connection.cursor() as cur:
                # Foreign keys checked as each row is written, not at the commit: the commit then
                # holds the firm's audit-chain lock (taken near the end) only briefly, so
                # shards finishing together do not queue behind each other's key checks.
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with shard_proposal_lock(firm_id):
                counts = _scan(firm_id, shard.run.as_of, say, True, account_ids=shard.account_ids)
            shard.done, shard.counts, shard.finished_at = True, counts, timezone.now()
            shard.save(update_fields=["done", "counts", "finished_at"])
            _finish_if_last(firm_id, shard.run_id)
    except Exception as exc:
        ScanRun.objects.filter(parts__pk=shard_id).exclude(status=ScanStatus.DONE).update(
            status=ScanStatus.FAILED,
            counts={"error": f"{type(exc).__name__}: {exc}"[:500], "shard": shard_id},
            finished_at=timezone.now(),
        )
        raise
    return counts


def _finish_if_last(firm_id: int, run_id: int) -> None:
    # The run's row lock orders the shards that finish together: the last to take it sees
    # every other shard's commit (READ COMMITTED reads after the lock is granted).
    run = ScanRun.objects.select_for_update().get(pk=run_id)
    if ScanShard.objects.filter(run_id=run_id, done=False).exists():
        return
    counts = counts_sum(
        list(ScanShard.objects.filter(run_id=run_id).values_list("counts", flat=True))
    )
    run.status, run.counts, run.finished_at = ScanStatus.DONE, counts, timezone.now()
    run.save(update_fields=["status", "counts", "finished_at"])
    audit_record(
        firm_id=firm_id,
        event="drift.scan_done",
        obj=run,
        payload={"as_of": run.as_of.isoformat(), **counts},
    )


def counts_sum(parts: list[dict]) -> dict:
    """The shards' counts added up (timings too: seconds of work, not of the wall clock)."""
    total: dict = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict):
                sub = total.setdefault(key, {})
                for k, v in value.items():
                    sub[k] = round(sub.get(k, 0) + v, 3)
            else:
                total[key] = total.get(key, 0) + value
    total["shards"] = len(parts)
    return total
