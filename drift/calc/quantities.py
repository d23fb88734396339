"""Whole shares or fractions: the one rule for how many shares a value buys (or a planned
quantity becomes) at a custodian. Fractional custodians trade thousandths of a share; the rest
whole shares. Always rounded down, so a trade never spends more than its value."""

from decimal import ROUND_FLOOR, Decimal

import numpy as np

FRACTION = Decimal("0.001")
WHOLE = Decimal("1")


def tradable_quantity(quantity: Decimal, *, fractional: bool) -> Decimal:
    """`quantity` rounded down to what the custodian trades."""
    return Decimal(quantity).quantize(FRACTION if fractional else WHOLE, rounding=ROUND_FLOOR)


def shares_for(value: Decimal, price: Decimal, *, fractional: bool) -> Decimal:
    """Shares `value` buys at `price`."""
    return tradable_quantity(Decimal(value) / Decimal(price), fractional=fractional)


def tradable_quantities(raw, fractional) -> np.ndarray:
    """The same rule over float arrays (the rebalancer's frames). The small epsilons keep a
    float that is a hair under an exact step (2.9999999 for 3) from losing a step."""
    raw = np.asarray(raw, dtype=float)
    return np.where(
        np.asarray(fractional, dtype=bool), np.floor(raw * 1000 + 1e-6) / 1000, np.floor(raw + 1e-9)
    )
