"""Reads of the book. All run inside the caller's firm scope."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from django.db.models import Max, OuterRef, Subquery

from firms.choices import Role
from firms.models import Membership

from .choices import AssetClass
from .models import (
    Account,
    Client,
    ModelTarget,
    Position,
    Price,
    Security,
    SubstantiallyIdenticalPair,
    Substitute,
)


def advisor_options() -> list[Membership]:
    """The firm's advisors and senior advisors for the list pages' filters, by name (then id: a
    fixed order)."""
    advisors = Membership.objects.filter(role__in=[Role.ADVISOR, Role.SENIOR_ADVISOR])
    return sorted(advisors.select_related("user"), key=lambda a: (a.display_name, a.pk))


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
    return holdings_by_account([account.pk]).get(account.pk, [])


def holding_value(quantity: Decimal, close: Decimal | None) -> Decimal:
    """A position's value at its close, to the cent (0.00 without a price)."""
    return (quantity * close).quantize(Decimal("0.01")) if close is not None else Decimal("0.00")


def holdings_values(positions):
    """`positions` (a Position queryset) with each security's latest close, as plain tuples
    (account_id, quantity, symbol, name, asset_class, close, close_date) in display order:
    not two model instances per position (the portal's busiest pages)."""
    last_close = Price.objects.filter(security=OuterRef("security")).order_by("-date")
    return (
        positions.annotate(
            close=Subquery(last_close.values("close")[:1]),
            close_date=Subquery(last_close.values("date")[:1]),
        )
        .order_by("account_id", "security__asset_class", "security__symbol")
        .values_list(
            "account_id",
            "quantity",
            "security__symbol",
            "security__name",
            "security__asset_class",
            "close",
            "close_date",
        )
    )


def holdings_grouped(rows) -> dict[int, list[HoldingRow]]:
    """holdings_values() tuples as {account_id: [HoldingRow, …]}."""
    holdings: dict[int, list[HoldingRow]] = {}
    for account_id, quantity, symbol, name, asset_class, close, close_date in rows:
        holdings.setdefault(account_id, []).append(
            HoldingRow(
                symbol=symbol,
                name=name,
                asset_class=asset_class,
                quantity=quantity,
                price=close,
                price_date=close_date,
                value=holding_value(quantity, close),
            )
        )
    return holdings


def holdings_by_account(account_ids) -> dict[int, list[HoldingRow]]:
    return holdings_grouped(
        holdings_values(Position.objects.filter(account_id__in=list(account_ids)))
    )


def account_allocation(
    account: Account, holdings: list[HoldingRow], model_rows: list[dict] | None = None
) -> tuple[Decimal, list[AllocationRow]]:
    """Current vs target weight per asset class, in percent of the account's value. `model_rows`:
    the model's targets (asset_class, weight), when the caller fetched several models at once."""
    total = sum((h.value for h in holdings), Decimal("0"))
    by_class: dict[str, Decimal] = {}
    for h in holdings:
        by_class[h.asset_class] = by_class.get(h.asset_class, Decimal("0")) + h.value
    targets: dict[str, Decimal] = {}
    if model_rows is None:
        model_rows = ModelTarget.objects.filter(model_id=account.model_id).values(
            "asset_class", "weight"
        )
    for t in model_rows:
        targets[t["asset_class"]] = targets.get(t["asset_class"], Decimal("0")) + t["weight"]
    labels = dict(AssetClass.choices)
    rows = []
    for cls in sorted(
        set(by_class) | set(targets), key=lambda c: list(labels).index(c) if c in labels else 99
    ):
        value = by_class.get(cls, Decimal("0"))
        current = (value / total * 100).quantize(Decimal("0.01")) if total else Decimal("0.00")
        rows.append(
            AllocationRow(
                cls,
                labels.get(cls, cls),
                value,
                current,
                targets.get(cls, Decimal("0")).quantize(Decimal("0.01")),
            )
        )
    return total, rows


def pairs_frame() -> pd.DataFrame:
    """Each security's substantially identical set as rows (security_id, same_id); a security is
    always identical to itself."""
    rows = list(SubstantiallyIdenticalPair.objects.values_list("security_a_id", "security_b_id"))
    ids = set(Security.objects.values_list("id", flat=True))
    both = rows + [(b, a) for a, b in rows] + [(i, i) for i in ids]
    return pd.DataFrame(both, columns=["security_id", "same_id"], dtype="int64")


def substitutes_frame() -> pd.DataFrame:
    rows = Substitute.objects.values_list("security_id", "substitute_id", "rank")
    return pd.DataFrame(list(rows), columns=["security_id", "substitute_id", "rank"])


def household_group_sql(client: str = "c") -> str:
    """SQL for the group key of the client aliased `client` (a portfolios_client row): its
    household if it has one, else the client alone. Two clients share a household's facts
    (wash sales, re-checks on import) exactly when their keys are equal."""
    return f"COALESCE('h' || {client}.household_id::text, 'c' || {client}.id::text)"
