"""The NYSE calendar, in one place: trading days, opens and closes (early closes included),
and business-day arithmetic. Everything else in the product asks here, never exchange_calendars.

The calendar is built once per process with an explicit horizon: by default the package's
calendar ends about a year after its release and raises past it. Holidays are rules, so a
horizon years out is as correct as next week.
"""

import warnings
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import exchange_calendars
import pandas as pd
from pandas.errors import Pandas4Warning

NEW_YORK = ZoneInfo("America/New_York")
CALENDAR_CODE = "XNYS"
CALENDAR_START = date(2018, 1, 1)
CALENDAR_END = date(2031, 12, 31)


@cache
def _calendar() -> exchange_calendars.ExchangeCalendar:
    # exchange_calendars 4.13 trips a pandas 3.1 deprecation while building; it is theirs, not ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Pandas4Warning)
        return exchange_calendars.get_calendar(
            CALENDAR_CODE, start=CALENDAR_START.isoformat(), end=CALENDAR_END.isoformat()
        )


def _ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d.isoformat())


def is_trading_day(d: date) -> bool:
    return bool(_calendar().is_session(_ts(d)))


def trading_days(start: date, end: date) -> list[date]:
    """Trading days from `start` to `end`, both inclusive, in order."""
    if end < start:
        return []
    return [ts.date() for ts in _calendar().sessions_in_range(_ts(start), _ts(end))]


def previous_trading_day(d: date) -> date:
    """The last trading day strictly before `d`."""
    return _calendar().date_to_session(_ts(d - timedelta(days=1)), direction="previous").date()


def next_trading_day(d: date) -> date:
    """The first trading day strictly after `d`."""
    return _calendar().date_to_session(_ts(d + timedelta(days=1)), direction="next").date()


def session_open_utc(d: date) -> datetime:
    return _calendar().session_open(_ts(d)).to_pydatetime()


def session_close_utc(d: date) -> datetime:
    """The close of trading day `d` as an aware UTC datetime (13:00 ET on early-close days)."""
    return _calendar().session_close(_ts(d)).to_pydatetime()


def _new_york_date(moment: datetime | date) -> date:
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None:
        raise ValueError("a naive datetime has no place on the calendar; pass an aware one")
    return moment.astimezone(NEW_YORK).date()


def add_business_days(start: datetime | date, n: int) -> date:
    """The NYSE business day `n` business days after `start` (a datetime counts from its New
    York date). The start day itself is not counted, so Wed 2026-11-25 + 5 is Thu 2026-12-03."""
    if n < 0:
        raise ValueError("n must be zero or positive")
    day = _new_york_date(start)
    for _ in range(n):
        day = next_trading_day(day)
    return day


def latest_completed_session(now_utc: datetime) -> date:
    """The last trading day whose close has passed at `now_utc` (its prices are final)."""
    today = _new_york_date(now_utc)
    if is_trading_day(today) and session_close_utc(today) <= now_utc:
        return today
    return previous_trading_day(today)
