"""How values read in an email: money, percentages, quantities, dates (Decimal throughout)."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from portfolios.display import usd

EASTERN = ZoneInfo("America/New_York")
CENT = Decimal("0.01")


def money(amount: Decimal) -> str:
    """To the cent, the sign before the dollar (`-$285.05`), as the pages print it."""
    return usd(Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP))


def percent(value) -> str:
    return f"{Decimal(str(value)).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def quantity(value: Decimal) -> str:
    q = Decimal(value).normalize()
    return f"{q:,f}" if q != q.to_integral() else f"{q.to_integral():,}"


def masked_account(number: str) -> str:
    """Only the last 4 characters show: ••••1234."""
    return "••••" + number[-4:] if len(number) > 4 else "••••"


def deadline(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(EASTERN)
    return local.strftime("%A, %B %-d, %Y at %-I:%M %p ") + local.tzname()
