"""The all-or-nothing CSV book import (formats: README.md, "Importing the book").

    result = book_import(firm=firm, files={"prices": upload}, actor=membership, source="web")

Files are read with pandas as text; every row is checked (vectorised) against the book and
the rest of the upload; only when nothing is wrong is it all written, in one transaction.
Modules: formats (the columns), readers (CSV → Sheet), sheet (column checks), references
(what rows may name), validate (the rules per kind), write + sql (the writes), service.
"""

from .formats import KINDS
from .result import MAX_ERRORS, ImportResult, RowError
from .service import book_import

__all__ = ["KINDS", "MAX_ERRORS", "ImportResult", "RowError", "book_import"]
