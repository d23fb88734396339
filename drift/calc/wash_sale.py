"""The wash-sale rule's one window, pure date arithmetic. The proposal builder (rebalance,
harvesting, swap-back, the up-front avoidance) and the compliance check both use it, so what
the builder avoids is exactly what compliance would find. The household facts the window is
judged on are read by drift.selectors.wash_sale.

The window is `window_days` (the firm's wash-sale rule; 30 by default, 26 U.S.C. §1091)
calendar days before and after the **trade date**: the session whose batch will send a
proposal's orders, i.e. the first trading day after the prices it was built on. A trade is
safe from an event on day D from the first trading day after D + window_days on.
"""

from datetime import date, timedelta

import pandas as pd

from portfolios.calc.market_calendar import next_trading_day

WINDOW_DAYS = 30


def window_days(params: dict) -> int | None:
    """The wash-sale window in days, or None when the firm switched the rule off. `params`:
    the enabled compliance rules' parameters (drift.selectors.rule_params)."""
    rule = params.get("wash_sale")
    return None if rule is None else int(rule.get("window_days", WINDOW_DAYS))


def trade_date(as_of: date) -> date:
    """The session whose batch sends the orders of a proposal built on `as_of`'s prices."""
    return next_trading_day(as_of)


def trade_dates(as_of: pd.Series) -> pd.Series:
    """trade_date of each day in `as_of` (a Series of dates or timestamps), as timestamps."""
    days = pd.to_datetime(as_of)
    table = {d: pd.Timestamp(trade_date(pd.Timestamp(d).date())) for d in days.dropna().unique()}
    return days.map(table).astype(days.dtype)


def window(trade_day: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    """The window's first and last day around a trade date (both inside)."""
    return trade_day - timedelta(days=days), trade_day + timedelta(days=days)


def first_safe_day(event_day: date, days: int = WINDOW_DAYS) -> date:
    """The first trading day on which a trade no longer falls in the window of `event_day`."""
    return next_trading_day(event_day + timedelta(days=days))
