"""The all-or-nothing CSV book import (SPEC R-BOOK-2, formats in R-IF-2).

    result = book_import(firm=firm, files={"prices": upload}, actor=membership, source="web")

Files are read with pandas as text, every row is checked (vectorised) against the book and the
rest of the upload, and only when nothing is wrong is it all written, in one transaction.
"""

from .formats import KINDS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from .result import MAX_ERRORS, ImportResult, RowError
from .service import book_import

__all__ = ["KINDS", "MAX_ERRORS", "OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "ImportResult", "RowError", "book_import"]
