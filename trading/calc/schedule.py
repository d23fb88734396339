"""When is a firm's trade batch due? 9:45 New York on NYSE trading days, until the close."""

from datetime import date, datetime, time

from portfolios.calc.market_calendar import (
    NEW_YORK,
    is_trading_day,
    next_trading_day,
    session_close_utc,
    session_open_utc,
)

BATCH_TIME = time(9, 45)


def batch_start_utc(day: date) -> datetime:
    return datetime.combine(day, BATCH_TIME, tzinfo=NEW_YORK)


def batch_date_due(now_utc: datetime) -> date | None:
    """Today's New York date when it is a trading day and 9:45 has passed but not the close."""
    today = now_utc.astimezone(NEW_YORK).date()
    if not is_trading_day(today):
        return None
    return today if batch_start_utc(today) <= now_utc < session_close_utc(today) else None


def market_open(now_utc: datetime) -> date | None:
    """Today's date while the market is open (a manual "run now" needs it)."""
    today = now_utc.astimezone(NEW_YORK).date()
    if not is_trading_day(today):
        return None
    return today if session_open_utc(today) <= now_utc < session_close_utc(today) else None


def next_batch_start(after_utc: datetime) -> datetime:
    """The first 9:45 New York batch start on an NYSE trading day strictly after `after_utc`
    (an aware datetime): what a client who signs at `after_utc` is told. A finished day's batch
    does not run again on its own, so a signature after 9:45 waits for the next trading day."""
    day = after_utc.astimezone(NEW_YORK).date()
    if is_trading_day(day) and batch_start_utc(day) > after_utc:
        return batch_start_utc(day)
    return batch_start_utc(next_trading_day(day))
