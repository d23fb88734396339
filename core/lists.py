"""One mechanism for every staff list: search, whitelisted sort, filters, totals, pagination
that keeps them, and a CSV export of exactly what is filtered (cells neutralised).

A list is declared once (ListSpec: its columns, search fields, filters, totals); a view calls
list_read(request, spec, queryset) and either renders the state or returns list_csv(...).
Queries are fixed per list: the count, the totals (one aggregate), the page's rows (the caller
selects related rows), plus whatever option lists the caller reads for its filters."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils import timezone

from core.safe_csv import safe_cell

SEARCH_MAX = 100
IDS_MAX = 500


@dataclass(frozen=True)
class Column:
    """A column: its header, the ORM field it sorts by (None: not sortable) and its CSV cell."""

    key: str
    label: str
    sort: str | None = None
    cell: Callable | None = None  # row -> value for the CSV (None: not exported)
    num: bool = False


@dataclass(frozen=True)
class Filter:
    """A query parameter narrowing the list.

    kind: "choice" (one or more of `choices`, repeated parameter), "id" (a row id from the
    options the view passes), "date_from" / "date_to" (ISO date, on or after / on or before),
    "flag" (checkbox; `field` is a Q applied when it is set). A choice's `field` may be a dict
    value -> Q for choices that are not one column's values (size tiers)."""

    param: str
    label: str
    field: str | Q | dict
    kind: str = "choice"
    choices: tuple = ()


@dataclass(frozen=True)
class ListSpec:
    name: str  # the file name of the export
    columns: tuple[Column, ...]
    search: tuple[str, ...] = ()  # ORM fields matched with icontains
    search_label: str = "Account number or client"
    filters: tuple[Filter, ...] = ()
    default_sort: str = "-pk"
    totals: dict = field(default_factory=dict)  # name -> aggregate expression
    page_size: int = 50
    defaults: dict = field(default_factory=dict)  # filter param -> value when the URL has none

    def sort_fields(self) -> dict[str, str]:
        return {c.key: c.sort for c in self.columns if c.sort}


@dataclass
class ListState:
    spec: ListSpec
    queryset: QuerySet
    chosen: dict  # param -> str or list[str], as understood
    q: str
    sort: str  # a column key with an optional leading "-"
    totals: dict
    page: object = None
    options: dict = field(default_factory=dict)  # filter param -> [(value, label)]
    errors: list = field(default_factory=list)

    def params(self, **override) -> list[tuple[str, str]]:
        """The list's query parameters (without the page), for links that keep them."""
        pairs = [("q", self.q)] if self.q else []
        for param, value in self.chosen.items():
            for v in value if isinstance(value, list) else [value]:
                pairs.append((param, v))
        if self.sort != self.spec.default_sort:
            pairs.append(("sort", self.sort))
        for key, value in override.items():
            pairs = [(k, v) for k, v in pairs if k != key] + ([(key, value)] if value else [])
        return pairs

    @property
    def querystring(self) -> str:
        return urlencode(self.params())

    @property
    def export_querystring(self) -> str:
        return urlencode([*self.params(), ("export", "csv")])

    def headers(self) -> list[dict]:
        """Each column's header: its label, its sort link and the direction it is sorted in."""
        key, desc = self.sort.lstrip("-"), self.sort.startswith("-")
        out = []
        for c in self.spec.columns:
            head = {"label": c.label, "num": c.num, "key": c.key, "href": None, "aria": "none"}
            if c.sort:
                active = c.key == key
                head["aria"] = ("descending" if desc else "ascending") if active else "none"
                flipped = c.key if active and desc else f"-{c.key}" if active else c.key
                head["href"] = "?" + urlencode(self.params(sort=flipped))
            out.append(head)
        return out

    def filter_fields(self) -> list[dict]:
        """The filters as the toolbar shows them: kind, label, chosen value(s), options."""
        rows = []
        for f in self.spec.filters:
            chosen = self.chosen.get(f.param, [] if f.kind == "choice" else "")
            options = self.options.get(f.param, f.choices)
            rows.append(
                {
                    "param": f.param,
                    "label": f.label,
                    "kind": f.kind,
                    "chosen": chosen,
                    "options": [(str(v), lbl) for v, lbl in options],
                }
            )
        return rows


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _apply_filter(qs, f: Filter, params, chosen: dict, errors: list, options: dict):
    if f.kind == "choice":
        allowed = {str(v) for v, _ in options.get(f.param, f.choices)}
        values = [v for v in params.getlist(f.param) if v]
        bad = [v for v in values if v not in allowed]
        if bad:
            errors.append(f"{f.label}: “{bad[0]}” is not one of the choices; it was ignored.")
        values = [v for v in values if v in allowed]
        if not values:
            return qs
        chosen[f.param] = values
        if isinstance(f.field, dict):  # value -> Q (ranges such as size tiers)
            match = Q()
            for v in values:
                q = f.field[v]
                match |= q() if callable(q) else q  # a callable builds a subquery per request
            return qs.filter(match)
        return qs.filter(**{f"{f.field}__in": values})
    value = params.get(f.param, "").strip()
    if not value:
        return qs
    if f.kind == "flag":
        chosen[f.param] = "1"
        return qs.filter(f.field) if isinstance(f.field, Q) else qs.filter(**{f.field: True})
    if f.kind == "id":
        if not value.isdigit():
            errors.append(f"{f.label}: “{value}” is not a valid choice; it was ignored.")
            return qs
        chosen[f.param] = value
        return qs.filter(**{f.field: int(value)})
    day = _iso_date(value)
    if day is None:
        errors.append(f"{f.label}: “{value}” is not a date (YYYY-MM-DD); it was ignored.")
        return qs
    chosen[f.param] = value
    lookup = "gte" if f.kind == "date_from" else "lte"
    return qs.filter(**{f"{f.field}__{lookup}": day})


