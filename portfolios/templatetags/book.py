"""`{% load book %}`: asset class labels and the money, price and quantity filters of every page
(the one shared set; core.formatting holds the rules)."""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from core import formatting
from core.formatting import usd as display_usd
from core.templatetags import lists
from portfolios.calc.display import grouped as display_grouped
from portfolios.choices import AssetClass

register = template.Library()
_LABELS = dict(AssetClass.choices)


@register.filter
def asset_class_label(value: str) -> str:
    """`fixed_income` → `Fixed income` (unknown values pass through)."""
    return _LABELS.get(value, value)


@register.filter(is_safe=True)
def grouped(value):
    """`{{ value|intcomma }}` for the money columns of long tables: a Decimal is formatted by
    portfolios.calc.display.grouped (the same text, ~10x cheaper than humanize's localised
    intcomma); anything else goes to intcomma itself."""
    if isinstance(value, Decimal):
        return display_grouped(value)
    return intcomma(value)


def _decimal(value):
    return Decimal(str(value)) if value is not None and not isinstance(value, Decimal) else value


@register.filter(is_safe=True)
def usd(value):
    """A gain or loss with its sign before the dollar: `-$285.05`."""
    return display_usd(_decimal(value))


@register.filter(is_safe=True)
def usd_abs(value):
    """The amount without its sign, for text that already says what it is ("losses of $285.05")."""
    value = _decimal(value)
    return display_usd(None if value is None else abs(value))


@register.filter(is_safe=True)
def tax_usd(value):
    """An estimated tax: `$1,200.00`, or `$1,513.64 saved` when negative (losses harvested)."""
    value = _decimal(value)
    return f"{display_usd(-value)} saved" if value is not None and value < 0 else display_usd(value)


@register.filter(is_safe=True)
def quantity(value):
    """A share quantity: `1,613` (not `1613.000000`), `0.5`."""
    return formatting.quantity(value)


@register.filter(is_safe=True)
def price(value):
    """A per-share price: `$493.64`, `$33.0399` (two to four decimals)."""
    return formatting.price(value)


@register.filter(is_safe=True)
def day(value):
    """A date or an ISO date string as the pages print it: `Dec 3, 2026`."""
    return "—" if not value else formatting.day(value)


# To the cent, sign before the dollar (`-$257.19`, `$20,158.50`): the list pages' `money`, here too
# so a page loading only `book` has every money filter.
register.filter("money", lists.money, is_safe=True)
