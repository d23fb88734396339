"""`{% load book %}`: asset class labels and money filters for the book's pages."""

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from core.formatting import usd as display_usd
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
