"""core.formatting: the exact strings the pages, emails and compliance figures print."""

from datetime import date
from decimal import Decimal

from core.formatting import count, day, fixed, money, percent, price, quantity, usd


def test_usd_puts_the_sign_before_the_dollar_and_keeps_every_digit():
    assert usd(Decimal("1234.5")) == "$1,234.5"
    assert usd(Decimal("-285.05")) == "-$285.05"
    assert usd(None) == "—"


def test_money_rounds_to_the_cent_half_up():
    assert money(Decimal("-285.045")) == "-$285.05"
    assert money(Decimal("1234567.125")) == "$1,234,567.13"
    assert money(Decimal("0")) == "$0.00"


def test_percent_rounds_half_up_to_its_places():
    assert percent(Decimal("12.25")) == "12.3%"
    assert percent(2.5) == "2.5%"
    assert percent(Decimal("7.125"), places=2) == "7.13%"


def test_fixed_rounds_the_floats_shortest_repr_half_even():
    assert fixed(0.1 + 0.2) == "0.30"  # 0.30000000000000004, not a binary artefact
    assert fixed(2.675) == "2.68"  # f"{2.675:.2f}" gives 2.67 (the binary value is below)
    assert fixed(0.125) == "0.12" and fixed(0.135) == "0.14"  # half to even
    assert fixed(1234.5, places=0) == "1234"


def test_quantity_groups_thousands_and_drops_the_stored_zeros():
    assert quantity(Decimal("1613.000000")) == "1,613"
    assert quantity(Decimal("14742.680000")) == "14,742.68"
    assert quantity(Decimal("0.500")) == "0.5" and quantity(Decimal("1E+3")) == "1,000"
    assert quantity(Decimal("-3.0")) == "-3" and quantity(None) == "—"


def test_price_shows_two_to_four_decimals_with_the_sign_before_the_dollar():
    assert price(Decimal("493.636800")) == "$493.6368"
    assert price(Decimal("103.850000")) == "$103.85" and price(Decimal("10")) == "$10.00"
    assert price(Decimal("1234.5")) == "$1,234.50" and price(Decimal("-1.5")) == "-$1.50"
    assert price(Decimal("0.123456")) == "$0.1235" and price(None) == "—"


def test_day_prints_a_date_as_the_pages_do():
    assert day(date(2026, 12, 3)) == "Dec 3, 2026" and day("2027-01-04") == "Jan 4, 2027"


def test_count_says_one_thing_and_many_things():
    assert count(1, "account") == "1 account" and count(0, "account") == "0 accounts"
    assert count(1250, "order") == "1,250 orders"
    assert count(2, "proposal sent back", "proposals sent back") == "2 proposals sent back"