def list_read(request, spec: ListSpec, queryset: QuerySet, options: dict | None = None):
    """The list as the request asks for it: filtered, searched, sorted, totalled, paginated.
    `options`: filter param -> [(value, label)] for filters whose choices are rows (advisors,
    models). The page is read only when the request is not an export."""
    options = options or {}
    chosen, errors = {}, []
    params = request.GET.copy()
    for param, value in spec.defaults.items():
        if param not in params:
            params.setlist(param, [value])
    qs = queryset
    for f in spec.filters:
        qs = _apply_filter(qs, f, params, chosen, errors, options)
    q = request.GET.get("q", "").strip()[:SEARCH_MAX]
    if q and spec.search:
        match = Q()
        for name in spec.search:
            match |= Q(**{f"{name}__icontains": q})
        qs = qs.filter(match)
    sort = request.GET.get("sort", "") or spec.default_sort
    fields = spec.sort_fields()
    if sort.lstrip("-") not in fields and sort != spec.default_sort:
        errors.append(f"Sort: “{sort}” is not a column of this list; the default order is used.")
        sort = spec.default_sort
    key = sort.lstrip("-")
    order = fields.get(key, key)
    order = f"-{order}" if sort.startswith("-") else order
    qs = qs.order_by(order, "-pk" if sort.startswith("-") else "pk")
    totals = qs.order_by().aggregate(**spec.totals) if spec.totals else {}
    state = ListState(spec, qs, chosen, q, sort, totals, options=options, errors=errors)
    if request.GET.get("export") != "csv":
        state.page = Paginator(qs, spec.page_size).get_page(request.GET.get("page"))
    return state


def list_csv(state: ListState) -> HttpResponse:
    """Every filtered row (not just the page) as CSV, in the list's order; text cells that a
    spreadsheet would run as a formula start with an apostrophe (core.safe_csv).
    Written inside the view (the firm's scope and RLS setting end with the request), read in
    chunks of 2,000 rows."""
    columns = [c for c in state.spec.columns if c.cell]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.label for c in columns])
    for row in state.queryset.iterator(chunk_size=2000):
        writer.writerow([safe_cell(c.cell(row)) for c in columns])
    stamp = timezone.localdate().isoformat()
    response = HttpResponse(buf.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{state.spec.name}-{stamp}.csv"'
    return response


def wants_csv(request) -> bool:
    return request.GET.get("export") == "csv"


def selected_ids(request) -> list[int]:
    """The row ids a bulk form posted (digits only, at most IDS_MAX, in order, no repeats)."""
    seen: dict[int, None] = {}
    for raw in request.POST.getlist("ids")[:IDS_MAX]:
        if raw.isdigit():
            seen.setdefault(int(raw), None)
    return list(seen)
