"""A reconciliation book: make_book's accounts (VTI 660 at $100, BND 680 at $50, 60/40 model,
conservative: each breaches) plus cash, with fixed account numbers, and CSV builders."""

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from portfolios import models as m
from tests.factories import SecurityFactory, make_book

DAY = date(2026, 11, 24)
NUMBERS = ("R-1001", "R-1002", "R-1003")


def recon_book(firm, *, accounts: int = 3) -> dict:
    """Call inside the firm's scope."""
    book = make_book(firm, accounts=accounts, day=DAY)
    cash = SecurityFactory(firm=firm, symbol="CASH", asset_class="cash", security_type="cash")
    for number, account in zip(NUMBERS, book["accounts"], strict=False):
        account.number = number
        account.segment = "conservative"  # a 5-point band: 66/34 against 60/40 breaches
        account.save(update_fields=["number", "segment"])
        m.Position.objects.create(firm=firm, account=account, security=cash, quantity=1000)
    book["cash"] = cash
    return book


def book_rows(book) -> list[tuple[str, str, str]]:
    """The file that matches the book exactly."""
    rows = []
    for account in book["accounts"]:
        rows += [(account.number, "VTI", "660"), (account.number, "BND", "680")]
        rows.append((account.number, "CASH", "1000.00"))
    return rows


def csv_bytes(rows) -> bytes:
    lines = ["account_number,symbol,quantity", *(",".join(map(str, r)) for r in rows)]
    return ("\n".join(lines) + "\n").encode()


def upload(rows, name: str = "positions.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")


def every_kind_rows(book) -> list[tuple[str, str, str]]:
    """R-1001: VTI 650 (quantity -10) and cash 1100 (+100); R-1002: an unknown symbol XYZ;
    R-9999: an account the book lacks; R-1003: not in the file at all."""
    a, b = book["accounts"][0].number, book["accounts"][1].number
    return [
        (a, "VTI", "650"),
        (a, "BND", "680"),
        (a, "CASH", "1100"),
        (b, "VTI", "660"),
        (b, "BND", "680"),
        (b, "CASH", "1000"),
        (b, "XYZ", "5"),
        ("R-9999", "VTI", "10"),
    ]


def money(text: str) -> Decimal:
    return Decimal(text)
