"""Bulk transfer between PostgreSQL and pandas with COPY.

Reads use `COPY (SELECT …) TO STDOUT`, which runs the query under the connection's role, so
row-level security filters it like any SELECT. PostgreSQL refuses `COPY … FROM` into a table
with row-level security, so writes COPY into a temporary table (no RLS: it is private to the
session) and move the rows with one INSERT … SELECT, which RLS checks row by row.

For big writes, `copy_text_to_temp` streams COPY's text format from an iterator of chunks: the
server parses one chunk while Python formats the next, and no CSV quoting is needed."""

import io
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from django.db import connection, transaction


def frame_from_sql(
    sql: str,
    params: Sequence | dict | None = None,
    dtype: dict | None = None,
    parse_dates: list[str] | None = None,
) -> pd.DataFrame:
    buf = io.BytesIO()
    with connection.cursor() as cur:
        query = cur.mogrify(sql, params).decode() if params else sql
        cur.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", buf)
    buf.seek(0)
    # Postgres writes booleans as t/f in CSV; read them back as booleans, not as (truthy) text.
    return pd.read_csv(
        buf,
        dtype=dtype,
        parse_dates=parse_dates or False,
        keep_default_na=True,
        na_values=[""],
        true_values=["t"],
        false_values=["f"],
    )


def _csv(frame: pd.DataFrame) -> io.StringIO:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, header=False, na_rep="")
    buf.seek(0)
    return buf


def copy_to_temp(name: str, like_table: str, frame: pd.DataFrame) -> None:
    """A temporary table `name` with `frame`'s columns typed as in `like_table`, filled by
    COPY. Dropped at commit: call inside transaction.atomic()."""
    assert connection.in_atomic_block, (
        "copy_to_temp needs a transaction (the table drops at commit)"
    )
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        cur.execute(
            f'CREATE TEMP TABLE "{name}" ON COMMIT DROP AS SELECT {cols} FROM "{like_table}" WITH NO DATA'
        )
        cur.copy_expert(
            f"COPY \"{name}\" ({cols}) FROM STDIN WITH (FORMAT csv, NULL '')", _csv(frame)
        )


def copy_to_temp_typed(name: str, columns: dict[str, str], frame: pd.DataFrame) -> None:
    """Like copy_to_temp, with explicit SQL types {column: type}."""
    assert connection.in_atomic_block
    ddl = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    cols = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        cur.execute(f'CREATE TEMP TABLE "{name}" ({ddl}) ON COMMIT DROP')
        cur.copy_expert(
            f"COPY \"{name}\" ({cols}) FROM STDIN WITH (FORMAT csv, NULL '')",
            _csv(frame[list(columns)]),
        )


