"""The simulated custodian: the default, so the whole flow runs locally.

It keeps its own book (SimulatedCustodianOrder), refuses a repeated client order id (and
counts the attempt), and decides each order's fate from a seeded hash of the id: mostly
filled near the last close, sometimes partially, sometimes rejected; fees from the
custodian's structure. Settings: TRADING_SIMULATED = {"seed", "reject_rate", "partial_rate",
"latency_s"} (latency: how long the custodian takes to acknowledge a submission)."""

import random
import time
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db import connection

from portfolios.choices import Side

from ..choices import OrderStatus, OrderType
from ..models import SimulatedCustodianOrder
from .base import Ack, CustodianAdapter, FillReport, Ticket

DEFAULTS = {"seed": 7, "reject_rate": 0.03, "partial_rate": 0.10, "latency_s": 0.0}
TICK = Decimal("0.0001")


def simulation() -> dict:
    return {**DEFAULTS, **getattr(settings, "TRADING_SIMULATED", {})}


class SimulatedAdapter(CustodianAdapter):
    def submit(self, tickets: list[Ticket]) -> list[Ack]:
        if not tickets:
            return []
        rows = [
            (
                self.custodian.firm_id,
                self.custodian.pk,
                t.client_order_id,
                t.side,
                t.quantity,
                t.order_type,
                t.limit_price,
                t.reference_price,
            )
            for t in tickets
        ]
        with connection.cursor() as cur:
            values = ",".join(
                connection.ops.compose_sql("(%s,%s,%s,%s,%s,%s,%s,%s,1,now())", r) for r in rows
            )
            cur.execute(
                "INSERT INTO trading_simulatedcustodianorder (firm_id, custodian_id, "
                "client_order_id, side, quantity,"
                " order_type, limit_price, reference_price, attempts, received_at) VALUES "
                + values
                + " ON CONFLICT (firm_id, custodian_id, client_order_id) DO UPDATE SET attempts ="
                " trading_simulatedcustodianorder.attempts + 1 RETURNING client_order_id, attempts"
            )
            attempts = dict(cur.fetchall())
        time.sleep(
            simulation()["latency_s"]
        )  # the custodian has the orders; its answer is on the way
        return [
            Ack(
                t.client_order_id,
                attempts[t.client_order_id] == 1,
                "" if attempts[t.client_order_id] == 1 else "duplicate client order id",
            )
            for t in tickets
        ]

    def known(self, client_order_ids: list[str]) -> set[str]:
        return set(
            SimulatedCustodianOrder.objects.filter(
                custodian=self.custodian, client_order_id__in=client_order_ids
            ).values_list("client_order_id", flat=True)
        )

    def fetch_fills(self, client_order_ids: list[str]) -> list[FillReport]:
        orders = SimulatedCustodianOrder.objects.filter(
            custodian=self.custodian, client_order_id__in=client_order_ids
        )
        return [self._fate(o) for o in orders]

    def cancel(self, client_order_id: str) -> bool:
        return False  # the simulation decides every order at once: nothing is left open to cancel

    def _fate(self, order: SimulatedCustodianOrder) -> FillReport:
        sim = simulation()
        rng = random.Random(f"{sim['seed']}:{order.client_order_id}")
        draw = rng.random()
        if draw < sim["reject_rate"]:
            return FillReport(
                order.client_order_id,
                f"{order.client_order_id}-X",
                OrderStatus.REJECTED,
                Decimal("0"),
                None,
                Decimal("0"),
                "Rejected by the custodian (simulated: no liquidity at the limit)",
            )
        quantity = order.quantity
        status = OrderStatus.FILLED
        if draw < sim["reject_rate"] + sim["partial_rate"]:
            quantity = self._partial(order.quantity, Decimal(str(round(rng.uniform(0.3, 0.95), 4))))
            status = OrderStatus.PARTIALLY_FILLED if quantity > 0 else OrderStatus.CANCELLED
        price = self._price(order, Decimal(str(round(rng.random(), 6))))
        fees = self.fee_for(quantity * price) if quantity > 0 else Decimal("0.00")
        reason = (
            ""
            if status == OrderStatus.FILLED
            else "Part filled; the rest expired unfilled at the close (simulated)"
        )
        return FillReport(
            order.client_order_id,
            f"{order.client_order_id}-1",
            status,
            quantity,
            price,
            fees,
            reason,
        )

    def _partial(self, quantity: Decimal, fraction: Decimal) -> Decimal:
        unit = Decimal("0.000001") if self.custodian.supports_fractional else Decimal("1")
        return (quantity * fraction / unit).to_integral_value(rounding=ROUND_FLOOR) * unit

    def _price(self, order: SimulatedCustodianOrder, u: Decimal) -> Decimal:
        """Near the last close: the half-spread against the client, scaled by `u`; never
        through the limit."""
        slip = order.reference_price * self.custodian.spread_bps / Decimal(20000) * u
        price = (
            order.reference_price + slip if order.side == Side.BUY else order.reference_price - slip
        )
        if order.order_type == OrderType.LIMIT and order.limit_price is not None:
            price = (
                min(price, order.limit_price)
                if order.side == Side.BUY
                else max(price, order.limit_price)
            )
        return price.quantize(TICK)
