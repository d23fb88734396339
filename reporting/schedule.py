"""When is a monthly report due? From the month's first NYSE business day on, for the month
before; the beat asks every few minutes and the database makes sure it happens once."""

from datetime import date, datetime, timedelta

from portfolios.market_calendar import NEW_YORK, next_trading_day

from .selectors.window import previous_month


def first_business_day(month: date) -> date:
    return next_trading_day(month.replace(day=1) - timedelta(days=1))


def report_month_due(now_utc: datetime) -> date | None:
    """The month (its 1st) whose report is due at `now_utc`, or None before this month's
    first business day."""
    today = now_utc.astimezone(NEW_YORK).date()
    if today < first_business_day(today):
        return None
    return previous_month(today.replace(day=1))
