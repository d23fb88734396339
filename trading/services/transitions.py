"""Bulk proposal transitions for the batch: one UPDATE and one audit entry per move, legal
sources only (the state machine of drift.choices), a no-op for proposals already there."""
from django.db import transaction
from django.utils import timezone

from drift.choices import TRANSITIONS
from drift.models import Proposal
from firms.audit import audit_record


def proposals_move(*, firm_id: int, ids, to: str, actor=None, reason: str = "", payload: dict | None = None) -> list[int]:
    ids = [int(i) for i in ids]
    if not ids:
        return []
    sources = [s for s, targets in TRANSITIONS.items() if to in targets]
    with transaction.atomic():
        movable = list(Proposal.objects.select_for_update().filter(id__in=ids, status__in=sources)
                       .order_by("id").values_list("id", flat=True))
        if movable:
            Proposal.objects.filter(id__in=movable).update(status=to, status_changed_at=timezone.now())
            audit_record(firm_id=firm_id, event=f"proposal.{to}", actor=actor,
                         payload={"ids": movable, "reason": reason, **(payload or {})})
    return movable
