"""A real Celery worker SIGKILLed mid-batch, then a fresh worker.

The simulated custodian is slowed (TRADING_SIMULATED_LATENCY_S) so the first worker dies
after the custodian took the sell block but before we recorded its acknowledgement. The
second run must ask the custodian what it holds, send only the rest, and finish: each block
at the custodian once (attempts == 1), every order of every approved proposal present once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count

from firms.services.tenancy import firm_scope
from tests.reliability.waiting import wait_until
from tests.trading.helpers import TRADE_DAY, approved_book
from tests.worker.test_celery_worker import _test_database_url
from trading.choices import BatchStatus
from trading.models import Batch, BlockOrder, Order, SimulatedCustodianOrder
from trading.tasks import trade_batch_firm

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.heavy, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _worker(queue: str, latency: str) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=_test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        DJANGO_DEBUG="1",
        TRADING_SIMULATED_LATENCY_S=latency,
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "rebalance_site",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_worker_killed_mid_batch_leaves_every_order_sent_exactly_once(firm_a):
    book = approved_book(firm_a, n=4)
    queue = f"kill-{os.getpid()}"
    first = _worker(queue, latency="30")
    try:
        trade_batch_firm.apply_async(
            kwargs={"firm_id": firm_a.pk, "trade_date": TRADE_DAY.isoformat()}, queue=queue
        )
        with firm_scope(firm_a):
            assert wait_until(lambda: SimulatedCustodianOrder.objects.exists(), 60), (
                "the batch never reached the custodian"
            )
    finally:
        first.kill()  # SIGKILL: no cleanup, no acknowledgement recorded
        first.wait(timeout=30)
    with firm_scope(firm_a):
        assert Batch.objects.get().status != BatchStatus.DONE
        assert BlockOrder.objects.filter(status="sending").exists()  # died between send and record

    second = _worker(queue, latency="0")
    try:

        def done() -> bool:  # what the minute due check does: the batch is not done, run it again
            trade_batch_firm.apply_async(
                kwargs={"firm_id": firm_a.pk, "trade_date": TRADE_DAY.isoformat()}, queue=queue
            )
            with firm_scope(firm_a):
                return wait_until(lambda: Batch.objects.get().status == BatchStatus.DONE, 10)

        assert wait_until(done, 90), "the batch did not finish after the restart"
    finally:
        second.terminate()
        second.wait(timeout=30)

    with firm_scope(firm_a):
        at_custodian = list(
            SimulatedCustodianOrder.objects.values_list("client_order_id", "attempts")
        )
        blocks = set(BlockOrder.objects.values_list("client_order_id", flat=True))
        assert {cid for cid, _ in at_custodian} == blocks and all(
            attempts == 1 for _, attempts in at_custodian
        )
        per_trade = Order.objects.values("proposal_id", "trade_id").annotate(n=Count("id"))
        assert per_trade and all(row["n"] == 1 for row in per_trade)
        assert set(Order.objects.values_list("proposal_id", flat=True)) == set(book["proposals"])
