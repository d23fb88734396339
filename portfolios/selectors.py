"""Reads of the book. All run inside the caller's firm scope."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Max, OuterRef, Subquery

from .choices import AssetClass
from .models import Account, Client, ModelTarget, Position, Price, Security


def book_counts() -> dict:
    return {
        "clients": Client.objects.count(),
        "accounts": Account.objects.count(),
        "securities": Security.objects.count(),
        "positions": Position.objects.count(),
    }


def latest_price_date() -> date | None:
    return Price.objects.aggregate(d=Max("date"))["d"]


@dataclass
class AllocationRow:
    asset_class: str
    label: str
    value: Decimal
    current_pct: Decimal
    target_pct: Decimal

    @property
    def drift_pct(self) -> Decimal:
        return self.current_pct - self.target_pct


@dataclass
class HoldingRow:
    symbol: str
    name: str
    asset_class: str
    quantity: Decimal
    price: Decimal | None
    price_date: date | None
    value: Decimal


def account_holdings(account: Account) -> list[HoldingRow]:
    """Positions valued at each security's latest close (one query)."""
    last_close = Price.objects.filter(security=OuterRef("security")).order_by("-date")
    rows = (
        Position.objects.filter(account=account)
        .select_related("security")
        .annotate(close=Subquery(last_close.values("close")[:1]), close_date=Subquery(last_close.values("date")[:1]))
        .order_by("security__asset_class", "security__symbol")
    )
    return [
        HoldingRow(
            symbol=p.security.symbol,
            name=p.security.name,
            asset_class=p.security.asset_class,
            quantity=p.quantity,
            price=p.close,
            price_date=p.close_date,
            value=(p.quantity * p.close).quantize(Decimal("0.01")) if p.close is not None else Decimal("0.00"),
        )
        for p in rows
    ]


def account_allocation(account: Account, holdings: list[HoldingRow]) -> tuple[Decimal, list[AllocationRow]]:
    """Current vs target weight per asset class, in percent of the account's value."""
    total = sum((h.value for h in holdings), Decimal("0"))
    by_class: dict[str, Decimal] = {}
    for h in holdings:
        by_class[h.asset_class] = by_class.get(h.asset_class, Decimal("0")) + h.value
    targets: dict[str, Decimal] = {}
    for t in ModelTarget.objects.filter(model_id=account.model_id).values("asset_class", "weight"):
        targets[t["asset_class"]] = targets.get(t["asset_class"], Decimal("0")) + t["weight"]
    labels = dict(AssetClass.choices)
    rows = []
    for cls in sorted(set(by_class) | set(targets), key=lambda c: list(labels).index(c) if c in labels else 99):
        value = by_class.get(cls, Decimal("0"))
        current = (value / total * 100).quantize(Decimal("0.01")) if total else Decimal("0.00")
        rows.append(AllocationRow(cls, labels.get(cls, cls), value, current, targets.get(cls, Decimal("0")).quantize(Decimal("0.01"))))
    return total, rows
