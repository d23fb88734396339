from django import template

from portfolios.choices import AssetClass

register = template.Library()
_LABELS = dict(AssetClass.choices)


@register.filter
def asset_class_label(value: str) -> str:
    """`fixed_income` → `Fixed income` (unknown values pass through)."""
    return _LABELS.get(value, value)
