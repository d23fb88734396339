"""Months: a calendar month as a half-open UTC window over New York days, and when a
monthly report is due (from the month's first NYSE business day on, for the month before; the
beat asks every few minutes and the database makes sure it happens once)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from portfolios.calc.market_calendar import NEW_YORK, next_trading_day


def month_first(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def previous_month(month: date) -> date:
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


@dataclass(frozen=True)
class MonthWindow:
    month: date  # the first of the month
    start: datetime  # midnight New York on the 1st, aware
    end: datetime  # midnight New York on the 1st of the next month (excluded)

    @property
    def last_day(self) -> date:
        return date.fromordinal(next_month(self.month).toordinal() - 1)

    def during(self, field: str) -> dict:
        """ORM lookups: `field` falls inside the month."""
        return {f"{field}__gte": self.start, f"{field}__lt": self.end}


def month_window(month: date) -> MonthWindow:
    first = month_first(month)
    start = datetime.combine(first, datetime.min.time(), tzinfo=NEW_YORK)
    end = datetime.combine(next_month(first), datetime.min.time(), tzinfo=NEW_YORK)
    return MonthWindow(first, start, end)


def first_business_day(month: date) -> date:
    return next_trading_day(month.replace(day=1) - timedelta(days=1))


def report_month_due(now_utc: datetime) -> date | None:
    """The month (its 1st) whose report is due at `now_utc`, or None before this month's
    first business day."""
    today = now_utc.astimezone(NEW_YORK).date()
    if today < first_business_day(today):
        return None
    return previous_month(today.replace(day=1))
