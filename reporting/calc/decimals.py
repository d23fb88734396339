"""Figures leave the selectors as Decimal, quantised for people to read."""

from decimal import ROUND_HALF_UP, Decimal

PCT = Decimal("0.1")
PP = Decimal("0.001")
HOURS = Decimal("0.1")


def q(value, step: Decimal = PCT) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)


def rate(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in percent; None when there is nothing to divide."""
    return q(Decimal(part) * 100 / Decimal(whole)) if whole else None


def ratio(part: int, whole: int, step: Decimal = Decimal("0.01")) -> Decimal | None:
    return q(Decimal(part) / Decimal(whole), step) if whole else None
