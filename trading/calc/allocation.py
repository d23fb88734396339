"""Pro-rata allocation of a block's fill to its written plan (pure, integer units).

Largest remainder: every account first gets the floor of its exact pro-rata share, then the
units left over go one each to the largest remainders (ties: the plan's order). So the parts
sum to the fill exactly, none is more than one unit from its exact share, and none exceeds
its planned quantity. A unit is one share, or the smallest fraction a fractional custodian
trades."""

from decimal import ROUND_FLOOR, Decimal

SHARE = Decimal("1")
FRACTION = Decimal("0.000001")


def _largest_remainder(weights: list[int], amount: int) -> list[int]:
    total = sum(weights)
    if total == 0:
        return [0] * len(weights)
    base = [w * amount // total for w in weights]
    remainders = [w * amount % total for w in weights]
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[: amount - sum(base)]:
        base[i] += 1
    return base


def split_units(planned: list[int], filled: int) -> list[int]:
    if filled < 0 or filled > sum(planned):
        raise ValueError(f"A fill of {filled} units cannot be split over a plan of {sum(planned)}")
    return _largest_remainder(planned, filled)


def allocate(planned: list[Decimal], filled: Decimal, unit: Decimal) -> list[Decimal]:
    """Split `filled` over `planned` quantities pro rata, in multiples of `unit`."""
    units = [int((q / unit).to_integral_value(rounding=ROUND_FLOOR)) for q in planned]
    parts = split_units(units, int((filled / unit).to_integral_value(rounding=ROUND_FLOOR)))
    return [p * unit for p in parts]


def share_fees(planned: list[Decimal], fees: Decimal) -> list[Decimal]:
    """Costs shared pro rata to the planned quantities, to the cent, summing to `fees`."""
    weights = [int((q / FRACTION).to_integral_value()) for q in planned]
    cents = _largest_remainder(weights, int((fees * 100).to_integral_value()))
    return [Decimal(c) / 100 for c in cents]