def bulk_insert(
    table: str, frame: pd.DataFrame, *, conflict: str = "", returning: str = ""
) -> list[tuple]:
    """Insert `frame` into `table` through a temp table; `conflict` e.g. 'ON CONFLICT DO NOTHING'."""
    if frame.empty:
        return []
    with transaction.atomic():
        tmp = f"tmp_{table}"
        copy_to_temp(tmp, table, frame)
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM "{tmp}" {conflict} {("RETURNING " + returning) if returning else ""}'
            )
            rows = cur.fetchall() if returning else []
            cur.execute(f'DROP TABLE "{tmp}"')
    return rows


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text_field(values) -> np.ndarray:
    """Text values escaped for COPY's text format (object array; NULL/NaN -> \\N). Each
    distinct value is escaped once."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    escaped = np.array([str(u).translate(_ESCAPES) for u in uniques] + ["\\N"], dtype=object)
    return escaped[codes]


class _ChunkReader:
    """The file-like object copy_expert reads: each read() returns the next chunk."""

    def __init__(self, chunks: Iterable[str]):
        self._chunks = iter(chunks)

    def read(self, _size: int = -1) -> str:
        return next(self._chunks, "")

    def readline(self, _size: int = -1) -> str:  # pragma: no cover - COPY FROM only calls read
        return self.read()


def copy_text_to_temp(name: str, columns: dict[str, str], chunks: Iterable[str]) -> None:
    """A temporary table `name` ({column: SQL type}) filled by COPY (text format) from `chunks`
    of tab-separated lines (fields escaped with text_field, NULL as \\N). Dropped at commit."""
    assert connection.in_atomic_block, (
        "copy_text_to_temp needs a transaction (the table drops at commit)"
    )
    ddl = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    cols = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        cur.execute(f'CREATE TEMP TABLE "{name}" ({ddl}) ON COMMIT DROP')
        cur.copy_expert(
            f'COPY "{name}" ({cols}) FROM STDIN', _ChunkReader(chunks), 1 << 20
        )  # positional: Django's debug cursor wrapper takes no keywords


def text_lines(columns: Sequence[Sequence[str]], rows_per_chunk: int = 20_000) -> Iterable[str]:
    """Chunks of tab-separated lines from equally long columns of already formatted fields."""
    n = len(columns[0]) if columns else 0
    for start in range(0, n, rows_per_chunk):
        parts = [c[start : start + rows_per_chunk] for c in columns]
        yield "".join("\t".join(row) + "\n" for row in zip(*parts))


def copy_text_like(
    name: str, like_table: str, columns: Sequence[str], chunks: Iterable[str]
) -> None:
    """Like copy_text_to_temp, the columns typed as in `like_table`."""
    assert connection.in_atomic_block, (
        "copy_text_like needs a transaction (the table drops at commit)"
    )
    cols = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        cur.execute(
            f'CREATE TEMP TABLE "{name}" ON COMMIT DROP AS SELECT {cols} FROM "{like_table}" WITH NO DATA'
        )
        cur.copy_expert(
            f'COPY "{name}" ({cols}) FROM STDIN', _ChunkReader(chunks), 1 << 20
        )  # positional: Django's debug cursor wrapper takes no keywords


def insert_text(
    table: str,
    fields: dict[str, Sequence[str]],
    *,
    constants: dict[str, str] | None = None,
    params: dict | None = None,
    conflict: str = "",
    returning: str = "",
) -> list[tuple]:
    """Insert rows given as COPY text fields ({column: formatted values}, see text_field and
    the formatters below) into `table`: streamed into a temp table, then one INSERT … SELECT
    (RLS checks it row by row). `constants`: {column: SQL expression} set on every row, with
    `params` for its placeholders."""
    columns = list(fields)
    if not columns or not len(fields[columns[0]]):
        return []
    constants = constants or {}
    tmp = f"tmp_{table}"
    with transaction.atomic():
        copy_text_like(tmp, table, columns, text_lines([fields[c] for c in columns]))
        target = ", ".join(f'"{c}"' for c in [*columns, *constants])
        source = ", ".join([*(f'"{c}"' for c in columns), *constants.values()])
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO "{table}" ({target}) SELECT {source} FROM "{tmp}" {conflict} '
                f"{('RETURNING ' + returning) if returning else ''}",
                params,
            )
            rows = cur.fetchall() if returning else []
            cur.execute(f'DROP TABLE "{tmp}"')
    return rows


def text_fixed(values, places: int) -> list[str]:
    """Numbers formatted with `places` decimals (Python's rounding of the float, as f"{x:.2f}"); NaN -> \\N."""
    spec = f"{{:.{places}f}}".format
    return [spec(v) if v == v else "\\N" for v in np.asarray(values, dtype=float).tolist()]


def text_int(values) -> list[str]:
    """Integers; NaN/None -> \\N."""
    arr = pd.array(values, dtype="Int64")
    return ["\\N" if v is pd.NA else str(v) for v in arr.tolist()]


def text_bool(values) -> list[str]:
    return np.where(np.asarray(values, dtype=bool), "t", "f").tolist()
