"""Approval windows: hours on the clock, or NYSE business days ending at that day's close."""
from datetime import datetime, timedelta

from portfolios.market_calendar import add_business_days, session_close_utc

from .choices import WindowUnit


def deadline_for(*, started_at: datetime, amount: int, unit: str) -> datetime:
    if unit == WindowUnit.HOURS:
        return started_at + timedelta(hours=amount)
    if unit == WindowUnit.BUSINESS_DAYS:
        return session_close_utc(add_business_days(started_at, amount))
    raise ValueError(f"Unknown window unit {unit!r}")


def reminder_time(*, started_at: datetime, deadline: datetime) -> datetime:
    """Half-way through the window, on the clock (notifications.timing.reminder_due's rule)."""
    return started_at + (deadline - started_at) / 2

