"""Set-up files of later stages: each registers its kind when its app starts (AppConfig.ready),
with the columns, the checks and the writer. The import then reads, checks and writes it with
the book, in ORDER, in the same all-or-nothing transaction."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from .formats import OPTIONAL_COLUMNS, ORDER, REQUIRED_COLUMNS
from .references import References
from .sheet import Sheet
from .validate import VALIDATORS
from .write import WRITERS


@dataclass(frozen=True)
class ImportKind:
    name: str  # the file is <name>.csv and the upload's field is <name>
    order: int  # its place among every kind (formats.ORDER)
    required: tuple[str, ...]
    optional: tuple[str, ...]
    check: Callable[[Sheet, References, date], None]  # logs row errors; may add to References
    write: Callable[[int, pd.DataFrame], int]  # (firm id, checked rows) → rows written


def register_kind(kind: ImportKind) -> None:
    ORDER[kind.name] = kind.order
    REQUIRED_COLUMNS[kind.name] = kind.required
    OPTIONAL_COLUMNS[kind.name] = kind.optional
    VALIDATORS[kind.name] = kind.check
    WRITERS[kind.name] = kind.write
