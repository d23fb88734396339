"""The trade-file adapter: orders out as CSV, fills back from a CSV, no order written twice."""

from decimal import Decimal

import pytest

from firms.services.tenancy import firm_scope
from tests.trading.helpers import approved_book, run_batch
from trading.choices import OrderStatus
from trading.models import BlockOrder, Order

pytestmark = pytest.mark.django_db


def test_orders_go_out_as_a_file_and_fills_come_back_from_one(firm_a, settings, tmp_path):
    settings.TRADING_FILES_DIR = str(tmp_path)
    book = approved_book(firm_a, 2)
    with firm_scope(firm_a):
        book["custodian"].adapter = "trade_file"
        book["custodian"].save()
    run_batch(firm_a)
    run_batch(firm_a, again=True)
    root = tmp_path / book["custodian"].code
    lines = [ln for f in (root / "outbox").glob("*.csv") for ln in f.read_text().splitlines()[1:]]
    with firm_scope(firm_a):
        blocks = list(BlockOrder.objects.order_by("pk"))
        assert sorted(ln.split(",")[0] for ln in lines) == sorted(
            b.client_order_id for b in blocks
        )  # once each
        assert {b.status for b in blocks} == {
            OrderStatus.SUBMITTED
        }  # waiting for the custodian's file
        (root / "inbox").mkdir()
        (root / "inbox" / "fills.csv").write_text(
            "client_order_id,exec_id,status,quantity,price,fees,reason\n"
            + "".join(
                f"{b.client_order_id},E{b.pk},filled,{b.quantity},{b.reference_price},1.00,\n"
                for b in blocks
            )
        )
    run_batch(firm_a, again=True)
    with firm_scope(firm_a):
        assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.FILLED}
        assert sum(o.fees for o in Order.objects.all()) == Decimal("1.00") * len(blocks)
