"""The all-or-nothing CSV book import (formats: README.md, "Importing the book").

    result = book_import(firm=firm, files={"prices": upload}, actor=membership, source="web")

Files are read with pandas as text; every row is checked (vectorised) against the book and
the rest of the upload; only when nothing is wrong is it all written, in one transaction.
Modules, in the order an upload meets them: service (book_import, the pipeline), formats (the
columns), readers (CSV → Sheet), sheet (column checks), references (what rows may name),
validate (the rules per kind), advisers (who may change an account's adviser), write (the
writes), result (what the import reports back). A subpackage of its own rather than modules of
services/: one cohesive pipeline with one entry point, book_import.
"""

from .formats import KINDS
from .result import MAX_ERRORS, ImportResult, RowError
from .service import book_import

__all__ = ["KINDS", "MAX_ERRORS", "ImportResult", "RowError", "book_import"]
