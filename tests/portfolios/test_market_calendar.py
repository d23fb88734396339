"""The NYSE calendar: holidays, early closes, business days, and a horizon years out."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from portfolios.calc.market_calendar import (
    NEW_YORK,
    add_business_days,
    is_trading_day,
    latest_completed_session,
    next_trading_day,
    previous_trading_day,
    session_close_utc,
    session_open_utc,
    trading_days,
)


def _et(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=NEW_YORK)


def test_thanksgiving_is_not_a_trading_day():
    assert not is_trading_day(date(2026, 11, 26))
    assert is_trading_day(date(2026, 11, 25))


def test_weekends_are_not_trading_days():
    assert not is_trading_day(date(2026, 11, 28))
    assert not is_trading_day(date(2026, 11, 29))


def test_the_day_after_thanksgiving_closes_early_at_1pm_new_york():
    close = session_close_utc(date(2026, 11, 27))
    assert close == datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert close.astimezone(NEW_YORK).time() == time(13, 0)


def test_a_normal_day_opens_at_930_and_closes_at_4pm_new_york():
    day = date(2026, 11, 24)
    assert session_open_utc(day).astimezone(NEW_YORK).time() == time(9, 30)
    assert session_close_utc(day).astimezone(NEW_YORK).time() == time(16, 0)
    assert session_close_utc(day).utcoffset() == timedelta(0)


def test_a_date_two_years_ahead_is_on_the_calendar():
    assert not is_trading_day(date(2028, 11, 23))  # Thanksgiving 2028
    assert session_close_utc(date(2028, 11, 24)).astimezone(NEW_YORK).time() == time(13, 0)


def test_trading_days_are_inclusive_and_skip_the_holiday_and_weekend():
    assert trading_days(date(2026, 11, 25), date(2026, 11, 30)) == [
        date(2026, 11, 25),
        date(2026, 11, 27),
        date(2026, 11, 30),
    ]
    assert trading_days(date(2026, 11, 30), date(2026, 11, 25)) == []


def test_previous_and_next_trading_day_step_over_the_holiday():
    assert next_trading_day(date(2026, 11, 25)) == date(2026, 11, 27)
    assert previous_trading_day(date(2026, 11, 27)) == date(2026, 11, 25)
    assert previous_trading_day(date(2026, 11, 30)) == date(2026, 11, 27)


def test_five_business_days_from_the_wednesday_before_thanksgiving_is_the_next_thursday():
    assert add_business_days(date(2026, 11, 25), 5) == date(2026, 12, 3)


def test_business_days_from_a_datetime_count_from_its_new_york_date():
    # 02:00 UTC on the 26th is still the evening of Wednesday the 25th in New York.
    assert add_business_days(datetime(2026, 11, 26, 2, 0, tzinfo=UTC), 5) == date(2026, 12, 3)
    assert add_business_days(date(2026, 11, 25), 0) == date(2026, 11, 25)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_days(datetime(2026, 11, 25, 12, 0), 1)


def test_the_early_close_session_completes_only_after_1pm():
    day = date(2026, 11, 27)
    assert latest_completed_session(_et(day, 12, 59)) == date(2026, 11, 25)
    assert latest_completed_session(_et(day, 13, 1)) == day


def test_on_a_holiday_and_weekend_the_latest_session_is_the_one_before():
    assert latest_completed_session(_et(date(2026, 11, 26), 18)) == date(2026, 11, 25)
    assert latest_completed_session(_et(date(2026, 11, 29), 10)) == date(2026, 11, 27)
