"""Cheap building blocks for long page tables (drift list, account list).

A 50-row table rendered from model instances spends most of its time in the template engine:
dotted lookups through related objects, `intcomma`/localisation on every number and a
`{% url %}` per row (issue 10, item 12 load test). The list views therefore hand their
templates plain rows built with these helpers; each helper produces exactly the text the
template filter it replaces produces (the site's locale is en-us, no thousand separator
except where `intcomma` asks for one)."""
from collections.abc import Callable
from decimal import Decimal

from django.urls import reverse

_SENTINEL = 9_876_543_210  # an id no row has: reverse() once, then substitute


def id_url(viewname: str) -> Callable[[int], str]:
    """`reverse(viewname, args=[pk])` for any integer pk, with one reverse() per page."""
    head, tail = reverse(viewname, args=[_SENTINEL]).split(str(_SENTINEL))
    return lambda pk: f"{head}{int(pk)}{tail}"


def plain(value: Decimal | None) -> str:
    """What `{{ value }}` renders for a Decimal: fixed point, no grouping."""
    return "None" if value is None else f"{value:f}"


def grouped(value: Decimal | None) -> str:
    """What `{{ value|intcomma }}` renders for a Decimal: fixed point, comma every 3 digits."""
    return "None" if value is None else f"{value:,f}"
