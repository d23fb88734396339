"""Ops' decisions on a break: accept the custodian's figure (the book's position, or cash, is
adjusted by the difference, audited as a book adjustment) or resolve it with a written reason.
Either ends the break, and with it the drift scan's hold on the account."""

from django.db import transaction
from django.utils import timezone

from core import locks
from firms.services.audit import audit_record
from portfolios.models import Position

from ..choices import ACCEPTABLE_KINDS, BreakKind, BreakStatus
from ..models import ReconciliationBreak

REASON_MAX = 500


class DecisionRefused(Exception):
    """The break cannot be decided this way; the message says why and what to do."""


def _open_break(pk: int) -> ReconciliationBreak:
    """The break, locked; refused unless still open."""
    found = (
        ReconciliationBreak.objects.select_for_update(of=("self",))
        .select_related("custodian")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise ReconciliationBreak.DoesNotExist
    if found.status != BreakStatus.OPEN:
        label = found.get_status_display().lower()
        raise DecisionRefused(f"This break is no longer open: {label}.")
    return found


def break_accept(*, break_id: int, actor) -> ReconciliationBreak:
    """Adjust the book to the custodian's figure: the position moves by the difference (so a
    fill booked since the file's day is kept), and the break is accepted."""
    with transaction.atomic():
        locks.xact_lock(locks.BOOK_IMPORT, actor.firm_id)
        found = _open_break(break_id)
        if found.kind not in ACCEPTABLE_KINDS:
            raise DecisionRefused(
                f"{found.get_kind_display()}: the book has no such "
                f"{'account' if found.kind == BreakKind.MISSING_IN_BOOK else 'security'} to "
                "adjust. Import it (Import page), then resolve this break with a reason."
            )
        position = (
            Position.objects.select_for_update()
            .filter(account_id=found.account_id, security_id=found.security_id)
            .first()
        )
        before = position.quantity if position else 0
        after = before + found.quantity_difference
        if after < 0:
            raise DecisionRefused(
                f"The book holds {before} {found.symbol} now; taking the custodian's figure "
                f"({found.quantity_difference:+}) would make it negative. Check the book's "
                "fills since the file's day, then resolve with a reason."
            )
        if position is None:
            position = Position.objects.create(
                firm_id=found.firm_id,
                account_id=found.account_id,
                security_id=found.security_id,
                quantity=after,
            )
        else:
            position.quantity = after
            position.save(update_fields=["quantity"])
        _close(found, actor, BreakStatus.ACCEPTED, "book adjusted to the custodian's figure")
        user = actor.user
        audit_record(
            firm_id=found.firm_id,
            event="book.adjusted",
            actor=user,
            obj=position,
            payload={
                "account": found.account_number,
                "symbol": found.symbol,
                "from": before,
                "to": after,
                "source": "reconciliation",
                "break": found.pk,
            },
        )
        audit_record(
            firm_id=found.firm_id,
            event="reconciliation.break_accepted",
            actor=user,
            obj=found,
            payload=_payload(found),
        )
    return found


def break_resolve(*, break_id: int, actor, reason: str) -> ReconciliationBreak:
    """Mark the break resolved with ops' written reason; the book is left as it is."""
    reason = (reason or "").strip()
    if not reason:
        raise DecisionRefused("Resolving a break needs a written reason.")
    if len(reason) > REASON_MAX:
        raise DecisionRefused(f"The reason is longer than {REASON_MAX} characters.")
    with transaction.atomic():
        found = _open_break(break_id)
        _close(found, actor, BreakStatus.RESOLVED, reason)
        audit_record(
            firm_id=found.firm_id,
            event="reconciliation.break_resolved",
            actor=actor.user,
            obj=found,
            payload={**_payload(found), "reason": reason},
        )
    return found


def _close(found: ReconciliationBreak, actor, status: str, resolution: str) -> None:
    found.status, found.resolution = status, resolution
    found.resolved_at, found.resolved_by = timezone.now(), actor
    found.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])


def _payload(found: ReconciliationBreak) -> dict:
    return {
        "account": found.account_number,
        "kind": found.kind,
        "symbol": found.symbol,
        "as_of": found.as_of.isoformat(),
        "custodian": found.custodian.code,
        "book_quantity": found.book_quantity,
        "custodian_quantity": found.custodian_quantity,
        "quantity_difference": found.quantity_difference,
        "market_value": found.market_value,
    }
