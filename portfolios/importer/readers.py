"""Reading an uploaded CSV into a frame of text, with each row's line number in the file."""

import io
import re
from pathlib import Path

import pandas as pd
from django.conf import settings

from .formats import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, file_name
from .result import ErrorLog
from .sheet import Sheet

HEADER_LINE = 1


def read_bytes(source) -> bytes:
    """An UploadedFile (or any file object), raw bytes, or a filesystem path."""
    if isinstance(source, bytes):
        return source
    if hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        return source.read()
    return Path(source).read_bytes()


def _over_limits(name: str, source, log: ErrorLog) -> bool:
    """An upload (a file with a size: the page and the API) above IMPORT_MAX_FILE_BYTES is
    refused before it is read; a path from the command line is the operator's own."""
    size = getattr(source, "size", None)
    limit = settings.IMPORT_MAX_FILE_BYTES
    if size is not None and size > limit:
        log.add(
            name,
            None,
            "",
            f"the file is {size / 1_048_576:,.1f} MB; the limit is {limit / 1_048_576:,.1f} MB "
            f"per file (IMPORT_MAX_FILE_BYTES): split it into smaller imports",
        )
        return True
    return False


def _too_many_rows(name: str, text: str, log: ErrorLog) -> bool:
    limit = settings.IMPORT_MAX_ROWS
    rows = text.count("\n") - 1 + (not text.endswith("\n"))  # lines after the header
    if rows > limit:
        log.add(
            name,
            None,
            "",
            f"the file has {rows:,} rows; the limit is {limit:,} rows per file "
            f"(IMPORT_MAX_ROWS): split it into smaller imports",
        )
        return True
    return False


def read_sheet(kind: str, source, log: ErrorLog) -> Sheet | None:
    """The file as a Sheet, or None (with the reason logged) if it cannot be read as CSV."""
    name = file_name(kind)
    if _over_limits(name, source, log):
        return None
    try:
        text = read_bytes(source).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        log.add(
            name, None, "", f"the file is not UTF-8 text (byte {exc.start + 1} cannot be decoded)"
        )
        return None
    if "\x00" in text:  # valid UTF-8, but PostgreSQL text cannot hold it: refuse the file here
        line = text.count("\n", 0, text.index("\x00")) + 1
        log.add(name, line, "", "the row contains a NUL character (byte 0), which text cannot hold")
        return None
    if getattr(source, "size", None) is not None and _too_many_rows(name, text, log):
        return None
    frame = _parse(name, text, log)
    if frame is None:
        return None
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in frame.columns]
    for column in missing:
        log.add(name, None, column, f'missing column "{column}"')
    known = REQUIRED_COLUMNS[kind] + OPTIONAL_COLUMNS.get(kind, ())
    wanted = [c for c in known if c in frame.columns]
    extra = [c for c in frame.columns if c and c not in known]
    if extra:
        log.ignored[name] = extra
    return Sheet(kind, frame[wanted], log)


def _parse(name: str, text: str, log: ErrorLog) -> pd.DataFrame | None:
    """The rows as text, indexed by line number, under the header's (lower-cased) names.

    The header is read as an ordinary row so that pandas neither turns a surplus first
    field into an index nor silently drops fields: a row longer than the header is an error.
    Blank lines are kept while reading (so index = line - 1 holds) and dropped afterwards.
    """
    if not text.strip():
        log.add(name, None, "", "the file is empty (a header row is required)")
        return None
    try:
        rows = pd.read_csv(
            io.StringIO(text), header=None, dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except pd.errors.ParserError as exc:
        log.add(name, *_describe_parser_error(exc))
        return None
    rows = rows.fillna("")
    rows.index = rows.index + HEADER_LINE
    header = [str(c).strip().lower() for c in rows.iloc[0]]
    frame = rows.iloc[1:].set_axis(header, axis=1)
    for column in sorted({c for c in header if c and header.count(c) > 1}):
        log.add(
            name, HEADER_LINE, column, f'column "{column}" appears more than once in the header'
        )
    frame = frame.loc[:, ~frame.columns.duplicated()]
    blank = frame.apply(lambda column: column.str.strip() == "").all(axis=1)
    return frame[~blank]


def _describe_parser_error(exc: Exception) -> tuple[int | None, str, str]:
    """(row, column, message) for pandas' tokenizer complaint."""
    text = str(exc).strip()
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if fields:
        expected, line, saw = (int(g) for g in fields.groups())
        return line, "", f"the row has {saw} fields but the header has {expected}"
    line = re.search(r"line (\d+)", text)
    first = text.splitlines()[0] if text else type(exc).__name__
    return (int(line.group(1)) if line else None), "", f"the file is not valid CSV: {first}"
