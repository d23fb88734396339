"""Money and percentages as the product prints them: Decimal (or a float) in, str out.

- usd: a signed dollar amount with thousands separators and every digit it is given,
  `$1,234.56`, `-$285.05` (not `$-285.05`); None prints as `—`.
- money: usd rounded to the cent, half up (`-$285.05`): emails and messages.
- percent: a percentage rounded half up to `places` decimals with its sign, `12.5%`.
- quantity: a share quantity with thousands separators and no trailing zeros, `1,613`, `0.5`.
- price: a per-share price with at least two and at most four decimals, `$33.0399`, `$493.64`.
- day: a date as the pages print it, `Dec 3, 2026`.
- count: a count and its noun, pluralised, `1 account`, `1,250 orders`.
- fixed: a bare figure rounded to `places` decimals (`1234.57`), for the figures a
  compliance finding stores. A float is taken at its shortest repr (0.1 * 3 is 0.30000000000000004,
  whose repr rounds as written), then rounded half to even, Decimal's default.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def usd(value: Decimal | None) -> str:
    """A signed dollar amount as people write it: `$1,234.56`, `-$285.05` (not `$-285.05`)."""
    if value is None:
        return "—"
    return f"-${-value:,f}" if value < 0 else f"${value:,f}"


def money(amount) -> str:
    """To the cent (half up), the sign before the dollar (`-$285.05`), as the pages print it."""
    return usd(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def quantity(value) -> str:
    """A quantity as people read it: `1,613` (not `1613.000000`), `12.5`, `-3`; None is `—`."""
    if value is None:
        return "—"
    value = Decimal(str(value)).normalize()
    return f"{value:,f}"


PRICE_PLACES = 4


def price(value) -> str:
    """A per-share price: two decimals, more only when the price has them, at most four
    (half up): `$493.64`, `$33.0399`, `-$1.50`; None is `—`."""
    if value is None:
        return "—"
    value = Decimal(str(value)).quantize(Decimal(1).scaleb(-PRICE_PLACES), ROUND_HALF_UP)
    value = value.normalize()
    if value.as_tuple().exponent > -2:
        value = value.quantize(CENT)
    return usd(value)


def day(value) -> str:
    """A date (or an ISO date string) as the pages print it: `Dec 3, 2026`."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value:%b} {value.day}, {value.year}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """`count(1, "account")` → `1 account`, `count(1250, "order")` → `1,250 orders`."""
    word = singular if n == 1 else (plural or f"{singular}s")
    return f"{n:,} {word}"


def percent(value, places: int = 1) -> str:
    """`value` (already in percent) rounded half up to `places` decimals: `12.5%`."""
    step = Decimal(1).scaleb(-places)
    return f"{Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)}%"


def fixed(x, places: int = 2) -> str:
    """A number as a bare fixed-point figure: its shortest repr rounded half to even."""
    return str(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-places)))
