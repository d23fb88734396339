"""core.pgcopy: what a COPY insert writes is what the frame held (Decimals exact, NULL apart
from '', text escaped), ids come back, and a frame read returns the same rows."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from django.db import connection

from core.pgcopy import frame_from_sql, insert_frame, insert_text, text_field, text_int

pytestmark = pytest.mark.django_db

WEIRD = "tab\there, new\nline, back\\slash, cr\r, quote \" and 'single'"


@pytest.fixture
def table():
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE core_copy_probe (id bigserial PRIMARY KEY, name text, "
            "note text NOT NULL, amount numeric(20,8), flag boolean, day date, n bigint)"
        )
    yield "core_copy_probe"
    with connection.cursor() as cur:
        cur.execute("DROP TABLE core_copy_probe")


def _rows():
    with connection.cursor() as cur:
        cur.execute("SELECT name, note, amount, flag, day, n FROM core_copy_probe ORDER BY id")
        return cur.fetchall()


def test_a_frame_goes_in_exactly_and_returns_its_ids(table):
    frame = pd.DataFrame(
        {
            "name": [WEIRD, "", None],
            "note": ["a", "", None],
            "amount": [Decimal("12345678901.12345678"), Decimal("-0.00000001"), None],
            "flag": [True, False, None],
            "day": [date(2026, 11, 24), "2026-11-25", None],
            "n": pd.array([1, None, 3], dtype="Int64"),  # a nullable integer column
        }
    )
    ids = insert_frame(table, frame, blank={"note"}, returning="id")
    assert len(ids) == 3 and len({i for (i,) in ids}) == 3
    assert _rows() == [
        (WEIRD, "a", Decimal("12345678901.12345678"), True, date(2026, 11, 24), 1),
        ("", "", Decimal("-0.00000001"), False, date(2026, 11, 25), None),
        (None, "", None, None, None, 3),  # blank: a NULL note is written as ''
    ]


def test_text_fields_with_constants_and_conflict(table):
    insert_text(
        table,
        {"name": text_field([WEIRD, None]).tolist(), "n": text_int([7, None])},
        constants={"note": "%(note)s"},
        params={"note": "set by SQL"},
        conflict="ON CONFLICT DO NOTHING",
    )
    assert [(r[0], r[1], r[5]) for r in _rows()] == [
        (WEIRD, "set by SQL", 7),
        (None, "set by SQL", None),
    ]


def test_an_empty_frame_writes_nothing(table):
    assert insert_frame(table, pd.DataFrame({"note": []}), returning="id") == []
    assert _rows() == []


def test_a_frame_read_returns_the_rows_and_reads_booleans_as_booleans(table):
    insert_frame(
        table, pd.DataFrame({"name": ["x", None], "note": ["", ""], "flag": [True, False]})
    )
    frame = frame_from_sql(
        "SELECT name, flag FROM core_copy_probe WHERE note = %s ORDER BY id", [""]
    )
    assert frame["name"].tolist()[0] == "x" and pd.isna(frame["name"].tolist()[1])
    assert frame["flag"].tolist() == [True, False]
