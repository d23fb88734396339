"""A large prices file goes through the vectorised path and bulk writes (no timing asserted)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from firms.services.tenancy import firm_scope
from portfolios import models as m
from tests.portfolios.import_support import fast_password_hashing, ready_a, run_import  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

SYMBOLS, DAYS = 20, 1000


def big_upload() -> dict[str, str]:
    symbols = [f"S{i:02d}" for i in range(SYMBOLS)]
    securities = "symbol,name,asset_class,security_type\n" + "".join(
        f"{s},Fund {s},us_equity,etf\n" for s in symbols
    )
    first = date(2024, 11, 20) - timedelta(days=DAYS - 1)
    days = [(first + timedelta(days=d)).isoformat() for d in range(DAYS)]
    prices = "date,symbol,close\n" + "".join(
        f"{day},{s},{100 + i}.{d % 100:02d}\n"
        for d, day in enumerate(days)
        for i, s in enumerate(symbols)
    )
    return {"securities": securities, "prices": prices}


def test_a_20k_row_prices_file_imports_in_a_handful_of_statements(ready_a):
    with CaptureQueriesContext(connection) as queries:
        result = run_import(ready_a, big_upload())
    assert result.ok and result.counts == {"securities": SYMBOLS, "prices": SYMBOLS * DAYS}
    assert len(queries) < 40  # batches of 5,000 rows, never a statement per row
    with firm_scope(ready_a):
        assert m.Price.objects.count() == SYMBOLS * DAYS
        assert m.Price.objects.get(
            security__symbol="S03", date=date(2024, 11, 20)
        ).close == Decimal("103.99")
