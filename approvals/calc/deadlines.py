"""Approval windows: hours on the clock, or NYSE business days ending at that day's close."""

from datetime import datetime, timedelta

from portfolios.calc.market_calendar import add_business_days, session_close_utc

from ..choices import WindowUnit

# The longest approval window a routing rule may set (docs/ARCHITECTURE.md, "Approvals and the
# client portal"): 90 days on the clock, or 60 NYSE business days (about three months). Beyond
# that a deadline is no deadline, and 2,147,483,647 hours overflows the calendar.
WINDOW_MAX = {WindowUnit.HOURS: 2160, WindowUnit.BUSINESS_DAYS: 60}


def window_problem(*, amount, unit: str) -> str:
    """Why (amount, unit) is not a usable approval window, or ""."""
    if unit not in WINDOW_MAX or amount is None:
        return ""  # the field's own validation reports a missing amount or an unknown unit
    if not 1 <= amount <= WINDOW_MAX[unit]:
        return f"A window must be from 1 to {WINDOW_MAX[unit]:,} {WindowUnit(unit).label.lower()}."
    return ""


def deadline_for(*, started_at: datetime, amount: int, unit: str) -> datetime:
    if unit == WindowUnit.HOURS:
        return started_at + timedelta(hours=amount)
    if unit == WindowUnit.BUSINESS_DAYS:
        return session_close_utc(add_business_days(started_at, amount))
    raise ValueError(f"Unknown window unit {unit!r}")


def reminder_time(*, started_at: datetime, deadline: datetime) -> datetime:
    """Half-way through the window, on the clock (the rule of
    notifications.services.messages.reminder_due)."""
    return started_at + (deadline - started_at) / 2
