"""Client confirmations after a batch: each owed confirmation goes to
the notifications outbox with what was and was not done, once (the outbox dedupes, and a
claimed row is marked handed in the same transaction)."""

from django.db import transaction
from django.utils import timezone

from drift.choices import ProposalStatus
from firms.models import Firm
from notifications.choices import Kind
from notifications.services.messages import NotificationRequest, notification_enqueue
from notifications.templating.context import TradeLine

from ..choices import OrderStatus
from ..models import Order, TradeConfirmationPending


def confirmations_hand_over(*, firm_id: int, limit: int = 500) -> int:
    firm = Firm.objects.get(pk=firm_id)
    with transaction.atomic():
        pending = list(
            TradeConfirmationPending.objects.select_for_update(skip_locked=True)
            .filter(handed_at__isnull=True)
            .select_related("proposal__account__client")
            .order_by("pk")[:limit]
        )
        orders = _orders_by_proposal([c.proposal_id for c in pending])
        for c in pending:
            filled, not_filled = _lines(orders.get(c.proposal_id, []), TradeLine)
            kind = (
                Kind.TRADE_CONFIRMATION
                if c.outcome == ProposalStatus.EXECUTED
                else Kind.PARTIAL_FILL_NOTICE
            )
            notification_enqueue(
                firm=firm,
                request=NotificationRequest(
                    kind=kind,
                    recipient=c.proposal.account.client.email,
                    proposal=c.proposal,
                    filled=filled,
                    not_filled=not_filled,
                ),
            )
        TradeConfirmationPending.objects.filter(pk__in=[c.pk for c in pending]).update(
            handed_at=timezone.now()
        )
    return len(pending)


def _orders_by_proposal(ids) -> dict:
    out = {}
    for o in Order.objects.filter(proposal_id__in=ids).select_related("security").order_by("pk"):
        out.setdefault(o.proposal_id, []).append(o)
    return out


def _lines(orders, TradeLine):
    filled = tuple(
        TradeLine(
            o.side,
            o.security.symbol,
            o.security.name,
            o.filled_quantity,
            (o.filled_quantity * o.avg_price).quantize(o.fees),
        )
        for o in orders
        if o.filled_quantity > 0
    )
    not_filled = tuple(
        (o.security.symbol, o.get_side_display(), _why(o))
        for o in orders
        if o.status != OrderStatus.FILLED
    )
    return filled, not_filled


def _why(order: Order) -> str:
    left = order.quantity - order.filled_quantity
    return f"{left.normalize()} not done: {order.note or order.get_status_display()}"
