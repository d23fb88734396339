"""Firm B's reconciliation rows for the isolation matrix (tests/firms/isolation_world.py)."""

from firms.models import Firm
from portfolios.importer.validate import market_today
from reconciliation.models import ReconciliationBreak
from reconciliation.services.reconcile import reconcile_file

from .helpers import upload


def _reconciled(book) -> None:
    account = book["accounts"][0]
    if ReconciliationBreak.objects.exists():
        return
    reconcile_file(
        firm=Firm.objects.get(pk=account.firm_id),
        custodian_code=book["custodian"].code,
        as_of=market_today(),  # after any fill the world's batch booked
        source=upload([(account.number, "VTI", "1"), ("B-404", "VTI", "1")]),
        origin="task",
    )


def break_id(book) -> int:
    _reconciled(book)
    return ReconciliationBreak.objects.order_by("pk").first().pk


def run_id(book) -> int:
    _reconciled(book)
    return ReconciliationBreak.objects.order_by("pk").first().run_id
