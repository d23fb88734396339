"""Reading a custodian's positions file: the book import's positions.csv format, read and
checked by the importer's own reader and column checks (errors by file, row and column).

Unlike the import, an account or symbol the book does not know is not an error here: it is
what reconciliation reports (a break)."""

import pandas as pd

from portfolios.importer.readers import read_sheet
from portfolios.importer.references import References
from portfolios.importer.result import ErrorLog
from portfolios.importer.sheet import Digits
from portfolios.importer.validate import account_column, symbol_column
from portfolios.models import Position

KIND = "positions"


def positions_read(source, log: ErrorLog) -> pd.DataFrame | None:
    """account_number, symbol, quantity (Decimal) and line, one row per file row; None (with
    every problem in `log`) when the file cannot be used."""
    sheet = read_sheet(KIND, source, log)
    if sheet is None:
        return None
    # Every account is "known": the accounts the book lacks are breaks, not errors.
    numbers = set(sheet.raw["account_number"].str.strip()) if sheet.has("account_number") else ()
    account_column(sheet, References(accounts=set(numbers)))
    symbol_column(sheet)
    sheet.number("quantity", Digits.of(Position, "quantity"))
    sheet.unique(["account_number", "symbol"], "account_number, symbol")
    if log:
        return None
    frame = sheet.frame()
    return frame.assign(line=frame.index.astype("int64")).reset_index(drop=True)
