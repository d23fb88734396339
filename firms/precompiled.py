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

Outside a transaction (a request's autocommit), the statement is also PREPAREd once per database
connection and then EXECUTEd: PostgreSQL plans it once per connection instead of on every
request (planning was 0.5-2.6 ms of the portal's statements, running them 0.1-0.6 ms). Inside
an atomic block it is sent as plain SQL (a failed PREPARE there would abort the transaction).

Only for shapes whose SQL depends on nothing but the arguments and the scope: integer
arguments used as values (ids), no `__in` lists, no time or language dependence, model rows
or .values_list() tuples (no .values() dicts). A shape where a sentinel does not appear exactly as a parameter (or with
composite fields) is refused when first compiled: a warning is logged and that shape runs as
the ordinary queryset from then on."""

import itertools
import logging
import re
import threading

from django.conf import settings
from django.db import DatabaseError, ProgrammingError, connections
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django_scopes import get_scope, scope

log = logging.getLogger(__name__)

_FIRM = -7_000_000_001  # no row has a negative id
_ARGS = tuple(-7_000_000_101 - i for i in range(8))
_NAMES = itertools.count(1)
_PLACEHOLDER = re.compile(r"%[%s]")


def _numbered(sql: str) -> str:
    """Django's `%s` placeholders as PREPARE's `$1, $2, …` (`%%` left for psycopg2 to unescape)."""
    n = itertools.count(1)
    return _PLACEHOLDER.sub(lambda m: "%%" if m.group(0) == "%%" else f"${next(n)}", sql)


class Precompiled:
    def __init__(self, build, nargs: int, using: str = "default"):
        self._build, self._nargs, self._using = build, nargs, using
        self._compiled = None
        self._lock = threading.Lock()
        self._statement = None

    def _compile(self):
        sentinels = _ARGS[: self._nargs]
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
        columns = [s[0] for s in select[: compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise ValueError("Precompiled: composite fields are not supported")
        converters = list(compiler.get_converters(columns).items())
        if (
            qs._iterable_class is ValuesListIterable
        ):  # .values_list(): tuples of the selected columns
            self._compiled = (
                sql,
                params,
                slots,
                converters,
                None,
                None,
                0,
                compiler.col_count,
                None,
                None,
            )
            return
        if qs._iterable_class is not ModelIterable:
            raise ValueError("Precompiled: only model rows or .values_list() tuples")
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self._compiled = (
            sql,
            params,
            slots,
            converters,
            klass_info["model"],
            [f[0].target.attname for f in select[start:end]],
            start,
            end,
            get_related_populators(klass_info, select, self._using),
            compiler.annotation_col_map,
        )

    def __call__(self, *args) -> list:
        current = get_scope()
        firm = current.get("firm") if current.get("_enabled", True) else None
        firm = getattr(firm, "pk", firm)
        if type(firm) is not int or any(type(a) is not int for a in args):
            return list(
                self._build(*args)
            )  # not one firm's scope (or odd values): the ordinary queryset
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
        sql, params, slots, converters, model, init_list, start, end, populators, annotations = (
            self._compiled
        )
        values = [
            firm if slot == "firm" else p if slot is None else args[slot]
            for p, slot in zip(params, slots)
        ]
        connection = connections[self._using]
        if self._statement is None:
            self._statement = PreparedStatements(sql)
        rows = self._statement.fetchall(connection, values)
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


class PreparedStatements:
    """Fixed SQL (one or more statements separated by `;`, no `;` inside a literal; Django's
    positional `%s` placeholders), sent
    as PREPARE once per database connection and as EXECUTE afterwards — outside atomic blocks;
    inside one, or once a PREPARE was refused, as plain SQL. `fetchall` returns the last
    statement's rows, as psycopg2 does for several statements in one query."""

    def __init__(self, sql: str):
        self.sql = sql
        self._parts = []
        for part in (p.strip() for p in sql.split(";")):
            if part:
                self._parts.append(
                    (
                        f"rb_prepared_{next(_NAMES)}",
                        _numbered(part),
                        part.count("%s") - part.count("%%s"),
                    )
                )
        # Off behind a pooler in transaction mode (pgbouncer), where a session's statements
        # do not follow the client from one transaction to the next.
        self._prepare = settings.DATABASE_PREPARED_STATEMENTS

    def fetchall(self, connection, values: list) -> list:
        if not self._prepare or connection.in_atomic_block:
            with connection.cursor() as cur:
                cur.execute(self.sql, values)
                return cur.fetchall()
        with (
            connection.cursor() as cur
        ):  # opens, or health-checks and reopens, the connection first
            prepared = getattr(connection, "_rb_prepared", None)
            if (
                prepared is None or prepared[0] is not connection.connection
            ):  # a new database connection
                prepared = connection._rb_prepared = (connection.connection, set())
            executes = [
                f"EXECUTE {name}" + (f" ({', '.join(['%s'] * n)})" if n else "")
                for name, _, n in self._parts
            ]
            prepares = [
                f"PREPARE {name} AS {text}"
                for name, text, _ in self._parts
                if name not in prepared[1]
            ]
            try:
                cur.execute("; ".join(prepares + executes), values)
            except DatabaseError as exc:
                if getattr(exc.__cause__, "pgcode", None) == "26000" and not prepares:
                    prepared[
                        1
                    ].clear()  # "prepared statement does not exist": the session lost them, send them again
                    return self.fetchall(connection, values)
                if not prepares or not isinstance(exc, ProgrammingError):
                    raise  # the statement itself failed, or the connection did: as without PREPARE
                log.warning(
                    "PREPARE refused (%s); sending %r as plain SQL from now on", exc, self.sql[:80]
                )
                self._prepare = False  # autocommit: only this query failed
                cur.execute(self.sql, values)
                return cur.fetchall()
            prepared[1].update(name for name, _, _ in self._parts)
            return cur.fetchall()
