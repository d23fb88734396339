"""Sending a batch's blocks: sells first, each custodian through its adapter, one block at a time.

Each block is claimed (pending → sending, committed) before the adapter is called and marked
submitted after. The claim's transaction first re-reads the pauses that cover the block (the
firm, its custodian, the models and accounts of its orders) under the kill switch's shared
lock, so a pause thrown while blocks are going out stops the next block: it is left unsent,
`paused` with the pause's reason, and the next batch after resume sends it (held blocks of
earlier batches join the running batch). The same claim drops the orders of proposals that
compliance's gate no longer lets through.

A run that died between claim and record finds blocks still `sending` and asks the custodian
which of their client order ids it already holds: those are marked submitted, only the rest
are sent. So no order is sent twice and none is lost."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from compliance.services.guard import proposals_not_routable
from core import locks
from core.formatting import day
from drift.choices import ProposalStatus
from drift.services.transitions import proposals_transition
from portfolios.choices import Side
from portfolios.models import Custodian

from ..adapters import Ticket, adapter_for
from ..choices import OrderStatus, PauseScope
from ..models import Batch, BlockOrder, ExecutionPause, Order

OPEN = [OrderStatus.PENDING, OrderStatus.SENDING, OrderStatus.PAUSED]


def blocks_send(*, batch: Batch) -> int:
    blocks_carry_held(batch=batch)
    sent = 0
    for side in (Side.SELL, Side.BUY):
        for custodian in Custodian.objects.filter(
            pk__in=_open_blocks(batch, side).values("custodian_id")
        ).order_by("pk"):
            sent += _send_for(batch, custodian, side)
    return sent


def blocks_carry_held(*, batch: Batch) -> int:
    """Blocks a pause held in an earlier batch join this one, orders and all (their fills and
    settlement then happen here)."""
    with transaction.atomic():
        held = list(
            BlockOrder.objects.select_for_update()
            .filter(status=OrderStatus.PAUSED)
            .exclude(batch=batch)
            .values_list("pk", flat=True)
        )
        if held:
            BlockOrder.objects.filter(pk__in=held).update(batch=batch)
            Order.objects.filter(block_id__in=held).update(batch=batch)
    return len(held)


def _open_blocks(batch: Batch, side: str):
    return BlockOrder.objects.filter(batch=batch, side=side, status__in=OPEN)


def _send_for(batch: Batch, custodian: Custodian, side: str) -> int:
    adapter = adapter_for(custodian)
    blocks = list(_open_blocks(batch, side).filter(custodian=custodian).order_by("pk"))
    resumed = [b.client_order_id for b in blocks if b.status == OrderStatus.SENDING]
    already = adapter.known(resumed) if resumed else set()
    _mark_submitted(batch, [b.pk for b in blocks if b.client_order_id in already])
    sent = 0
    for pk in [b.pk for b in blocks if b.client_order_id not in already]:
        block = block_claim(pk)
        if block is None:
            continue
        ack = adapter.submit([_ticket(block)])[0]
        if ack.accepted:
            _mark_submitted(batch, [block.pk])
        else:
            _mark_refused(block, ack.reason)
        sent += 1
    return sent


def block_claim(block_id: int) -> BlockOrder | None:
    """The block, claimed for sending; None when a pause now covers it (left `paused` with the
    reason), nothing of it may be sent any more, or another run has it."""
    with transaction.atomic():
        block = BlockOrder.objects.select_for_update().filter(pk=block_id, status__in=OPEN).first()
        if block is None:
            return None
        locks.xact_lock_shared(
            locks.EXECUTION_PAUSE, block.firm_id
        )  # a pause commits before this read or after the claim
        pause = pause_covering(block)
        if pause is not None:
            block.status, block.hold_note = OrderStatus.PAUSED, _held_note(pause)
            block.save(update_fields=["status", "hold_note"])
            return None
        if not _drop_unroutable(block):
            return None
        block.status, block.hold_note = OrderStatus.SENDING, ""
        block.save(update_fields=["status", "hold_note"])
    return BlockOrder.objects.select_related("security").get(pk=block.pk)


def pause_covering(block: BlockOrder) -> ExecutionPause | None:
    """The oldest active pause of the firm, the block's custodian, or a model or account of
    one of its orders."""
    orders = Order.objects.filter(block=block)
    return (
        ExecutionPause.objects.filter(resumed_at__isnull=True)
        .filter(
            Q(scope=PauseScope.FIRM)
            | Q(scope=PauseScope.CUSTODIAN, custodian_id=block.custodian_id)
            | Q(scope=PauseScope.ACCOUNT, account_id__in=orders.values("account_id"))
            | Q(scope=PauseScope.MODEL, model_id__in=orders.values("account__model_id"))
        )
        .select_related("custodian", "model", "account")
        .order_by("paused_at", "pk")
        .first()
    )


def _held_note(pause: ExecutionPause) -> str:
    target = pause.custodian or pause.model or pause.account
    what = (
        "the firm"
        if pause.scope == PauseScope.FIRM
        else f"{pause.get_scope_display().lower()} {target}"
    )
    return f"Held by pause of {what}: {pause.reason}"[:300]


def _drop_unroutable(block: BlockOrder) -> bool:
    """Compliance's routable gate, at the last moment: orders of proposals it no longer lets
    through are cancelled and leave the block (its quantity and written plan shrink). False
    when nothing is left to send."""
    orders = Order.objects.filter(block=block)
    refused = proposals_not_routable(orders.values_list("proposal_id", flat=True).distinct())
    if not refused:
        return True
    dropped = orders.filter(proposal_id__in=list(refused))
    for proposal_id, reason in refused.items():
        dropped.filter(proposal_id=proposal_id).update(
            status=OrderStatus.CANCELLED, block=None, note=f"Not sent: {reason}"[:300]
        )
    left = Order.objects.filter(block=block).aggregate(q=Sum("quantity"))["q"] or Decimal(0)
    if left <= 0:
        block.status, block.reject_reason = (
            OrderStatus.CANCELLED,
            "Not sent: compliance no longer lets any of its proposals through",
        )
        block.save(update_fields=["status", "reject_reason"])
        return False
    kept = set(Order.objects.filter(block=block).values_list("pk", flat=True))
    block.quantity, block.plan = left, [entry for entry in block.plan if entry[0] in kept]
    block.save(update_fields=["quantity", "plan"])
    return True


def _ticket(block: BlockOrder) -> Ticket:
    return Ticket(
        block.client_order_id,
        block.security.symbol,
        block.side,
        block.quantity,
        block.order_type,
        block.limit_price,
        block.reference_price,
    )


def _mark_submitted(batch: Batch, block_ids: list[int]) -> None:
    if not block_ids:
        return
    with transaction.atomic():
        BlockOrder.objects.filter(pk__in=block_ids, status=OrderStatus.SENDING).update(
            status=OrderStatus.SUBMITTED, submitted_at=timezone.now()
        )
        Order.objects.filter(block_id__in=block_ids, status=OrderStatus.PENDING).update(
            status=OrderStatus.SUBMITTED
        )
        proposals = (
            Order.objects.filter(block_id__in=block_ids)
            .values_list("proposal_id", flat=True)
            .distinct()
        )
        proposals_transition(
            ids=list(proposals),
            to=ProposalStatus.SUBMITTED,
            reason=f"batch of {day(batch.trade_date)}",
            skip_refused=True,
        )


def _mark_refused(block: BlockOrder, reason: str) -> None:
    with transaction.atomic():
        BlockOrder.objects.filter(pk=block.pk, status=OrderStatus.SENDING).update(
            status=OrderStatus.REJECTED, reject_reason=reason[:300]
        )
        Order.objects.filter(block=block).update(
            status=OrderStatus.REJECTED, note=f"Refused on submission: {reason}"[:300]
        )
