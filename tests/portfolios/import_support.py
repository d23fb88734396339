"""Shared by the book-import tests: the good upload in data/good, and ways to spoil one line."""

from pathlib import Path

import pytest

from firms.services.tenancy import firm_scope
from portfolios import models as m
from portfolios.importer import KINDS, book_import
from tests.factories import CustodianFactory

GOOD = Path(__file__).parent / "data" / "good"
GOOD_COUNTS = {
    "securities": 4,
    "prices": 5,
    "models": 5,
    "accounts": 3,
    "positions": 6,
    "lots": 6,
    "transactions": 3,
}
BOOK_MODELS = (
    m.Security,
    m.Price,
    m.ModelPortfolio,
    m.ModelTarget,
    m.Client,
    m.Account,
    m.Position,
    m.TaxLot,
    m.Transaction,
)


def good_files() -> dict[str, str]:
    return {kind: (GOOD / f"{kind}.csv").read_text() for kind in KINDS}


def with_line(text: str, line: int, new: str) -> str:
    """`text` with line `line` (1 = header) replaced by `new`, or `new` appended after the end."""
    lines = text.splitlines()
    if line == len(lines) + 1:
        lines.append(new)
    else:
        lines[line - 1] = new
    return "\n".join(lines) + "\n"


def encoded(files: dict[str, str]) -> dict[str, bytes]:
    return {kind: text.encode() for kind, text in files.items()}


def book_counts() -> dict[str, int]:
    """Rows of every book table visible in the current scope."""
    return {model.__name__: model.objects.count() for model in BOOK_MODELS}


def run_import(firm, files: dict[str, str], actor=None, source="test"):
    with firm_scope(firm):
        return book_import(firm=firm, files=encoded(files), actor=actor, source=source)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The fixtures create a dozen users; nothing here checks a password, so hash cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ready_a(firm_a, members_a):
    """Firm A with the custodian the good upload names (advisor a-advisor@alpha.test exists)."""
    with firm_scope(firm_a):
        CustodianFactory(firm=firm_a, code="schwab", name="Charles Schwab")
    return firm_a
