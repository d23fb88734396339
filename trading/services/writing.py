"""Writing a batch's plan: the outbox. Orders, blocks and each block's allocation plan are
committed together, before anything is sent; proposals move to queued in the same transaction,
so a proposal's trades are written exactly once. A proposal whose prices moved past the second
tolerance is superseded instead, and drift rebuilds it at today's prices for the client."""

from decimal import Decimal

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from core.formatting import day
from core.pgcopy import insert_frame
from drift.choices import ProposalStatus
from drift.services.transitions import proposals_transition
from drift.tasks import drift_proposals_rebuild
from firms.services.audit import audit_record
from firms.tasks import enqueue_after_commit

from ..calc.planning import Plan, blocks_of
from ..choices import OrderStatus
from ..models import Batch, ConsentRecheck

PLAN_SQL = """
UPDATE trading_blockorder b SET plan = p.plan FROM (
  SELECT o.block_id,
         jsonb_agg(jsonb_build_array(o.id, o.client_order_id, a.number, o.quantity::text)
                   ORDER BY o.id) AS plan
  FROM trading_order o JOIN portfolios_account a ON a.id = o.account_id
  WHERE o.batch_id = %s AND o.block_id IS NOT NULL GROUP BY o.block_id
) p WHERE b.id = p.block_id AND b.plan = '[]'::jsonb
"""


def plan_write(*, batch: Batch, plan: Plan) -> dict:
    with transaction.atomic():
        queued = _orders_and_blocks(batch, plan)
        sent_back = _reconsent(batch, plan.reconsent)
    return {"orders": len(plan.orders), "queued": len(queued), "reconsent": len(sent_back)}


def _orders_and_blocks(batch: Batch, plan: Plan) -> list[int]:
    if plan.orders.empty:
        return []
    ids = proposals_transition(
        ids=plan.orders["proposal_id"].unique(),
        to=ProposalStatus.QUEUED,
        reason=f"batch of {day(batch.trade_date)}",
        skip_refused=True,
    )
    orders = plan.orders[
        plan.orders["proposal_id"].isin(ids)
    ]  # a proposal another run queued is not ours
    block_ids = _blocks_insert(batch, blocks_of(orders))
    _orders_insert(batch, orders, block_ids)
    with connection.cursor() as cur:
        cur.execute(PLAN_SQL, [batch.pk])
    return ids


def _blocks_insert(batch: Batch, blocks: pd.DataFrame) -> dict:
    if blocks.empty:
        return {}
    now = timezone.now().isoformat()
    frame = pd.DataFrame(
        {
            "firm_id": batch.firm_id,
            "batch_id": batch.pk,
            "custodian_id": blocks["custodian_id"],
            "security_id": blocks["security_id"],
            "side": blocks["side"],
            "order_type": blocks["order_type"],
            "limit_price": blocks["limit_price"],
            "reference_price": blocks["reference_price"],
            "quantity": blocks["quantity"],
            "plan": "[]",
            "status": OrderStatus.PENDING,
            "filled_quantity": Decimal(0),
            "fees": Decimal(0),
            "reject_reason": "",
            "hold_note": "",
            "created_at": now,
            "client_order_id": [
                f"B{batch.trade_date:%Y%m%d}-{batch.pk}r{batch.runs}-C{c}-S{s}-{side}"
                for c, s, side in zip(blocks["custodian_id"], blocks["security_id"], blocks["side"])
            ],
        }
    )
    rows = insert_frame(
        "trading_blockorder",
        frame,
        blank={"reject_reason", "hold_note"},
        returning="id, custodian_id, security_id, side",
    )
    return {(c, s, side): pk for pk, c, s, side in rows}


def _orders_insert(batch: Batch, orders: pd.DataFrame, block_ids: dict) -> None:
    keys = zip(orders["custodian_id"], orders["security_id"], orders["side"], orders["status"])
    frame = orders.drop(columns=["account_number", "symbol"]).assign(
        firm_id=batch.firm_id,
        batch_id=batch.pk,
        filled_quantity=Decimal(0),
        fees=Decimal(0),
        created_at=timezone.now().isoformat(),
        block_id=pd.array(
            [
                block_ids.get((c, s, side)) if st == OrderStatus.PENDING else None
                for c, s, side, st in keys
            ],
            dtype="Int64",
        ),
    )
    insert_frame("trading_order", frame, blank={"note"}, conflict="ON CONFLICT DO NOTHING")


def _reconsent(batch: Batch, entries: list[dict]) -> list[int]:
    ids = proposals_transition(
        ids=[e["proposal"] for e in entries],
        to=ProposalStatus.SUPERSEDED,
        skip_refused=True,
        reason="prices moved past the firm's tolerance since the client approved; "
        "a version at today's prices goes back to the client",
        payload={"moves": {e["proposal"]: str(e["move"]) for e in entries}},
    )
    ConsentRecheck.objects.bulk_create(
        [
            ConsentRecheck(
                firm_id=batch.firm_id,
                batch=batch,
                proposal_id=e["proposal"],
                max_move_pct=e["move"],
                reason=e["reason"],
            )
            for e in entries
            if e["proposal"] in set(ids)
        ],
        ignore_conflicts=True,
    )
    if ids:
        audit_record(
            firm_id=batch.firm_id, event="trading.reconsent", obj=batch, payload={"proposals": ids}
        )
        enqueue_after_commit(drift_proposals_rebuild, firm_id=batch.firm_id, proposal_ids=ids)
    return ids
