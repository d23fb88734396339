"""The orders list as core.lists declares it (every account order of every batch)."""

from django.db.models import F, Sum

from core.formatting import CENT
from core.lists import Column, Filter, ListSpec
from portfolios.choices import Side

from .choices import OrderStatus
from .models import Order

ORDERS = ListSpec(
    name="orders",
    columns=(
        Column("date", "Batch", "batch__trade_date", lambda o: o.batch.trade_date),
        Column("number", "Account", "account__number", lambda o: o.account.number),
        Column("client", "Client", "account__client__name", lambda o: o.account.client.name),
        Column("symbol", "Security", "security__symbol", lambda o: o.security.symbol),
        Column("side", "Side", "side", lambda o: o.get_side_display()),
        Column("quantity", "Quantity", "quantity", lambda o: o.quantity, num=True),
        Column("filled", "Filled", "filled_quantity", lambda o: o.filled_quantity, num=True),
        Column("price", "Average price", "avg_price", lambda o: o.avg_price, num=True),
        Column(
            "value",
            "Approved value",
            "approved_value",
            lambda o: o.approved_value.quantize(CENT),
            num=True,
        ),
        Column("fees", "Fees", "fees", lambda o: o.fees, num=True),
        Column("status", "Status", "status", lambda o: o.get_status_display()),
        Column("note", "Note", None, lambda o: o.note),
    ),
    search=("account__number", "account__client__name", "security__symbol", "client_order_id"),
    search_label="Account, client or symbol",
    filters=(
        Filter("status", "Status", "status", choices=tuple(OrderStatus.choices)),
        Filter("side", "Side", "side", choices=tuple(Side.choices)),
        Filter("advisor", "Advisor", "account__advisor_id", kind="id"),
        Filter("model", "Model", "account__model_id", kind="id"),
        Filter("from", "Batch on or after", "batch__trade_date", kind="date_from"),
        Filter("to", "Batch on or before", "batch__trade_date", kind="date_to"),
    ),
    default_sort="-date",
    totals={"value": Sum("approved_value"), "fees": Sum("fees")},
)


def orders_for_list():
    """Every order with its batch, account, client and security (one query a page)."""
    return Order.objects.select_related("batch", "account__client", "security").annotate(
        approved_value=F("quantity") * F("approved_price")
    )
