"""The all-or-nothing book import service, against real PostgreSQL."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from firms.models import AuditEntry
from firms.services.db_security import owner_role
from firms.services.tenancy import firm_scope
from portfolios import models as m
from portfolios.importer import MAX_ERRORS, RowError, book_import
from tests.portfolios.import_support import (  # noqa: F401 (fixtures)
    BOOK_MODELS,
    GOOD_COUNTS,
    book_counts,
    fast_password_hashing,
    good_files,
    ready_a,
    run_import,
    with_line,
)

pytestmark = pytest.mark.django_db

EMPTY_BOOK = {model.__name__: 0 for model in BOOK_MODELS}


def test_a_full_good_upload_writes_every_kind_with_exact_decimals(ready_a, members_a):
    result = run_import(ready_a, good_files(), actor=members_a["ops"])
    assert result.ok, [str(e) for e in result.errors]
    assert result.counts == GOOD_COUNTS and result.errors == []
    with firm_scope(ready_a):
        assert book_counts() == {
            **EMPTY_BOOK,
            "Security": 4,
            "Price": 5,
            "ModelPortfolio": 2,
            "ModelTarget": 5,
            "Client": 2,
            "Account": 3,
            "Position": 6,
            "TaxLot": 6,
            "Transaction": 3,
        }
        vxus = m.Security.objects.get(symbol="VXUS")
        assert (vxus.asset_class, vxus.security_type, vxus.liquidity, vxus.diversified) == (
            "intl_equity",
            "etf",
            "daily",
            True,
        )
        assert m.Security.objects.get(symbol="AAPL").diversified is False
        assert m.Price.objects.get(
            security__symbol="BND", date=date(2024, 11, 20)
        ).close == Decimal("72.335")
        growth = m.ModelPortfolio.objects.get(name="Growth 80/20")
        assert {
            (t.security.symbol, t.asset_class, t.weight)
            for t in growth.targets.select_related("security")
        } == {
            ("VTI", "us_equity", Decimal("50")),
            ("VXUS", "intl_equity", Decimal("30")),
            ("BND", "fixed_income", Decimal("20")),
        }
        a1001, a1002 = (
            m.Account.objects.get(number="A-1001"),
            m.Account.objects.get(number="A-1002"),
        )
        assert a1001.client_id == a1002.client_id and a1001.client.email == "jane@example.test"
        assert a1001.advisor_id == members_a["advisor"].pk and a1002.advisor_id is None
        assert (a1002.registration, a1002.tax_status, a1002.custodian.code, a1002.model_id) == (
            "ira",
            "tax_advantaged",
            "schwab",
            growth.pk,
        )
        assert m.Position.objects.get(account=a1002).quantity == Decimal("10.123456")
        lot = m.TaxLot.objects.get(account=a1001, acquired_on=date(2024, 6, 3))
        assert (lot.quantity, lot.cost_basis) == (Decimal("20"), Decimal("5400.50"))
        txn = m.Transaction.objects.get(account=a1001, side="buy")
        assert (txn.date, txn.quantity, txn.price) == (
            date(2024, 6, 3),
            Decimal("20"),
            Decimal("270.025"),
        )


# (file kind, line to replace (1 = header; one past the end appends), new line)
#   → (row, column, message)
BAD_ROWS = {
    "negative quantity": (
        ("positions", 3, "A-1001,VXUS,-5"),
        (3, "quantity", "quantity must not be negative, got -5"),
    ),
    "unknown symbol": (("prices", 4, "2024-11-20,XYZ,10"), (4, "symbol", 'unknown symbol "XYZ"')),
    "non-numeric price": (
        ("prices", 2, "2024-11-20,VTI,abc"),
        (2, "close", '"abc" is not a number'),
    ),
    "impossible date": (
        ("transactions", 2, "A-1001,2026-02-30,VTI,buy,20,270"),
        (2, "date", '"2026-02-30" is not a date (YYYY-MM-DD)'),
    ),
    "duplicate row": (
        ("prices", 7, "2024-11-20,VTI,299"),
        (7, "date, symbol", "duplicate of row 2"),
    ),
    "duplicate transaction": (
        ("transactions", 5, "A-1001,2024-06-03,VTI,buy,20,270.025"),
        (5, "", "duplicate of row 2"),
    ),
    "unknown account": (
        ("lots", 3, "A-9999,VTI,2024-06-03,20,5400.50"),
        (3, "account_number", 'unknown account "A-9999"'),
    ),
    "weights not 100": (
        ("models", 3, "Growth 80/20,intl_equity,VXUS,25"),
        (2, "weight", 'the weights of model "Growth 80/20" sum to 95, not 100'),
    ),
    "future date": (
        ("lots", 4, "A-1001,VXUS,2099-01-10,300.5,17429.00"),
        (4, "acquired_on", "2099-01-10 is in the future"),
    ),
    "zero price": (
        ("transactions", 4, "A-2001,2024-01-05,BND,buy,100,0"),
        (4, "price", "price must be greater than 0, got 0"),
    ),
    "unknown custodian": (
        (
            "accounts",
            4,
            "A-2001,Sam Roe,sam@example.test,,trust,taxable,fidelity,conservative,conservative,"
            "Income 30/70",
        ),
        (4, "custodian", 'unknown custodian "fidelity"'),
    ),
    "advisor not staff": (
        (
            "accounts",
            2,
            "A-1001,Jane Doe,jane@example.test,nobody@alpha.test,taxable,taxable,schwab,growth,"
            "growth,Growth 80/20",
        ),
        (2, "advisor_email", 'unknown advisor email "nobody@alpha.test"'),
    ),
    "unknown model": (
        (
            "accounts",
            3,
            "A-1002,Jane Doe,jane@example.test,,ira,tax_advantaged,schwab,growth,growth,Aggressive",
        ),
        (3, "model", 'unknown model "Aggressive"'),
    ),
    "bad choice": (
        ("securities", 5, "AAPL,Apple Inc.,us_equity,share,daily,no"),
        (5, "security_type", '"share" is not a valid security_type'),
    ),
    "asset class mismatch": (
        ("models", 4, "Growth 80/20,us_equity,BND,20"),
        (4, "asset_class", "BND is a fixed_income security, not us_equity"),
    ),
    "too many decimals": (
        ("lots", 2, "A-1001,VTI,2024-03-15,100,21000.005"),
        (2, "cost_basis", '"21000.005" has more than 2 decimal places'),
    ),
    "IRA marked taxable": (
        (
            "accounts",
            3,
            "A-1002,Jane Doe,jane@example.test,,ira,taxable,schwab,growth,growth,Growth 80/20",
        ),
        (3, "tax_status", 'a Traditional IRA account must be tax-advantaged, not "taxable"'),
    ),
    "two names for one client": (
        (
            "accounts",
            3,
            "A-1002,Janet Doe,jane@example.test,,ira,tax_advantaged,schwab,growth,growth,"
            "Growth 80/20",
        ),
        (3, "client_name", 'jane@example.test is named "Jane Doe" on row 2'),
    ),
}


@pytest.mark.parametrize("change, expected", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_one_bad_row_refuses_the_whole_upload_and_names_file_row_and_column(
    ready_a, change, expected
):
    kind, line, new = change
    files = good_files()
    files[kind] = with_line(files[kind], line, new)
    result = run_import(ready_a, files)
    assert not result.ok and result.counts == {}
    assert len(result.errors) == 1, [str(e) for e in result.errors]
    error = result.errors[0]
    row, column, message = expected
    assert (error.file, error.row, error.column) == (f"{kind}.csv", row, column)
    assert error.message.startswith(message)
    with firm_scope(ready_a):
        assert book_counts() == EMPTY_BOOK  # the six good files were not written either


def test_a_missing_column_is_a_file_level_error(ready_a):
    files = good_files()
    files["prices"] = "date,symbol\n2024-11-20,VTI\n"
    result = run_import(ready_a, files)
    assert [e.__dict__ for e in result.errors] == [
        {"file": "prices.csv", "row": None, "column": "close", "message": 'missing column "close"'}
    ]
    with firm_scope(ready_a):
        assert book_counts() == EMPTY_BOOK


def test_every_problem_in_every_file_is_reported_in_file_order(ready_a):
    files = good_files()
    files["transactions"] = with_line(files["transactions"], 3, "A-1001,2024-10-15,AAPL,short,-5,x")
    files["prices"] = with_line(files["prices"], 3, "2026-13-01,VXUS,64.10")
    result = run_import(ready_a, files)
    assert [str(e) for e in result.errors] == [
        'prices.csv row 3, date: "2026-13-01" is not a date (YYYY-MM-DD)',
        'transactions.csv row 3, side: "short" is not a valid side; expected one of buy, sell',
        "transactions.csv row 3, quantity: quantity must be greater than 0, got -5",
        'transactions.csv row 3, price: "x" is not a number',
    ]
    assert result.error_count == 4


def test_row_numbers_are_file_lines_despite_blank_lines_a_bom_and_extra_columns(ready_a):
    prices = (
        "\ufeffDate , Symbol,close,source\n2024-11-20,VTI,301.25,feed\n\n \n"
        "2024-11-20,BND,-1,feed\n"
    )
    result = run_import(ready_a, {"securities": good_files()["securities"], "prices": prices})
    assert [str(e) for e in result.errors] == [
        "prices.csv row 5, close: close must be greater than 0, got -1"
    ]
    result = run_import(
        ready_a,
        {"securities": good_files()["securities"], "prices": prices.replace(",-1,", ",72.5,")},
    )
    assert result.ok and result.counts == {"securities": 4, "prices": 2}


def test_a_row_with_too_many_fields_and_undecodable_bytes_are_reported(ready_a):
    with firm_scope(ready_a):
        result = book_import(
            firm=ready_a,
            actor=None,
            source="test",
            files={
                "prices": b"date,symbol,close\n2024-11-20,VTI,1,2\n",
                "securities": "x".encode("utf-16"),
            },
        )
    assert [(e.file, e.row) for e in result.errors] == [("securities.csv", None), ("prices.csv", 2)]
    assert "not UTF-8" in result.errors[0].message
    assert result.errors[1].message == "the row has 4 fields but the header has 3"


def test_errors_are_capped_but_all_counted(ready_a):
    prices = "date,symbol,close\n" + "".join(
        f"2024-11-20,NOPE{i},1\n" for i in range(MAX_ERRORS + 50)
    )
    result = run_import(ready_a, {"prices": prices})
    assert len(result.errors) == MAX_ERRORS and result.error_count == MAX_ERRORS + 50
    assert result.errors[0] == RowError("prices.csv", 2, "symbol", 'unknown symbol "NOPE0"')


def test_a_later_file_may_use_what_an_earlier_one_adds_but_not_the_reverse(ready_a):
    files = good_files()
    assert run_import(
        ready_a, {k: files[k] for k in ("prices", "securities")}
    ).ok  # applied in KINDS order
    result = run_import(ready_a, {"positions": "account_number,symbol,quantity\nA-1001,VTI,1\n"})
    assert [str(e) for e in result.errors] == [
        'positions.csv row 2, account_number: unknown account "A-1001"'
    ]


def test_reimporting_upserts_values_without_adding_rows(ready_a):
    assert run_import(ready_a, good_files()).ok
    files = {
        "securities": with_line(
            good_files()["securities"], 2, "VTI,Vanguard Total Market,us_equity,etf,limited,no"
        ),
        "prices": "date,symbol,close\n2024-11-20,VTI,305.5\n",
        "models": "model,asset_class,symbol,weight\nGrowth 80/20,us_equity,VTI,60\n"
        "Growth 80/20,fixed_income,BND,40\n",
        "accounts": "\n".join(
            [
                "account_number,client_name,client_email,advisor_email,registration,tax_status,custodian,segment,risk_profile,model",
                "A-1002,Jane Smith,JANE@example.test,a-advisor@alpha.test,roth,tax_advantaged,"
                "schwab,growth,growth,Income 30/70",
            ]
        ),
        "positions": "account_number,symbol,quantity\nA-1001,VTI,125\n",
    }
    with firm_scope(ready_a):
        before = book_counts()
    result = run_import(ready_a, files)
    assert result.ok, [str(e) for e in result.errors]
    with firm_scope(ready_a):
        after = book_counts()
        # Upserts keep counts; Growth's 3 targets became 2; A-1001's 3 positions became 1.
        assert after == {
            **before,
            "ModelTarget": before["ModelTarget"] - 1,
            "Position": before["Position"] - 2,
        }
        vti = m.Security.objects.get(symbol="VTI")
        assert (vti.name, vti.liquidity, vti.diversified) == (
            "Vanguard Total Market",
            "limited",
            False,
        )
        assert m.Price.objects.get(security=vti, date=date(2024, 11, 20)).close == Decimal("305.5")
        assert m.Price.objects.get(security=vti, date=date(2024, 11, 22)).close == Decimal("302.10")
        a1002 = m.Account.objects.select_related("client", "model").get(number="A-1002")
        assert (a1002.registration, a1002.model.name, a1002.client.name) == (
            "roth",
            "Income 30/70",
            "Jane Smith",
        )
        assert a1002.client.email == "jane@example.test"  # matched ignoring case, spelling kept
        assert list(
            m.Position.objects.filter(account__number="A-1001").values_list(
                "security__symbol", "quantity"
            )
        ) == [("VTI", Decimal("125"))]
        assert (
            m.Position.objects.filter(account__number="A-2001").count() == 2
        )  # not in the file: untouched
        assert m.TaxLot.objects.count() == 6


def test_transactions_are_appended(ready_a):
    assert run_import(ready_a, good_files()).ok
    assert run_import(
        ready_a,
        {
            "transactions": "account_number,date,symbol,side,quantity,price\n"
            "A-2001,2024-02-06,BND,sell,10,72\n"
        },
    ).ok
    with firm_scope(ready_a):
        assert m.Transaction.objects.count() == 4


@pytest.mark.django_db(
    transaction=True, databases=["default", "owner"]
)  # the owner's ALTER runs on its own connection, committed
def test_a_database_refusal_rolls_everything_back_and_is_reported(ready_a):
    # A constraint the validator does not know of: the database has the last word.
    with owner_role(), connection.cursor() as cur:
        cur.execute(
            "ALTER TABLE portfolios_transaction "
            "ADD CONSTRAINT test_small_trades CHECK (quantity < 50)"
        )
    try:
        result = run_import(ready_a, good_files())
    finally:
        with owner_role(), connection.cursor() as cur:
            cur.execute("ALTER TABLE portfolios_transaction DROP CONSTRAINT test_small_trades")
    assert not result.ok and result.counts == {}
    assert [(e.file, e.row) for e in result.errors] == [("transactions.csv", None)]
    assert "test_small_trades" in result.errors[0].message
    with firm_scope(ready_a):
        assert book_counts() == EMPTY_BOOK
        assert m.ImportRun.objects.get().ok is False  # logged although the book rolled back


def test_each_attempt_is_recorded_with_its_author_and_audited(ready_a, members_a):
    ops = members_a["ops"]
    assert run_import(ready_a, good_files(), actor=ops, source="web").ok
    refused = run_import(
        ready_a, {"prices": "date,symbol,close\n2024-11-20,VTI,abc\n"}, actor=ops, source="api"
    )
    with firm_scope(ready_a):
        runs = list(m.ImportRun.objects.order_by("created_at"))
        assert [(r.source, r.ok, r.created_by_id) for r in runs] == [
            ("web", True, ops.pk),
            ("api", False, ops.pk),
        ]
        assert runs[0].counts == GOOD_COUNTS and runs[0].errors == []
        assert runs[1].counts == {} and runs[1].errors == [e.as_dict() for e in refused.errors]
        entries = list(AuditEntry.objects.filter(event__startswith="book.import").order_by("seq"))
        assert [(e.event, e.actor_id) for e in entries] == [
            ("book.import", ops.user_id),
            ("book.import_refused", ops.user_id),
        ]
        assert (
            entries[0].payload["counts"] == GOOD_COUNTS and entries[1].payload["error_count"] == 1
        )


def test_the_import_refuses_to_run_outside_the_firms_scope(ready_a, firm_b):
    with pytest.raises(RuntimeError, match="firm_scope"):
        book_import(firm=ready_a, files={}, actor=None, source="test")
    with firm_scope(firm_b), pytest.raises(RuntimeError, match="firm_scope"):
        book_import(firm=ready_a, files={}, actor=None, source="test")


def test_text_with_quotes_commas_braces_and_backslashes_round_trips(ready_a):
    awkward = 'Fund "Alpha", {B} \\ C; NULL — ünïcode'
    quoted = '"' + awkward.replace('"', '""') + '"'  # CSV quoting
    securities = (
        f"symbol,name,asset_class,security_type\nQQQ,{quoted},us_equity,etf\nNUL,NULL,cash,cash\n"
    )
    assert run_import(ready_a, {"securities": securities}).ok
    with firm_scope(ready_a):
        assert m.Security.objects.get(symbol="QQQ").name == awkward
        assert m.Security.objects.get(symbol="NUL").name == "NULL"  # the text, not a null


def test_new_rows_get_the_models_defaults(ready_a):
    assert run_import(ready_a, good_files()).ok
    with firm_scope(ready_a):
        client = m.Client.objects.get(email="sam@example.test")
        assert (
            client.short_term_tax_rate,
            client.long_term_tax_rate,
            client.alternatives_eligible,
        ) == (
            Decimal("0.3700"),
            Decimal("0.2000"),
            False,
        )
        assert m.ModelPortfolio.objects.get(name="Income 30/70").description == ""
        assert m.Account.objects.get(number="A-2001").opened_on is None
        assert set(m.Transaction.objects.values_list("realized_gain", flat=True)) == {None}
