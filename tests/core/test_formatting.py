"""core.formatting: the exact strings the pages, emails and compliance figures print."""

from decimal import Decimal

from core.formatting import fixed, money, percent, usd


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
