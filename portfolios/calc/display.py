"""Money as the pages print it: what the template filters print, as plain functions (the site's
locale is en-us, no thousand separator except where `intcomma` asks for one)."""

from decimal import Decimal


def grouped(value: Decimal | None) -> str:
    """What `{{ value|intcomma }}` renders for a Decimal: fixed point, comma every 3 digits."""
    return "None" if value is None else f"{value:,f}"
