"""Bulk transfer between PostgreSQL and pandas with COPY.

Reads use `COPY (SELECT …) TO STDOUT`, which runs the query under the connection's role, so
row-level security filters it like any SELECT. PostgreSQL refuses `COPY … FROM` into a table
with row-level security, so writes COPY into a temporary table (no RLS: it is private to the
session) and move the rows with one INSERT … SELECT, which RLS checks row by row."""
import io
from collections.abc import Sequence

import pandas as pd
from django.db import connection, transaction


def frame_from_sql(sql: str, params: Sequence | dict | None = None, dtype: dict | None = None,
                   parse_dates: list[str] | None = None) -> pd.DataFrame:
    buf = io.BytesIO()
    with connection.cursor() as cur:
        query = cur.mogrify(sql, params).decode() if params else sql
        cur.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", buf)
    buf.seek(0)
    # Postgres writes booleans as t/f in CSV; read them back as booleans, not as (truthy) text.
    return pd.read_csv(buf, dtype=dtype, parse_dates=parse_dates or False, keep_default_na=True, na_values=[""],
                       true_values=["t"], false_values=["f"])


def _csv(frame: pd.DataFrame) -> io.StringIO:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, header=False, na_rep="")
    buf.seek(0)
    return buf


def copy_to_temp(name: str, like_table: str, frame: pd.DataFrame) -> None:
    """A temporary table `name` with `frame`'s columns typed as in `like_table`, filled by
    COPY. Dropped at commit: call inside transaction.atomic()."""
    assert connection.in_atomic_block, "copy_to_temp needs a transaction (the table drops at commit)"
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        cur.execute(f'CREATE TEMP TABLE "{name}" ON COMMIT DROP AS SELECT {cols} FROM "{like_table}" WITH NO DATA')
        cur.copy_expert(f'COPY "{name}" ({cols}) FROM STDIN WITH (FORMAT csv, NULL \'\')', _csv(frame))


def copy_to_temp_typed(name: str, columns: dict[str, str], frame: pd.DataFrame) -> None:
    """Like copy_to_temp, with explicit SQL types {column: type}."""
    assert connection.in_atomic_block
    ddl = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    cols = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        cur.execute(f'CREATE TEMP TABLE "{name}" ({ddl}) ON COMMIT DROP')
        cur.copy_expert(f'COPY "{name}" ({cols}) FROM STDIN WITH (FORMAT csv, NULL \'\')', _csv(frame[list(columns)]))


def bulk_insert(table: str, frame: pd.DataFrame, *, conflict: str = "", returning: str = "") -> list[tuple]:
    """Insert `frame` into `table` through a temp table; `conflict` e.g. 'ON CONFLICT DO NOTHING'."""
    if frame.empty:
        return []
    with transaction.atomic():
        tmp = f"tmp_{table}"
        copy_to_temp(tmp, table, frame)
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        with connection.cursor() as cur:
            cur.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{tmp}" {conflict} {("RETURNING " + returning) if returning else ""}')
            rows = cur.fetchall() if returning else []
            cur.execute(f'DROP TABLE "{tmp}"')
    return rows
