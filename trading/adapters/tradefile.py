"""A custodian reached by trade files: orders go out as a CSV file per submission into
<TRADING_FILES_DIR>/<custodian code>/outbox/, and the custodian's fills come back as CSV
files dropped into …/inbox/ (columns: client_order_id, exec_id, status, quantity, price,
fees, reason). The outbox files are the record of what was sent, so `known()` reads them."""

import csv
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .base import Ack, CustodianAdapter, FillReport, Ticket

ORDER_FIELDS = [
    "client_order_id",
    "symbol",
    "side",
    "quantity",
    "order_type",
    "limit_price",
    "reference_price",
]


def _inert(text: str) -> str:
    """A text cell a spreadsheet would run as a formula (= + - @ first) gets a leading
    apostrophe."""
    return "'" + text if str(text).startswith(("=", "+", "-", "@", "\t", "\r")) else text


class TradeFileAdapter(CustodianAdapter):
    @property
    def root(self) -> Path:
        return Path(getattr(settings, "TRADING_FILES_DIR", "var/trade-files")) / self.custodian.code

    def _rows(self, folder: str):
        for path in sorted((self.root / folder).glob("*.csv")):
            with path.open(newline="") as fh:
                yield from csv.DictReader(fh)

    def known(self, client_order_ids: list[str]) -> set[str]:
        wanted = set(client_order_ids)
        return {
            r["client_order_id"] for r in self._rows("outbox") if r["client_order_id"] in wanted
        }

    def submit(self, tickets: list[Ticket]) -> list[Ack]:
        already = self.known([t.client_order_id for t in tickets])
        fresh = [t for t in tickets if t.client_order_id not in already]
        if fresh:
            outbox = self.root / "outbox"
            outbox.mkdir(parents=True, exist_ok=True)
            path = outbox / f"orders-{timezone.now():%Y%m%dT%H%M%S%f}.csv"
            with path.open("w", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(ORDER_FIELDS)
                writer.writerows(
                    [
                        [
                            _inert(t.client_order_id),
                            _inert(t.symbol),
                            t.side,
                            t.quantity,
                            t.order_type,
                            t.limit_price or "",
                            t.reference_price,
                        ]
                        for t in fresh
                    ]
                )
        return [
            Ack(
                t.client_order_id,
                t.client_order_id not in already,
                "duplicate client order id" if t.client_order_id in already else "",
            )
            for t in tickets
        ]

    def fetch_fills(self, client_order_ids: list[str]) -> list[FillReport]:
        wanted = set(client_order_ids)
        return [
            FillReport(
                r["client_order_id"],
                r["exec_id"],
                r["status"],
                Decimal(r["quantity"] or "0"),
                Decimal(r["price"]) if r["price"] else None,
                Decimal(r["fees"] or "0"),
                r.get("reason", ""),
            )
            for r in self._rows("inbox")
            if r["client_order_id"] in wanted
        ]

    def cancel(self, client_order_id: str) -> bool:
        return False  # a file custodian cancels by phone; nothing to do automatically
