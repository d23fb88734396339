"""Property-based mutations of the good CSV upload (tests/portfolios/data/good).

Each example spoils the good book in one to three places (a cell replaced by junk, a row
dropped, duplicated or cut short, a column dropped, bytes inserted, the file truncated) and
imports it. Properties: a refused import writes nothing (partial writes 0); every error
carries a row number, except the file-level ones (missing column, empty file, not UTF-8).
Each example runs in a savepoint that is rolled back, so every one starts from the same book.
CI: 60 examples; `make reliability` (RELIABILITY=1): 600. Figures go to
test-artifacts/reliability/import_mutations.json.
"""

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firms.services.tenancy import firm_scope
from portfolios.importer import KINDS
from tests.portfolios.import_support import book_counts, good_files, ready_a, run_import  # noqa: F401 (fixtures)

HEAVY = os.environ.get("RELIABILITY") == "1"
EXAMPLES = 600 if HEAVY else 60
FILE_LEVEL = ("missing column", "the file is empty", "is not UTF-8 text")
GOOD = good_files()
JUNK = st.sampled_from(
    [
        "",
        " ",
        "-1",
        "-0.000001",
        "0",
        "NaN",
        "inf",
        "-inf",
        "1e12",
        "1E-3",
        "999999999999999999999",
        "0x10",
        "12,5",
        '"12,5"',
        "=1+2",
        "@SUM(A1)",
        "+cmd|' /C calc'!A0",
        "'; DROP TABLE x;--",
        "\u202eevil",
        "\u00e9\u00e8",
        "2024-02-30",
        "2099-01-01",
        "31/12/2024",
        "yes",
        "maybe",
        "\t",
        '"',
        'a"b',
        "NULL",
        "None",
        "true",
    ]
) | st.text(min_size=0, max_size=12)
STATS: Counter = Counter()


def _rows(text):
    return text.splitlines()


@st.composite
def mutation(draw):
    kind = draw(st.sampled_from(KINDS))
    lines = _rows(GOOD[kind])
    op = draw(
        st.sampled_from(
            [
                "cell",
                "cell",
                "cell",
                "drop_row",
                "dup_row",
                "short_row",
                "long_row",
                "drop_column",
                "insert_bytes",
                "truncate",
                "blank_lines",
                "swap_columns",
            ]
        )
    )
    line = draw(st.integers(min_value=2, max_value=len(lines)))
    header = lines[0].split(",")
    if op == "cell":
        cells = lines[line - 1].split(",")
        col = draw(st.integers(min_value=0, max_value=len(cells) - 1))
        value = draw(JUNK).replace("\n", " ").replace("\r", " ")
        cells[col] = (
            value
            if ("," not in value and '"' not in value)
            else '"' + value.replace('"', '""') + '"'
        )
        lines[line - 1] = ",".join(cells)
    elif op == "drop_row":
        del lines[line - 1]
    elif op == "dup_row":
        lines.insert(line, lines[line - 1])
    elif op == "short_row":
        lines[line - 1] = ",".join(lines[line - 1].split(",")[:-1])
    elif op == "long_row":
        lines[line - 1] += ",extra"
    elif op == "drop_column":
        col = draw(st.integers(min_value=0, max_value=len(header) - 1))
        lines = [",".join(c for i, c in enumerate(row.split(",")) if i != col) for row in lines]
    elif op == "swap_columns":
        i, j = draw(st.integers(0, len(header) - 1)), draw(st.integers(0, len(header) - 1))
        new = []
        for row in lines[1:]:
            cells = row.split(",")
            cells[i], cells[j] = cells[j], cells[i]
            new.append(",".join(cells))
        lines = lines[:1] + new
    elif op == "blank_lines":
        lines.insert(line - 1, "")
    text = "\n".join(lines) + "\n"
    data = text.encode()
    if op == "insert_bytes":
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    elif op == "truncate":
        data = data[: draw(st.integers(min_value=0, max_value=len(data) - 1))]
    return kind, op, data


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=st.lists(mutation(), min_size=1, max_size=3))
def test_a_mutated_upload_writes_all_or_nothing_and_every_error_has_a_row(ready_a, mutations):
    from portfolios.importer import book_import

    files = {k: v.encode() for k, v in GOOD.items()}
    for kind, _op, data in mutations:
        files[kind] = data
    with transaction.atomic():
        with firm_scope(ready_a):
            before = book_counts()
            result = book_import(firm=ready_a, files=files, source="hypothesis")
            after = book_counts()
        STATS["examples"] += 1
        STATS["refused" if not result.ok else "accepted"] += 1
        for _kind, op, _data in mutations:
            STATS[f"op_{op}"] += 1
        if not result.ok:
            STATS["errors"] += result.error_count
            if after != before:
                STATS["partial_writes"] += 1
            rowless = [
                e
                for e in result.errors
                if e.row is None and not any(t in e.message for t in FILE_LEVEL)
            ]
            STATS["errors_without_row"] += len(rowless)
            STATS["file_level_errors"] += sum(1 for e in result.errors if e.row is None) - len(
                rowless
            )
            assert after == before, (mutations, [e.as_dict() for e in result.errors])
            assert not rowless, [e.as_dict() for e in rowless]
        transaction.set_rollback(True)


def test_zz_write_mutation_figures():
    if not STATS:
        pytest.skip("the property test did not run")
    out = Path("test-artifacts/reliability")
    out.mkdir(parents=True, exist_ok=True)
    (out / "import_mutations.json").write_text(json.dumps(dict(STATS), indent=2, sort_keys=True))
    assert STATS["partial_writes"] == 0 and STATS["errors_without_row"] == 0


def test_a_nul_byte_is_a_row_numbered_refusal_not_a_crash(ready_a):
    """Found by the mutations: a NUL (valid UTF-8) reached PostgreSQL and the import crashed."""
    files = dict(GOOD)
    files["prices"] = GOOD["prices"].replace("VXUS", "VX\x00US", 1)
    with firm_scope(ready_a):
        before = book_counts()
    result = run_import(ready_a, files)
    assert not result.ok and [(e.file, e.row) for e in result.errors] == [("prices.csv", 3)]
    with firm_scope(ready_a):
        assert book_counts() == before
