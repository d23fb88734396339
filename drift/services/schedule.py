"""When is a firm's scan due? After the NYSE close + a delay, on trading days, once per date."""

from datetime import date, datetime, timedelta

from django.conf import settings

from portfolios.calc.market_calendar import NEW_YORK, is_trading_day, session_close_utc

DEFAULT_DELAY_MINUTES = 30


def scan_delay() -> timedelta:
    return timedelta(
        minutes=int(getattr(settings, "DRIFT_SCAN_DELAY_MINUTES", DEFAULT_DELAY_MINUTES))
    )


def scan_date_due(now_utc: datetime) -> date | None:
    """Today's New York date when today is a trading day and its close + delay has passed."""
    today = now_utc.astimezone(NEW_YORK).date()
    if not is_trading_day(today):
        return None
    return today if now_utc >= session_close_utc(today) + scan_delay() else None
