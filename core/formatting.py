"""Money and percentages as the product prints them: Decimal (or a float) in, str out.

- usd: a signed dollar amount with thousands separators and every digit it is given,
  `$1,234.56`, `-$285.05` (not `$-285.05`); None prints as `—`.
- money: usd rounded to the cent, half up (`-$285.05`): emails and messages.
- percent: a percentage rounded half up to `places` decimals with its sign, `12.5%`.
- fixed: a bare figure rounded to `places` decimals (`1234.57`), for the figures a
  compliance finding stores. A float is taken at its shortest repr (0.1 * 3 is 0.30000000000000004,
  whose repr rounds as written), then rounded half to even, Decimal's default.
"""

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


def percent(value, places: int = 1) -> str:
    """`value` (already in percent) rounded half up to `places` decimals: `12.5%`."""
    step = Decimal(1).scaleb(-places)
    return f"{Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP)}%"


def fixed(x, places: int = 2) -> str:
    """A number as a bare fixed-point figure: its shortest repr rounded half to even."""
    return str(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-places)))
