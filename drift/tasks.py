"""Celery tasks of the drift app: thin wrappers around services."""

from datetime import date, datetime, timedelta

from celery import shared_task
from django.utils import timezone

from firms.tasks import FirmTask, enqueue_after_commit, enqueue_now


@shared_task(base=FirmTask, bind=True, name="drift.tasks.drift_scan_firm")
def drift_scan_firm(self, *, firm_id: int, as_of: str) -> dict:
    """Plan the firm's scan in shards and enqueue them (on the queue this task came from), or
    enqueue again the shards a lost message or a killed worker left; run inline when eager."""
    from .services.scan_shards import scan_plan, scan_shard_run

    run, pending = scan_plan(firm_id=firm_id, as_of=date.fromisoformat(as_of))
    if self.request.is_eager or self.request.called_directly:
        for shard_id in pending:
            scan_shard_run(firm_id=firm_id, shard_id=shard_id)
        run.refresh_from_db()
        return run.counts
    queue = (self.request.delivery_info or {}).get("routing_key")
    for shard_id in pending:
        enqueue_now(
            drift_scan_shard,
            _options={"queue": queue} if queue else None,
            firm_id=firm_id,
            shard_id=shard_id,
        )
    return {"shards_enqueued": len(pending), **({} if pending else run.counts)}


@shared_task(base=FirmTask, name="drift.tasks.drift_scan_shard")
def drift_scan_shard(*, firm_id: int, shard_id: int) -> dict | None:
    from .services.scan_shards import scan_shard_run

    return scan_shard_run(firm_id=firm_id, shard_id=shard_id)


def scans_enqueue_due(*, now: datetime) -> list[int]:
    """For every firm whose scan for today is due and not yet run, enqueue it; also for every
    firm whose sharded run has a shard pending longer than DRIFT_SCAN_SHARD_REDO_S (its message
    lost, or its worker killed), so the run re-enqueues it. Listing firms is a platform act
    (owner role, the one named place); each check runs in the firm's scope."""
    from django.conf import settings

    from firms.selectors import firm_ids_where

    from .choices import ScanStatus
    from .models import ScanRun, ScanShard
    from .services.schedule import scan_date_due

    as_of = scan_date_due(now)
    if as_of is None:
        return []
    redo = now - timedelta(seconds=settings.DRIFT_SCAN_SHARD_REDO_S)
    due = firm_ids_where(
        lambda: (
            not ScanRun.objects.filter(as_of=as_of).exists()
            or ScanShard.objects.filter(
                run__as_of=as_of, run__status=ScanStatus.RUNNING, done=False, enqueued_at__lte=redo
            ).exists()
        )
    )
    for firm_id in due:
        enqueue_after_commit(drift_scan_firm, firm_id=firm_id, as_of=as_of.isoformat())
    return due


@shared_task(name="drift.tasks.drift_scan_due_check")
def drift_scan_due_check() -> list[int]:
    return scans_enqueue_due(now=timezone.now())


@shared_task(base=FirmTask, name="drift.tasks.drift_proposals_rebuild")
def drift_proposals_rebuild(*, firm_id: int, proposal_ids: list[int]) -> list[int]:
    from .services.rebuild import proposals_rebuild

    return proposals_rebuild(firm_id=firm_id, proposal_ids=proposal_ids)


@shared_task(base=FirmTask, name="drift.tasks.drift_rescan")
def drift_rescan(*, firm_id: int, as_of: str, account_ids: list[int] | None) -> dict:
    """A re-scan after a book import (drift.services.rescan), asked for on the import page."""
    from .services.rescan import drift_rescan as rescan

    return rescan(firm_id=firm_id, as_of=date.fromisoformat(as_of), account_ids=account_ids)
