"""Volatile markets: widening every drift band of the firm for a period."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from drift.models import ToleranceWidening
from firms.services.audit import audit_record


def widening_create(
    *, firm_id: int, factor: Decimal, start: date, end: date, reason: str, actor=None
) -> ToleranceWidening:
    with transaction.atomic():
        widening = ToleranceWidening.objects.create(
            firm_id=firm_id,
            factor=factor,
            start=start,
            end=end,
            reason=reason,
            created_by=getattr(actor, "membership", None),
        )
        audit_record(
            firm_id=firm_id,
            event="reporting.tolerance_widened",
            actor=actor,
            obj=widening,
            payload={
                "factor": str(factor),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reason": reason,
            },
        )
    return widening
