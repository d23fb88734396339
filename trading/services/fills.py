"""Fills: each block's final report is recorded once, allocated to its written plan pro rata
(all accounts at the block's average price, fees shared pro rata), and the accounts' books
are updated in the same transaction (services.book)."""

from decimal import Decimal

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from core.pgcopy import copy_frame_to_temp
from portfolios.models import Custodian
from webhooks.choices import EventType
from webhooks.services.emit import webhook_emit_many

from ..adapters import FillReport, adapter_for
from ..calc.allocation import FRACTION, SHARE, allocate, share_fees
from ..choices import OrderStatus
from ..models import Batch, BlockOrder, Fill, Order
from .book import book_apply


def fills_collect(*, batch: Batch) -> int:
    done = 0
    open_blocks = BlockOrder.objects.filter(batch=batch, status=OrderStatus.SUBMITTED)
    for custodian in Custodian.objects.filter(pk__in=open_blocks.values("custodian_id")).order_by(
        "pk"
    ):
        ids = list(
            open_blocks.filter(custodian=custodian).values_list("client_order_id", flat=True)
        )
        reports = adapter_for(custodian).fetch_fills(ids)
        done += fills_record(batch=batch, custodian=custodian, reports=reports)
    return done


def fills_record(*, batch: Batch, custodian: Custodian, reports: list[FillReport]) -> int:
    """Apply final reports; a block already settled (claimed by its status) is skipped."""
    by_id = {r.client_order_id: r for r in reports}
    with transaction.atomic():
        blocks = list(
            BlockOrder.objects.select_for_update()
            .filter(
                batch=batch,
                custodian=custodian,
                status=OrderStatus.SUBMITTED,
                client_order_id__in=list(by_id),
            )
            .order_by("pk")
        )
        allocated = [_settle_block(b, by_id[b.client_order_id], custodian) for b in blocks]
        frame = pd.concat(allocated, ignore_index=True) if allocated else pd.DataFrame()
        book_apply(batch=batch, orders=frame)
        _webhooks_emit(batch.firm_id, [b.pk for b in blocks])
    return len(blocks)


WEBHOOK_ORDER_EVENTS = {
    EventType.ORDER_FILLED: [OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED],
    EventType.ORDER_REJECTED: [OrderStatus.REJECTED, OrderStatus.CANCELLED],
}


def _webhooks_emit(firm_id: int, block_ids: list[int]) -> None:
    """order.filled / order.rejected for the orders of the settled blocks (one write per
    type, not per order)."""
    for event_type, statuses in WEBHOOK_ORDER_EVENTS.items():
        webhook_emit_many(firm_id=firm_id, event_type=event_type, ids=block_ids, statuses=statuses)


def _settle_block(block: BlockOrder, report: FillReport, custodian: Custodian) -> pd.DataFrame:
    if report.quantity > 0:
        Fill.objects.create(
            firm_id=block.firm_id,
            block=block,
            exec_id=report.exec_id,
            quantity=report.quantity,
            price=report.price,
            fees=report.fees,
        )
    block.status, block.filled_quantity, block.fees = report.status, report.quantity, report.fees
    block.avg_price, block.reject_reason, block.allocated_at = (
        report.price,
        report.reason[:300],
        timezone.now(),
    )
    block.save(
        update_fields=[
            "status",
            "filled_quantity",
            "fees",
            "avg_price",
            "reject_reason",
            "allocated_at",
        ]
    )
    return _allocate_orders(block, report, SHARE if not custodian.supports_fractional else FRACTION)


def _allocate_orders(block: BlockOrder, report: FillReport, unit: Decimal) -> pd.DataFrame:
    orders = list(Order.objects.filter(block=block).order_by("pk"))
    planned = [o.quantity for o in orders]
    parts = allocate(planned, report.quantity, unit)
    fees = share_fees(planned, report.fees)
    for o, qty, fee in zip(orders, parts, fees):
        o.filled_quantity, o.fees = qty, fee
        o.avg_price = report.price if qty > 0 else None
        o.status = _order_status(qty, o.quantity, report.status)
        o.note = (report.reason if o.status != OrderStatus.FILLED else o.note)[:300]
    _orders_write(orders)
    return pd.DataFrame(
        [
            {
                "order_id": o.pk,
                "trade_id": o.trade_id,
                "account_id": o.account_id,
                "security_id": o.security_id,
                "side": o.side,
                "filled": o.filled_quantity,
                "price": o.avg_price,
                "fees": o.fees,
            }
            for o in orders
            if o.filled_quantity > 0
        ]
    )


def _order_status(filled: Decimal, planned: Decimal, block_status: str) -> str:
    if filled >= planned:
        return OrderStatus.FILLED
    if filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    return OrderStatus.REJECTED if block_status == OrderStatus.REJECTED else OrderStatus.CANCELLED


ORDER_UPDATE = """UPDATE trading_order o
  SET filled_quantity = t.filled_quantity, fees = t.fees, avg_price = t.avg_price,
  status = t.status, note = COALESCE(t.note, '') FROM tmp_order_fill t WHERE o.id = t.id"""


def _orders_write(orders: list[Order]) -> None:
    """One UPDATE for a block's orders, through a temp table (bulk_update's CASE is slow at 10k)."""
    frame = pd.DataFrame(
        [(o.pk, o.filled_quantity, o.fees, o.avg_price, o.status, o.note) for o in orders],
        columns=["id", "filled_quantity", "fees", "avg_price", "status", "note"],
    )
    copy_frame_to_temp(
        "tmp_order_fill",
        {
            "id": "bigint",
            "filled_quantity": "numeric",
            "fees": "numeric",
            "avg_price": "numeric",
            "status": "text",
            "note": "text",
        },
        frame,
    )
    with connection.cursor() as cur:
        cur.execute(ORDER_UPDATE)
        cur.execute("DROP TABLE tmp_order_fill")
