"""`{% load lists %}`: a dict lookup for the lists' code → label maps."""

from django import template

from core import formatting

register = template.Library()


@register.filter
def label_of(value, labels: dict):
    """`{{ code|label_of:labels }}`: the label of a code ("senior_advisor" → "Senior advisor
    review"); an unknown code passes through, an empty one prints as an em dash."""
    if not value:
        return "—"
    return labels.get(value, value)


@register.filter(is_safe=True)
def money(value):
    """To the cent with thousands separators and the sign before the dollar: `-$1,285.05`."""
    return "—" if value is None else formatting.money(value)
