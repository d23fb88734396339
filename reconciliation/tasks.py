"""Reconciliation's Celery task: a custodian's file dropped in the firm's inbox folder,
reconciled by the service (thin: the work is reconciliation.services.reconcile)."""

from datetime import date
from pathlib import Path

from celery import shared_task
from django.conf import settings

from firms.tasks import FirmTask


def inbox_path(firm_id: int, name: str) -> Path:
    """<RECONCILIATION_INBOX>/<firm id>/<name>: a bare file name, never a path elsewhere."""
    if not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"{name!r} is not a file name in the firm's inbox")
    return Path(settings.RECONCILIATION_INBOX) / str(int(firm_id)) / name


@shared_task(base=FirmTask, name="reconciliation.tasks.reconcile_stored_file")
def reconcile_stored_file(*, firm_id: int, custodian_code: str, as_of: str, name: str) -> dict:
    """Reconcile the firm's stored file `name` as `custodian_code`'s positions of `as_of`."""
    from firms.models import Firm

    from .services.reconcile import reconcile_file

    path = inbox_path(firm_id, name)
    result = reconcile_file(
        firm=Firm.objects.get(pk=firm_id),
        custodian_code=custodian_code,
        as_of=date.fromisoformat(as_of),
        source=path if path.is_file() else None,
        origin="task",
        file_name=name,
    )
    return {
        "ok": result.ok,
        "run": result.run.pk,
        "counts": result.counts,
        "errors": [str(e) for e in result.errors[:20]],
    }
