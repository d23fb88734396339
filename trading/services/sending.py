"""Sending a batch's blocks: sells first, each custodian through its adapter.

A block is claimed pending → sending (committed) before the adapter is called and marked
submitted after. A run that died in between finds blocks still `sending` and asks the
custodian which of their client order ids it already holds: those are marked submitted,
only the rest are sent. So no order is sent twice and none is lost."""
from django.db import transaction
from django.utils import timezone

from drift.choices import ProposalStatus
from drift.services.transitions import proposals_transition
from portfolios.choices import Side
from portfolios.models import Custodian

from ..adapters import Ticket, adapter_for
from ..choices import OrderStatus
from ..models import Batch, BlockOrder, Order

OPEN = [OrderStatus.PENDING, OrderStatus.SENDING]


def blocks_send(*, batch: Batch) -> int:
    sent = 0
    for side in (Side.SELL, Side.BUY):
        for custodian in Custodian.objects.filter(pk__in=_open_blocks(batch, side).values("custodian_id")).order_by("pk"):
            sent += _send_for(batch, custodian, side)
    return sent


def _open_blocks(batch: Batch, side: str):
    return BlockOrder.objects.filter(batch=batch, side=side, status__in=OPEN)


def _send_for(batch: Batch, custodian: Custodian, side: str) -> int:
    adapter = adapter_for(custodian)
    blocks = list(_open_blocks(batch, side).filter(custodian=custodian).select_related("security").order_by("pk"))
    resumed = [b.client_order_id for b in blocks if b.status == OrderStatus.SENDING]
    already = adapter.known(resumed) if resumed else set()
    BlockOrder.objects.filter(pk__in=[b.pk for b in blocks], status=OrderStatus.PENDING).update(status=OrderStatus.SENDING)
    fresh = [b for b in blocks if b.client_order_id not in already]
    acks = {a.client_order_id: a for a in adapter.submit([_ticket(b) for b in fresh])}
    accepted = [b.pk for b in blocks if b.client_order_id in already or acks[b.client_order_id].accepted]
    _mark_submitted(batch, accepted)
    for b in fresh:
        if not acks[b.client_order_id].accepted:
            _mark_refused(b, acks[b.client_order_id].reason)
    return len(fresh)


def _ticket(block: BlockOrder) -> Ticket:
    return Ticket(block.client_order_id, block.security.symbol, block.side, block.quantity, block.order_type,
                  block.limit_price, block.reference_price)


def _mark_submitted(batch: Batch, block_ids: list[int]) -> None:
    with transaction.atomic():
        BlockOrder.objects.filter(pk__in=block_ids, status=OrderStatus.SENDING).update(
            status=OrderStatus.SUBMITTED, submitted_at=timezone.now())
        Order.objects.filter(block_id__in=block_ids, status=OrderStatus.PENDING).update(status=OrderStatus.SUBMITTED)
        proposals = Order.objects.filter(block_id__in=block_ids).values_list("proposal_id", flat=True).distinct()
        proposals_transition(ids=list(proposals), to=ProposalStatus.SUBMITTED, reason=f"batch {batch.trade_date}", skip_refused=True)


def _mark_refused(block: BlockOrder, reason: str) -> None:
    with transaction.atomic():
        BlockOrder.objects.filter(pk=block.pk, status=OrderStatus.SENDING).update(
            status=OrderStatus.REJECTED, reject_reason=reason[:300])
        Order.objects.filter(block=block).update(status=OrderStatus.REJECTED, note=f"Refused on submission: {reason}"[:300])
