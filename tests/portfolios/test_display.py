"""Money as the pages print it."""
from decimal import Decimal

from django.template import Context, Template

from portfolios.display import grouped, usd


def test_usd_puts_the_sign_before_the_dollar_and_groups_thousands():
    assert usd(Decimal("-285.05")) == "-$285.05"
    assert usd(Decimal("1234567.5")) == "$1,234,567.5"
    assert usd(Decimal("0.00")) == "$0.00"
    assert usd(None) == "—"
    assert grouped(Decimal("-1234.50")) == "-1,234.50"


def test_the_usd_filter_takes_decimals_and_their_text():
    out = Template("{% load book %}{{ a|usd }} {{ b|usd }}").render(Context({"a": Decimal("-1000.10"), "b": "42.00"}))
    assert out == "-$1,000.10 $42.00"
