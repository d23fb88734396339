"""Celery tasks of the drift app: thin wrappers around services."""

from datetime import date, datetime

from celery import shared_task
from django.utils import timezone

from firms.tasks import FirmTask, enqueue_after_commit


@shared_task(base=FirmTask, name="drift.tasks.drift_scan_firm")
def drift_scan_firm(*, firm_id: int, as_of: str) -> dict:
    from .services.scan import drift_scan_run

    return drift_scan_run(firm_id=firm_id, as_of=date.fromisoformat(as_of)).counts


def scans_enqueue_due(*, now: datetime) -> list[int]:
    """For every firm whose scan for today is due and not yet run, enqueue it. Listing firms
    is a platform act (owner role, the one named place); each check runs in the firm's scope."""
    from firms.selectors import firm_ids_where

    from .models import ScanRun
    from .services.schedule import scan_date_due

    as_of = scan_date_due(now)
    if as_of is None:
        return []
    due = firm_ids_where(lambda: not ScanRun.objects.filter(as_of=as_of).exists())
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
