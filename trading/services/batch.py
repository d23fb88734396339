"""The firm's trade batch of a day: claimed once (unique firm + date), run under a per-firm
lock, re-runnable at any point. A run writes the outbox (orders, blocks, plans), sends the
blocks, collects fills and ends the proposals; each step picks up where a dead run stopped."""

from contextlib import contextmanager
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from approvals.selectors import approval_settings_get
from compliance.services.guard import proposals_not_routable
from core import locks
from core.formatting import count
from firms.services.audit import audit_record
from webhooks.choices import EventType
from webhooks.services.emit import webhook_emit_many

from ..calc.planning import plan_build
from ..choices import BatchStatus, BatchTrigger, OrderStatus
from ..models import Batch, BlockOrder
from ..selectors import active_pauses, approved_trades, trading_settings
from .fills import fills_collect
from .sending import blocks_send
from .settle import proposals_settle
from .writing import plan_write


class BatchBusy(Exception):
    pass


def batch_claim(*, firm_id: int, trade_date: date, trigger: str = BatchTrigger.SCHEDULE) -> Batch:
    """The day's batch row, inserted at most once however many callers race here."""
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO trading_batch (firm_id, trade_date, status, trigger, created_at, runs, "
            "note, counts, skipped)"
            " VALUES (%s, %s, %s, %s, now(), 0, '', '{}', '[]') ON CONFLICT (firm_id, trade_date) "
            "DO NOTHING",
            [firm_id, trade_date, BatchStatus.RUNNING, trigger],
        )
    return Batch.objects.get(firm_id=firm_id, trade_date=trade_date)


@contextmanager
def firm_batch_lock(firm_id: int):
    """A session lock held for the whole run (it spans several transactions)."""
    with locks.session_lock(
        locks.TRADE_BATCH, firm_id, BatchBusy("Another run of this firm's batch is in progress.")
    ):
        yield


def batch_run(
    *,
    firm_id: int,
    trade_date: date,
    trigger: str = BatchTrigger.SCHEDULE,
    actor=None,
    again: bool = False,
) -> Batch:
    """Run (or resume) the day's batch. A finished batch runs again only when `again` (an
    advisor's "run now", which picks up proposals approved since)."""
    batch = batch_claim(firm_id=firm_id, trade_date=trade_date, trigger=trigger)
    if batch.status == BatchStatus.DONE and not again:
        return batch
    with firm_batch_lock(firm_id):
        batch.refresh_from_db()
        if batch.status == BatchStatus.DONE and not again:
            return batch
        return _run(batch, trigger, actor)


def _run(batch: Batch, trigger: str, actor) -> Batch:
    was_paused = batch.status == BatchStatus.PAUSED
    batch.runs += 1
    batch.status, batch.trigger = BatchStatus.RUNNING, trigger
    batch.save(update_fields=["runs", "status", "trigger"])
    pauses = active_pauses()
    if pauses.firm is not None:
        return _paused(batch, pauses.firm.reason, actor, audit=not was_paused)
    trades = approved_trades(firm_id=batch.firm_id, day=batch.trade_date)
    plan = plan_build(
        trades,
        settings=trading_settings(batch.firm_id),
        tolerances=approval_settings_get(firm_id=batch.firm_id),
        pauses=pauses,
        not_routable=proposals_not_routable(trades["proposal_id"].unique()) if len(trades) else {},
    )
    counts = plan_write(batch=batch, plan=plan)
    counts["blocks_sent"] = blocks_send(batch=batch)
    counts["blocks_settled"] = fills_collect(batch=batch)
    counts["proposals"] = proposals_settle(batch=batch)
    counts["skipped"] = len(plan.skipped)
    held = _held_blocks(batch)
    counts["blocks_held"] = len(held)
    return _finish(batch, counts, plan.skipped, actor, note=_held_summary(held))


def _held_blocks(batch: Batch) -> list[str]:
    return list(
        BlockOrder.objects.filter(batch=batch, status=OrderStatus.PAUSED)
        .order_by("pk")
        .values_list("hold_note", flat=True)
    )


def _held_summary(notes: list[str]) -> str:
    if not notes:
        return ""
    reasons = "; ".join(dict.fromkeys(notes))
    return (
        f"{count(len(notes), 'block')} not sent: {reasons}. The next batch after resume sends them."
        if len(reasons) < 200
        else (
            f"{count(len(notes), 'block')} held by pauses and not sent; the next batch after "
            "resume sends them."
        )
    )[:300]


def _paused(batch: Batch, reason: str, actor, audit: bool) -> Batch:
    batch.status, batch.note = (
        BatchStatus.PAUSED,
        f"Nothing sent: execution is paused for the firm ({reason})."[:300],
    )
    batch.save(update_fields=["status", "note"])
    if audit:  # the minute check finds it paused again and again; one entry says so
        audit_record(
            firm_id=batch.firm_id,
            event="trading.batch_paused",
            actor=actor,
            obj=batch,
            payload={"reason": reason},
        )
    return batch


def _finish(batch: Batch, counts: dict, skipped: list, actor, note: str = "") -> Batch:
    batch.status, batch.finished_at, batch.note = BatchStatus.DONE, timezone.now(), note
    batch.counts = {**counts, "run": batch.runs}
    batch.skipped = skipped
    with transaction.atomic():
        batch.save(update_fields=["status", "finished_at", "note", "counts", "skipped"])
        audit_record(
            firm_id=batch.firm_id,
            event="trading.batch_done",
            actor=actor,
            obj=batch,
            payload=batch.counts,
        )
        webhook_emit_many(
            firm_id=batch.firm_id, event_type=EventType.BATCH_EXECUTED, ids=[batch.pk]
        )
    return batch
