"""Order policy, allocation properties and the batch schedule (pure functions)."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.trading.helpers import ny
from trading.calc.allocation import FRACTION, SHARE, allocate, share_fees
from trading.calc.policy import limit_price_for, order_type_for
from trading.calc.schedule import batch_date_due, market_open
from trading.choices import OrderType

STOCK_LIMITS = ["stock", "bond", "alternative"]


def test_a_stock_at_123_45_gets_a_buy_limit_of_124_68_and_a_sell_limit_of_122_22():
    assert limit_price_for("buy", Decimal("123.45")) == Decimal("124.68")
    assert limit_price_for("sell", Decimal("123.45")) == Decimal("122.22")


def test_limits_round_the_safe_way_at_a_firms_own_percentage():
    buy, sell = (
        limit_price_for("buy", Decimal("10.07"), Decimal("2")),
        limit_price_for("sell", Decimal("10.07"), Decimal("2")),
    )
    assert buy <= Decimal("10.07") * Decimal("1.02") and buy == Decimal("10.27")
    assert sell >= Decimal("10.07") * Decimal("0.98") and sell == Decimal("9.87")


def test_etfs_and_mutual_funds_get_market_orders_and_stocks_limits():
    assert order_type_for("etf", STOCK_LIMITS) == OrderType.MARKET
    assert order_type_for("mutual_fund", STOCK_LIMITS) == OrderType.MARKET
    assert order_type_for("stock", STOCK_LIMITS) == OrderType.LIMIT
    assert order_type_for("etf", ["etf"]) == OrderType.LIMIT  # a firm may choose otherwise


def test_no_batch_on_thanksgiving_2026():
    assert batch_date_due(ny(date(2026, 11, 26), 9, 45)) is None
    assert batch_date_due(ny(date(2026, 11, 26), 12, 0)) is None


def test_the_batch_of_friday_2026_11_27_is_due_from_9_45_until_the_early_close():
    day = date(2026, 11, 27)
    assert batch_date_due(ny(day, 9, 44)) is None
    assert batch_date_due(ny(day, 9, 45)) == day
    assert batch_date_due(ny(day, 12, 59)) == day
    assert batch_date_due(ny(day, 13, 0)) is None  # early close at 13:00
    assert market_open(ny(day, 9, 31)) == day and market_open(ny(day, 9, 29)) is None


plans = st.lists(st.integers(min_value=1, max_value=5000), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(plans, st.floats(min_value=0, max_value=1), st.sampled_from([SHARE, FRACTION]))
def test_allocations_sum_to_the_fill_and_stay_within_one_unit_of_pro_rata(units, fraction, unit):
    planned = [Decimal(u) * unit for u in units]
    total = sum(planned)
    filled = (total * Decimal(str(fraction)) / unit).to_integral_value(
        rounding="ROUND_FLOOR"
    ) * unit
    parts = allocate(planned, filled, unit)
    assert sum(parts) == filled
    for q, part in zip(planned, parts):
        assert abs(part - filled * q / total) <= unit
        assert Decimal(0) <= part <= q


@settings(max_examples=200, deadline=None)
@given(plans, st.integers(min_value=0, max_value=100_000))
def test_fees_are_shared_pro_rata_to_the_cent_and_sum_to_the_block_fee(units, cents):
    planned = [Decimal(u) for u in units]
    fee = Decimal(cents) / 100
    shares = share_fees(planned, fee)
    assert sum(shares) == fee
    for q, s in zip(planned, shares):
        assert abs(s - fee * q / sum(planned)) <= Decimal("0.01")
