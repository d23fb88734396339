"""Formula-like text (= + - @, tab, CR first) in every CSV the product writes, and in
the PDFs' HTML, is neutralised. CSV writers in the product (grep csv.writer / text/csv):
reporting/calc/safe_csv.py (the monthly report CSV, its only user) and
trading/adapters/tradefile.py (trade files to a custodian). Figures: cells checked, cells a
spreadsheet would run (target 0)."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest

from firms.services.tenancy import firm_scope

TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]
PAYLOADS = [t + 'HYPERLINK("http://evil.test","x")' for t in TRIGGERS] + [
    "=1+2",
    "@SUM(A1:A9)",
    "-2+3+cmd|' /C calc'!A0",
    "+1",
]
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _live_cells(data: bytes) -> tuple[int, list[str]]:
    """(cells, cells a spreadsheet would evaluate): text starting with a trigger that is not a
    plain number."""
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8"))) for c in row]
    live = [c for c in cells if c.startswith(tuple(TRIGGERS)) and not NUMBER.match(c)]
    return len(cells), live


def test_safe_csv_neutralises_every_trigger_but_keeps_numbers():
    from reporting.calc.safe_csv import csv_bytes

    rows = [[p, p.lower(), Decimal("-1.5"), -3, 0.25, None, date(2026, 1, 2)] for p in PAYLOADS]
    cells, live = _live_cells(csv_bytes(rows))
    assert cells == 7 * len(PAYLOADS) and live == []
    assert "-1.5" in csv_bytes([[Decimal("-1.5")]]).decode()  # negative numbers stay numbers


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAYLOADS)
def test_the_monthly_report_csv_and_pdf_neutralise_a_formula_like_firm_name(firm_a, name):
    from reporting.calc.months import month_window
    from reporting.selectors.monthly import monthly_figures
    from reporting.services.monthly_render import monthly_csv_bytes, monthly_html

    with firm_scope(firm_a):
        figures = monthly_figures(window=month_window(date(2026, 10, 1)))
        _cells, live = _live_cells(monthly_csv_bytes(figures, firm_name=name))
        html = monthly_html(figures, firm_name=name + "<b>bold</b>", version=1)
    assert live == []
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html  # text, never markup
    assert 'href="http://evil.test"' not in html


def test_the_trade_file_neutralises_a_formula_like_symbol(tmp_path, settings):
    from trading.adapters.base import Ticket
    from trading.adapters.tradefile import TradeFileAdapter

    settings.TRADING_FILES_DIR = str(tmp_path)

    class Cust:
        code = "filecust"

    adapter = TradeFileAdapter.__new__(TradeFileAdapter)
    adapter.custodian = Cust()
    tickets = [
        Ticket(f"ORD-{i}", p, "buy", Decimal("1"), "market", None, Decimal("10"))
        for i, p in enumerate(PAYLOADS)
    ]
    adapter.submit(tickets)
    data = b"".join(p.read_bytes() for p in (tmp_path / "filecust" / "outbox").glob("*.csv"))
    cells, live = _live_cells(data)
    assert cells > len(PAYLOADS) and live == []


@pytest.mark.django_db
@pytest.mark.parametrize("symbol", ["=CMD", "+X", "-X", "@X", "A B"])
def test_the_import_refuses_a_formula_like_symbol_with_its_row(firm_a, symbol):
    from portfolios.importer import book_import

    text = f"symbol,name,asset_class,security_type\n{symbol},Evil,us_equity,stock\n"
    with firm_scope(firm_a):
        result = book_import(firm=firm_a, files={"securities": text.encode()}, source="test")
    assert not result.ok and any(e.row == 2 and e.column == "symbol" for e in result.errors)
