"""Hot read queries whose SQL is compiled once per process, not on every request.

Building and compiling a queryset costs far more CPU than running it: the portal's approval
lookup (4 tables joined, select_related) took ~3 ms of Python to compile and 0.3 ms to run
(issue 10, item 12). `Precompiled(build)` builds `build(*args)` once with sentinel values for
the arguments and for the firm scope, keeps the SQL and where each sentinel landed in its
parameters, and from then on executes that SQL with the call's values, turning the rows into
model instances exactly as Django's ModelIterable does (select_related objects included).

Tenancy is unchanged: the firm filter django-scopes adds is compiled in with a sentinel and
filled with the current scope's firm on every call (a call outside one firm's scope runs the
ordinary queryset, which refuses or filters as django-scopes decides), and RLS applies to the
statement as to any other.

Only for shapes whose SQL depends on nothing but the arguments and the scope: integer
arguments used as values (ids), no `__in` lists, no time or language dependence, model rows
or .values_list() tuples (no .values() dicts). A shape where a sentinel does not appear exactly as a parameter (or with
composite fields) is refused when first compiled: a warning is logged and that shape runs as
the ordinary queryset from then on."""
import logging
import threading

from django.db import connections
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django_scopes import get_scope, scope

log = logging.getLogger(__name__)

_FIRM = -7_000_000_001  # no row has a negative id
_ARGS = tuple(-7_000_000_101 - i for i in range(8))


class Precompiled:
    def __init__(self, build, nargs: int, using: str = "default"):
        self._build, self._nargs, self._using = build, nargs, using
        self._compiled = None
        self._lock = threading.Lock()

    def _compile(self):
        sentinels = _ARGS[:self._nargs]
        with scope(firm=_FIRM):
            qs = self._build(*sentinels)
        compiler = qs.query.get_compiler(using=self._using)
        sql, params = compiler.as_sql()
        slots = []
        for p in params:
            if type(p) is int and p == _FIRM:
                slots.append("firm")
            elif type(p) is int and p in sentinels:
                slots.append(sentinels.index(p))
            else:
                slots.append(None)
        found = set(slots) - {None}
        if found != {"firm", *range(self._nargs)}:
            raise ValueError(f"Precompiled: not every value is a plain parameter of {sql!r}")
        select, klass_info = compiler.select, compiler.klass_info
        columns = [s[0] for s in select[:compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise ValueError("Precompiled: composite fields are not supported")
        converters = list(compiler.get_converters(columns).items())
        if qs._iterable_class is ValuesListIterable:  # .values_list(): tuples of the selected columns
            self._compiled = (sql, params, slots, converters, None, None, 0, compiler.col_count, None, None)
            return
        if qs._iterable_class is not ModelIterable:
            raise ValueError("Precompiled: only model rows or .values_list() tuples")
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self._compiled = (sql, params, slots, converters, klass_info["model"],
                          [f[0].target.attname for f in select[start:end]], start, end,
                          get_related_populators(klass_info, select, self._using), compiler.annotation_col_map)

    def __call__(self, *args) -> list:
        current = get_scope()
        firm = current.get("firm") if current.get("_enabled", True) else None
        firm = getattr(firm, "pk", firm)
        if type(firm) is not int or any(type(a) is not int for a in args):
            return list(self._build(*args))  # not one firm's scope (or odd values): the ordinary queryset
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    try:
                        self._compile()
                    except ValueError as exc:
                        log.warning("%s; running it as the ordinary queryset", exc)
                        self._compiled = False
        if self._compiled is False:
            return list(self._build(*args))
        sql, params, slots, converters, model, init_list, start, end, populators, annotations = self._compiled
        values = [firm if slot == "firm" else p if slot is None else args[slot] for p, slot in zip(params, slots)]
        connection = connections[self._using]
        with connection.cursor() as cur:
            cur.execute(sql, values)
            rows = cur.fetchall()
        out = []
        for row in map(list, rows):
            for pos, (convs, expression) in converters:
                value = row[pos]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[pos] = value
            if model is None:
                out.append(tuple(row[start:end]))
                continue
            obj = model.from_db(self._using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, pos in annotations.items():
                setattr(obj, name, row[pos])
            out.append(obj)
        return out
