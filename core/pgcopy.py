"""Bulk transfer between PostgreSQL and pandas with COPY: the project's one way to read a query
into a DataFrame and to write many rows at once.

Reads use `COPY (SELECT …) TO STDOUT`, which runs the query under the connection's role, so
row-level security filters it like any SELECT. PostgreSQL refuses `COPY … FROM` into a table
with row-level security, so writes COPY into a temporary table (no RLS: it is private to the
session) and move the rows with one INSERT … SELECT, which RLS checks row by row.

Writes use COPY's text format: every field escaped (text_field), NULL written as \\N, so an
empty string stays an empty string and no CSV quoting is needed. The server parses one chunk
while Python formats the next. Values are written as str() gives them: Decimals exactly,
dates and timestamps in ISO form, booleans as True/False (PostgreSQL reads all of these).
"""

import io
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

NULL = "\\N"
# Rows per statement of insert_model_rows, as the importer has always batched its upserts.
MODEL_BATCH = 20_000


def frame_from_sql(
    sql: str,
    params: Sequence | dict | None = None,
    dtype: dict | None = None,
    parse_dates: list[str] | None = None,
) -> pd.DataFrame:
    """The rows of `sql` as a DataFrame (read through COPY … TO STDOUT in CSV)."""
    buf = io.BytesIO()
    # COPY takes no bound parameters: they are merged into the text on the client.
    query = connection.ops.compose_sql(sql, params) if params else sql
    with connection.cursor() as cur:
        with cur.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy:
            for data in copy:
                buf.write(data)
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


# --- formatting fields for COPY's text format -------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text_field(values) -> np.ndarray:
    """Text values escaped for COPY's text format (object array; NULL/NaN -> \\N). Each
    distinct value is escaped once."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    escaped = np.array([str(u).translate(_ESCAPES) for u in uniques] + [NULL], dtype=object)
    return escaped[codes]


def text_fixed(values, places: int) -> list[str]:
    """Numbers formatted with `places` decimals (Python's rounding of the float, as
    f"{x:.2f}"); NaN -> \\N."""
    spec = f"{{:.{places}f}}".format
    return [spec(v) if v == v else NULL for v in np.asarray(values, dtype=float).tolist()]


def text_int(values) -> list[str]:
    """Integers; NaN/None -> \\N."""
    arr = pd.array(values, dtype="Int64")
    return [NULL if v is pd.NA else str(v) for v in arr.tolist()]


def _missing(value) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and value != value)
    )


def text_values(values) -> list[str]:
    """Any values as str() writes them, escaped; None/NaN/NA/NaT -> \\N. Decimals keep every
    digit (no float on the way)."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iu":
        # plain numpy integers hold no NULL: format them at once (Int64 with NA takes the loop)
        return series.to_numpy().astype(str).tolist()
    return [NULL if _missing(v) else str(v).translate(_ESCAPES) for v in series.tolist()]


def frame_fields(frame: pd.DataFrame) -> dict[str, list[str]]:
    """{column: text fields} of a frame, for insert_text and copy_frame_to_temp."""
    return {str(c): text_values(frame[c]) for c in frame.columns}


def text_lines(columns: Sequence[Sequence[str]], rows_per_chunk: int = 20_000) -> Iterable[str]:
    """Chunks of tab-separated lines from equally long columns of already formatted fields."""
    n = len(columns[0]) if columns else 0
    for start in range(0, n, rows_per_chunk):
        parts = [c[start : start + rows_per_chunk] for c in columns]
        yield "".join("\t".join(row) + "\n" for row in zip(*parts))


# --- temporary tables filled by COPY -----------------------------------------------------------


