"""Money as the pages print it."""

from decimal import Decimal

from django.template import Context, Template

from core.formatting import usd
from portfolios.calc.display import grouped


def test_usd_puts_the_sign_before_the_dollar_and_groups_thousands():
    assert usd(Decimal("-285.05")) == "-$285.05"
    assert usd(Decimal("1234567.5")) == "$1,234,567.5"
    assert usd(Decimal("0.00")) == "$0.00"
    assert usd(None) == "—"
    assert grouped(Decimal("-1234.50")) == "-1,234.50"


def test_the_usd_filter_takes_decimals_and_their_text():
    out = Template("{% load book %}{{ a|usd }} {{ b|usd }}").render(
        Context({"a": Decimal("-1000.10"), "b": "42.00"})
    )
    assert out == "-$1,000.10 $42.00"


def test_usd_abs_drops_the_sign_for_text_that_names_the_loss():
    out = Template(
        "{% load book %}losses of {{ a|usd_abs }}; {{ b|usd_abs }}; {{ c|usd_abs }}"
    ).render(Context({"a": Decimal("-1234.5"), "b": "-12.30", "c": None}))
    assert out == "losses of $1,234.5; $12.30; —"


def test_tax_usd_says_saved_for_a_negative_estimate():
    out = Template("{% load book %}{{ a|tax_usd }}; {{ b|tax_usd }}").render(
        Context({"a": Decimal("-1513.64"), "b": Decimal("1200.00")})
    )
    assert out == "$1,513.64 saved; $1,200.00"
