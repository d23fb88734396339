"""The custodian adapter interface: submit orders, report what it knows, fetch fills, cancel.

Every call is keyed by the client order id, so a caller that crashed between sending and
recording can ask `known()` before sending again; adapters must refuse a second order with
an id they already hold."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal

from portfolios.models import Custodian


@dataclass(frozen=True)
class Ticket:
    client_order_id: str
    symbol: str
    side: str
    quantity: Decimal
    order_type: str
    limit_price: Decimal | None
    reference_price: Decimal


@dataclass(frozen=True)
class Ack:
    client_order_id: str
    accepted: bool
    reason: str = ""


@dataclass(frozen=True)
class FillReport:
    """The custodian's final word on an order: filled, partially filled (rest cancelled),
    rejected, or cancelled. `quantity`/`price`/`fees` are the executed part."""

    client_order_id: str
    exec_id: str
    status: str
    quantity: Decimal
    price: Decimal | None
    fees: Decimal
    reason: str = ""


class CustodianAdapter(ABC):
    def __init__(self, custodian: Custodian):
        self.custodian = custodian

    @abstractmethod
    def submit(self, tickets: list[Ticket]) -> list[Ack]: ...

    @abstractmethod
    def known(self, client_order_ids: list[str]) -> set[str]: ...

    @abstractmethod
    def fetch_fills(self, client_order_ids: list[str]) -> list[FillReport]: ...

    @abstractmethod
    def cancel(self, client_order_id: str) -> bool: ...

    def fee_for(self, notional: Decimal) -> Decimal:
        """The custodian's fee structure: a fixed fee per trade plus basis points of value."""
        fee = self.custodian.fee_per_trade + notional * self.custodian.fee_bps / Decimal(10000)
        return fee.quantize(Decimal("0.01"))
