"""Celery tasks of the trading app: thin wrappers around services."""

from datetime import date, datetime, timedelta

from celery import shared_task
from django.utils import timezone

from firms.services.tenancy import firm_scope
from firms.tasks import FirmTask, enqueue_after_commit


@shared_task(base=FirmTask, name="trading.tasks.trade_batch_firm")
def trade_batch_firm(*, firm_id: int, trade_date: str) -> dict:
    from .services.batch import BatchBusy, batch_run

    try:
        batch = batch_run(firm_id=firm_id, trade_date=date.fromisoformat(trade_date))
    except BatchBusy as exc:
        return {"busy": str(exc)}
    enqueue_after_commit(trade_confirmations_firm, firm_id=firm_id)
    return {"batch": batch.pk, "status": batch.status, **batch.counts}


@shared_task(base=FirmTask, name="trading.tasks.trade_confirmations_firm")
def trade_confirmations_firm(*, firm_id: int) -> int:
    from .services.confirmations import confirmations_hand_over

    return confirmations_hand_over(firm_id=firm_id)


def batches_enqueue_due(*, now: datetime) -> list[int]:
    """For every firm whose batch for today is due and not yet done, enqueue it. Listing firms
    is a platform act (owner role); each check runs in the firm's scope. A batch left running
    by a dead worker, or paused, is not done: the next check resumes it."""
    from firms.selectors import firm_ids_where

    from .calc.schedule import batch_date_due
    from .choices import BatchStatus
    from .models import Batch

    day = batch_date_due(now)
    if day is None:
        return []
    due = firm_ids_where(
        lambda: not Batch.objects.filter(trade_date=day, status=BatchStatus.DONE).exists()
    )
    for firm_id in due:
        enqueue_after_commit(trade_batch_firm, firm_id=firm_id, trade_date=day.isoformat())
    return due


def confirmations_enqueue_owed() -> list[int]:
    """Firms with confirmations not yet handed to the outbox (a lost follow-up task is
    recovered here within a minute, well inside the 15-minute promise)."""
    from firms.selectors import firm_ids_where

    from .models import TradeConfirmationPending

    owed = firm_ids_where(
        lambda: TradeConfirmationPending.objects.filter(handed_at__isnull=True).exists()
    )
    for firm_id in owed:
        enqueue_after_commit(trade_confirmations_firm, firm_id=firm_id)
    return owed


def rebuilds_owed(*, now: datetime) -> list[int]:
    """Versions the batch superseded because prices moved (last 3 days) that are still their
    account's latest: their rebuild at today's prices was lost. Call inside a firm's scope."""
    from django.db.models import Exists, OuterRef

    from drift.choices import ProposalStatus
    from drift.models import Proposal

    from .models import ConsentRecheck

    newer = Proposal.objects.filter(
        account_id=OuterRef("proposal__account_id"), version__gt=OuterRef("proposal__version")
    )
    return list(
        ConsentRecheck.objects.filter(
            created_at__gte=now - timedelta(days=3), proposal__status=ProposalStatus.SUPERSEDED
        )
        .exclude(Exists(newer))
        .values_list("proposal_id", flat=True)
    )


def rebuilds_enqueue_owed(*, now: datetime) -> list[int]:
    from drift.tasks import drift_proposals_rebuild
    from firms.selectors import firm_ids_where

    owed = firm_ids_where(lambda: bool(rebuilds_owed(now=now)))
    for firm_id in owed:
        with firm_scope(firm_id):
            enqueue_after_commit(
                drift_proposals_rebuild, firm_id=firm_id, proposal_ids=rebuilds_owed(now=now)
            )
    return owed


@shared_task(name="trading.tasks.trade_batch_due_check")
def trade_batch_due_check() -> list[int]:
    confirmations_enqueue_owed()
    rebuilds_enqueue_owed(now=timezone.now())
    return batches_enqueue_due(now=timezone.now())
