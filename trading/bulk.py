"""Bulk insert through a temp table (drift.pgcopy), keeping empty strings: COPY reads an empty
CSV field as NULL, so text columns named in `blank` are COALESCEd back to ''."""

import pandas as pd
from django.db import connection, transaction

from drift.pgcopy import copy_to_temp


def insert_frame(
    table: str, frame: pd.DataFrame, *, blank=(), conflict: str = "", returning: str = ""
) -> list[tuple]:
    if frame.empty:
        return []
    cols = list(frame.columns)
    select = ", ".join(f"COALESCE(\"{c}\", '')" if c in blank else f'"{c}"' for c in cols)
    with transaction.atomic():
        copy_to_temp(f"tmp_{table}", table, frame)
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) SELECT {select} '
                f'FROM "tmp_{table}" {conflict} {("RETURNING " + returning) if returning else ""}'
            )
            rows = cur.fetchall() if returning else []
            cur.execute(f'DROP TABLE "tmp_{table}"')
    return rows