def _quoted(columns: Iterable[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def _copy_in(name: str, columns: Sequence[str], chunks: Iterable[str]) -> None:
    with connection.cursor() as cur:
        with cur.copy(f'COPY "{name}" ({_quoted(columns)}) FROM STDIN') as copy:
            for chunk in chunks:
                copy.write(chunk)


def copy_text_to_temp(name: str, columns: dict[str, str], chunks: Iterable[str]) -> None:
    """A temporary table `name` ({column: SQL type}) filled by COPY (text format) from `chunks`
    of tab-separated lines (fields escaped with text_field, NULL as \\N). Dropped at commit."""
    assert connection.in_atomic_block, "a temp table needs a transaction (it drops at commit)"
    ddl = ", ".join(f'"{c}" {t}' for c, t in columns.items())
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        cur.execute(f'CREATE TEMP TABLE "{name}" ({ddl}) ON COMMIT DROP')
    _copy_in(name, list(columns), chunks)


def copy_text_like(
    name: str, like_table: str, columns: Sequence[str], chunks: Iterable[str]
) -> None:
    """Like copy_text_to_temp, the columns typed as in `like_table`."""
    assert connection.in_atomic_block, "a temp table needs a transaction (it drops at commit)"
    with connection.cursor() as cur:
        cur.execute(f'DROP TABLE IF EXISTS "{name}"')
        cur.execute(
            f'CREATE TEMP TABLE "{name}" ON COMMIT DROP AS '
            f'SELECT {_quoted(columns)} FROM "{like_table}" WITH NO DATA'
        )
    _copy_in(name, columns, chunks)


def copy_frame_to_temp(name: str, columns: dict[str, str], frame: pd.DataFrame) -> None:
    """A temporary table `name` ({column: SQL type}) holding those columns of `frame`."""
    fields = frame_fields(frame[list(columns)])
    copy_text_to_temp(name, columns, text_lines(list(fields.values())))


# --- inserts -----------------------------------------------------------------------------------


def insert_text(
    table: str,
    fields: dict[str, Sequence[str]],
    *,
    constants: dict[str, str] | None = None,
    params: dict | None = None,
    blank: Iterable[str] = (),
    conflict: str = "",
    returning: str = "",
) -> list[tuple]:
    """Insert rows given as COPY text fields ({column: formatted values}, see frame_fields and
    the text_* formatters) into `table`: streamed into a temp table typed like it, then one
    INSERT … SELECT (RLS checks it row by row). Returns the `returning` columns of each row.

    `constants`: {column: SQL expression} set on every row, with `params` for its placeholders.
    `blank`: text columns whose NULLs are written as '' (NOT NULL text the caller leaves unset).
    `conflict`: e.g. 'ON CONFLICT DO NOTHING'."""
    columns = list(fields)
    if not columns or not len(fields[columns[0]]):
        return []
    constants = constants or {}
    blank = set(blank)
    tmp = f"tmp_{table}"
    with transaction.atomic():
        copy_text_like(tmp, table, columns, text_lines([fields[c] for c in columns]))
        target = _quoted([*columns, *constants])
        source = ", ".join(
            [
                *(f"COALESCE(\"{c}\", '')" if c in blank else f'"{c}"' for c in columns),
                *constants.values(),
            ]
        )
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO "{table}" ({target}) SELECT {source} FROM "{tmp}" {conflict} '
                f"{('RETURNING ' + returning) if returning else ''}",
                params,
            )
            rows = cur.fetchall() if returning else []
            cur.execute(f'DROP TABLE "{tmp}"')
    return rows


def insert_frame(table: str, frame: pd.DataFrame, **options) -> list[tuple]:
    """insert_text with the fields of `frame` (its columns named after the table's)."""
    return insert_text(table, frame_fields(frame), **options)


def insert_model_rows(
    model,
    firm_id: int,
    rows: pd.DataFrame,
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
) -> int:
    """Insert `rows` (columns named after `model`'s fields) into the firm's table.

    With `conflict` (fields of a unique constraint, after firm) an existing row is updated
    on `update`, or left alone when `update` is empty. Returns the number of rows given.
    Fields the frame lacks get their model default, as a new row would from the ORM.
    """
    rows = _with_defaults(model, rows)
    frame = rows.rename(columns={n: model._meta.get_field(n).column for n in rows.columns})
    on_conflict = _on_conflict(model, conflict, update)
    for start in range(0, len(frame), MODEL_BATCH):
        insert_frame(
            model._meta.db_table,
            frame.iloc[start : start + MODEL_BATCH],
            constants={"firm_id": "%(firm)s"},
            params={"firm": firm_id},
            conflict=on_conflict,
        )
    return len(rows)


def _with_defaults(model, rows: pd.DataFrame) -> pd.DataFrame:
    missing = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name != "firm" and field.name not in rows.columns
    ]
    return rows.assign(**{field.name: _default(field) for field in missing})


def _default(field):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


def _columns(model, names: Sequence[str]) -> str:
    return _quoted(model._meta.get_field(name).column for name in names)


def _on_conflict(model, conflict: Sequence[str], update: Sequence[str]) -> str:
    if not conflict:
        return ""
    target = f'("firm_id", {_columns(model, conflict)})'
    if not update:
        return f"ON CONFLICT {target} DO NOTHING"
    columns = [model._meta.get_field(name).column for name in update]
    return f"ON CONFLICT {target} DO UPDATE SET " + ", ".join(
        f'"{c}" = EXCLUDED."{c}"' for c in columns
    )
