"""Celery tasks of the approvals app: thin wrappers around the sweep and the signed PDF."""

from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from firms.tasks import FirmTask, enqueue_after_commit


@shared_task(base=FirmTask, name="approvals.tasks.approvals_sweep_firm")
def approvals_sweep_firm(*, firm_id: int) -> dict:
    from .services.sweep import approvals_sweep

    return asdict(approvals_sweep(firm_id=firm_id, now=timezone.now()))


@shared_task(base=FirmTask, name="approvals.tasks.approvals_start")
def approvals_start_task(*, firm_id: int, proposal_ids: list[int]) -> int:
    """Enqueued when compliance clears proposals; the sweep routes any it missed."""
    from .services import approvals_start

    return len(approvals_start(firm_id=firm_id, now=timezone.now(), proposal_ids=proposal_ids))


# The statuses whose move voids the proposals' approvals: superseded (a newer version, or prices
# moved), flagged or blocked (a compliance re-check withdrew it).
VOIDING_STATUSES = frozenset({"superseded", "flagged", "blocked"})


@shared_task(base=FirmTask, name="approvals.tasks.approvals_void")
def approvals_void_task(*, firm_id: int, status: str) -> int:
    """Enqueued when proposals moved to one of VOIDING_STATUSES: void their approvals (the
    sweep voids any it missed)."""
    from .services import approvals_void_superseded, approvals_void_withdrawn

    void = approvals_void_superseded if status == "superseded" else approvals_void_withdrawn
    return len(void(firm_id=firm_id))


@shared_task(name="approvals.tasks.approvals_sweep_all")
def approvals_sweep_all() -> list[int]:
    """Every minute: one sweep task per firm. Listing firms is a platform act (owner role)."""
    from firms.selectors import firm_ids_all

    firm_ids = firm_ids_all()
    for firm_id in firm_ids:
        enqueue_after_commit(approvals_sweep_firm, firm_id=firm_id)
    return firm_ids


@shared_task(base=FirmTask, name="approvals.tasks.approvals_signature_pdf")
def approvals_signature_pdf(*, firm_id: int, signature_id: int) -> bool | None:
    """Enqueued when a client's signature commits; the approvals sweep renders any it missed."""
    from .services.signed_pdf import signature_pdf_store

    return signature_pdf_store(signature_id)
