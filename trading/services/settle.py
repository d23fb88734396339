"""Ending proposals: once none of a proposal's orders is still open, it is executed (all
filled), partially executed (some filled) or failed (nothing filled), and the client's
confirmation is queued."""

import logging

from django.db.models import Count, Q, Sum

from core.formatting import day
from drift.choices import ProposalStatus
from drift.services.transitions import proposals_transition

from ..choices import FINAL_ORDER_STATUSES, OrderStatus
from ..models import Batch, Order, TradeConfirmationPending

log = logging.getLogger(__name__)


def proposals_settle(*, batch: Batch) -> dict:
    # Every order of the proposals this batch touched, whichever batch wrote them: a block held
    # by a pause goes out with a later batch while the proposal's other blocks went with this one.
    touched = Order.objects.filter(batch=batch).values("proposal_id")
    rows = (
        Order.objects.filter(
            proposal_id__in=touched,
            proposal__status__in=[ProposalStatus.QUEUED, ProposalStatus.SUBMITTED],
        )
        .values("proposal_id")
        .annotate(
            open=Count("id", filter=~Q(status__in=FINAL_ORDER_STATUSES)),
            filled=Count("id", filter=Q(status=OrderStatus.FILLED)),
            n=Count("id"),
            qty=Sum("filled_quantity"),
        )
    )
    outcome = {
        ProposalStatus.EXECUTED: [],
        ProposalStatus.PARTIALLY_EXECUTED: [],
        ProposalStatus.FAILED: [],
    }
    for r in rows:
        if r["open"]:
            continue
        key = (
            ProposalStatus.EXECUTED
            if r["filled"] == r["n"]
            else ProposalStatus.PARTIALLY_EXECUTED
            if r["qty"] and r["qty"] > 0
            else ProposalStatus.FAILED
        )
        outcome[key].append(r["proposal_id"])
    moved = {}
    for status, ids in outcome.items():
        moved[status] = proposals_transition(
            ids=ids, to=status, reason=f"batch of {day(batch.trade_date)}", skip_refused=True
        )
    confirmations_queue(batch=batch, moved=moved)
    return {str(k): len(v) for k, v in moved.items()}


def confirmations_queue(*, batch: Batch, moved: dict) -> int:
    """One confirmation owed per settled proposal, recorded durably (unique per proposal) in
    the settlement; `confirmations_hand_over` passes them to the notifications outbox."""
    rows = [
        TradeConfirmationPending(
            firm_id=batch.firm_id,
            proposal_id=pk,
            outcome=status,
            summary={"batch": batch.pk, "trade_date": batch.trade_date.isoformat()},
        )
        for status, ids in moved.items()
        for pk in ids
    ]
    return len(
        TradeConfirmationPending.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    )
