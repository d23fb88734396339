"""Imported sells carry their realised gain (the custodian's figure, else
proceeds less the cost basis); a sell with neither is counted as of unknown gain; columns the
format does not know are reported, never silently dropped."""

from decimal import Decimal

from firms.services.tenancy import firm_scope
from portfolios import models as m

from .import_support import fast_password_hashing, good_files, ready_a, run_import  # noqa: F401 (fixtures)

HEADER = "account_number,date,symbol,side,quantity,price,realized_gain,cost_basis"


def _gains(firm):
    with firm_scope(firm):
        return dict(
            m.Transaction.objects.filter(account__number="A-2001", side="sell")
            .values_list("date", "realized_gain")
            .order_by("date")
        )


def test_custodian_gain_wins_then_cost_basis_then_unknown(ready_a):
    assert run_import(ready_a, good_files()).ok
    files = {
        "transactions": f"{HEADER}\n"
        "A-2001,2024-02-06,BND,sell,10,70,-123.45,900\n"  # the custodian's figure wins
        "A-2001,2024-02-07,BND,sell,10,70,,900\n"  # 700 - 900
        "A-2001,2024-02-08,BND,sell,10,70,,\n"  # unknown
        "A-2001,2024-02-09,BND,buy,10,70,,\n"
    }
    result = run_import(ready_a, files)
    assert result.ok, result.errors
    gains = {d.isoformat(): g for d, g in _gains(ready_a).items()}
    assert gains == {
        "2024-02-06": Decimal("-123.45"),
        "2024-02-07": Decimal("-200.00"),
        "2024-02-08": None,
    }
    assert result.unknown_gain_sells == 1
    assert any("1 sell with neither realized_gain nor cost_basis" in n for n in result.notes)


def test_a_file_without_the_optional_columns_counts_every_sell_as_unknown(ready_a):
    result = run_import(ready_a, good_files())
    assert result.ok and result.unknown_gain_sells == 1  # the good file's one AAPL sell


def test_bad_gain_and_basis_are_row_errors(ready_a):
    assert run_import(ready_a, good_files()).ok
    files = {
        "transactions": f"{HEADER}\nA-2001,2024-02-06,BND,sell,10,70,abc,\n"
        "A-2001,2024-02-07,BND,sell,10,70,,-5\n"
    }
    result = run_import(ready_a, files)
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(2, "realized_gain"), (3, "cost_basis")]


def test_unknown_columns_are_reported(ready_a):
    files = good_files()
    files["transactions"] = (
        files["transactions"]
        .replace("price\n", "price,fees\n", 1)
        .replace("\n", ",1\n")
        .replace("price,fees,1\n", "price,fees\n", 1)
    )
    result = run_import(ready_a, files)
    assert result.ok, result.errors
    assert result.ignored_columns == {"transactions.csv": ["fees"]}
    assert "transactions.csv: column fees not read (not part of the format)" in result.notes


def test_funds_are_diversified_unless_the_file_says_otherwise_and_stocks_never(ready_a):
    """A new firm's ETFs and funds are not each a 'single security'."""
    files = {
        "securities": "symbol,name,asset_class,security_type\nVTI,Total,us_equity,etf\n"
        "VFIAX,500,us_equity,mutual_fund\n"
        "AAPL,Apple,us_equity,stock\n"
    }
    assert run_import(ready_a, files).ok
    files = {
        "securities": "symbol,name,asset_class,security_type,diversified\n"
        "QQQ,Nasdaq,us_equity,etf,no\nIWM,R2k,us_equity,etf,\n"
    }
    assert run_import(ready_a, files).ok
    with firm_scope(ready_a):
        flags = dict(m.Security.objects.values_list("symbol", "diversified"))
    assert flags == {"VTI": True, "VFIAX": True, "AAPL": False, "QQQ": False, "IWM": True}
    refused = run_import(
        ready_a,
        {
            "securities": "symbol,name,asset_class,security_type,diversified\n"
            "MSFT,Microsoft,us_equity,stock,yes\n"
        },
    )
    assert not refused.ok and [(e.row, e.column) for e in refused.errors] == [(2, "diversified")]
    assert "a stock is never a diversified fund" in refused.errors[0].message
