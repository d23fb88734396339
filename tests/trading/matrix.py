"""Ids of trading objects in a firm's scanned book, for tests/firms/test_url_matrix.py."""

from datetime import date

from drift.models import Proposal
from tests.trading.helpers import approve, run_batch
from trading.models import ExecutionPause, Order
from trading.services.batch import batch_claim


def batch_id(book) -> int:
    return batch_claim(firm_id=book["model"].firm_id, trade_date=date(2026, 11, 25)).pk


def pause_id(book) -> int:
    return ExecutionPause.objects.create(
        firm_id=book["model"].firm_id, scope="firm", reason="matrix"
    ).pk


def order_id(book) -> int:
    approve(Proposal.objects.first())
    run_batch(book["model"].firm)
    return Order.objects.first().pk
