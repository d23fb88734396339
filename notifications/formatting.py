"""How values read in an email: quantities, account numbers, dates (money and percentages:
core.formatting)."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

EASTERN = ZoneInfo("America/New_York")


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
