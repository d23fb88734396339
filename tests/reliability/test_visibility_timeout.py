"""A task that outlives the broker's visibility timeout.

With the Redis transport and acks_late, a message not acknowledged within `visibility_timeout`
is put back on the queue and delivered again, while the first worker is still running it. Two
real workers (solo pool) on a private Redis with CELERY_VISIBILITY_TIMEOUT=2 s; the simulated
custodian takes LATENCY_S to acknowledge each block, so the trade batch runs far longer than
the timeout. The test asserts the batch task really was delivered twice (both workers received
the same task id), that the batch ran once (`runs == 1`), that every block reached the custodian
exactly once (attempts == 1) and that each (proposal, trade) has exactly one order."""

import json
import re
import time
from pathlib import Path

import pytest
from django.db.models import Count

from firms.services.tenancy import firm_scope
from tests.reliability.private_redis import private_redis, worker_start, worker_stop  # noqa: F401 (fixture)
from tests.reliability.waiting import wait_until
from tests.trading.helpers import TRADE_DAY, approved_book
from trading.choices import BatchStatus
from trading.models import Batch, BlockOrder, Order, SimulatedCustodianOrder
from trading.tasks import trade_batch_firm

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ARTIFACT = (
    Path(__file__).resolve().parents[2]
    / "test-artifacts"
    / "reliability"
    / "visibility_timeout.json"
)
VISIBILITY_TIMEOUT_S = 2
LATENCY_S = 4  # per block submission; the batch sends a sell block and a buy block: ~8 s > 2 s


def _received(log: Path, task_id: str) -> bool:
    return f"trade_batch_firm[{task_id}] received" in log.read_text()


def test_a_batch_outliving_the_visibility_timeout_is_delivered_twice_and_sends_each_order_once(
    firm_a, private_redis, tmp_path
):  # noqa: F811
    book = approved_book(firm_a, n=4)
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    workers = [
        worker_start(
            private_redis.url,
            log,
            hostname=f"w{i + 1}",
            CELERY_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT_S,
            TRADING_SIMULATED_LATENCY_S=LATENCY_S,
        )
        for i, log in enumerate(logs)
    ]
    try:
        assert wait_until(lambda: all(" ready." in log.read_text() for log in logs), 60), (
            "workers did not start"
        )
        started = time.monotonic()
        task_id = trade_batch_firm.delay(firm_id=firm_a.pk, trade_date=TRADE_DAY.isoformat()).id
        assert wait_until(lambda: all(_received(log, task_id) for log in logs), 30), (
            f"the batch task was not delivered a second time: "
            f"{[log.read_text()[-2000:] for log in logs]}"
        )
        redelivered_after_s = time.monotonic() - started
        with firm_scope(firm_a):
            running_at_redelivery = Batch.objects.get().status != BatchStatus.DONE
            assert wait_until(lambda: Batch.objects.get().status == BatchStatus.DONE, 60), (
                "the batch did not finish"
            )
        batch_s = time.monotonic() - started
        time.sleep(VISIBILITY_TIMEOUT_S + 2)  # a third delivery would happen now
    finally:
        for w in workers:
            worker_stop(w)
    texts = [log.read_text() for log in logs]
    outcomes = [
        re.findall(rf"trade_batch_firm\[{task_id}\] succeeded in [\d.]+s: (.*)", t) for t in texts
    ]
    with firm_scope(firm_a):
        batch = Batch.objects.get()
        at_custodian = list(
            SimulatedCustodianOrder.objects.values_list("client_order_id", "attempts")
        )
        blocks = set(BlockOrder.objects.values_list("client_order_id", flat=True))
        per_trade = list(Order.objects.values("proposal_id", "trade_id").annotate(n=Count("id")))
        proposals_with_orders = set(Order.objects.values_list("proposal_id", flat=True))
    figures = {
        "visibility_timeout_s": VISIBILITY_TIMEOUT_S,
        "custodian_latency_s": LATENCY_S,
        "deliveries": sum(_received(log, task_id) for log in logs),
        "redelivered_after_s": round(redelivered_after_s, 1),
        "batch_running_at_redelivery": running_at_redelivery,
        "batch_s": round(batch_s, 1),
        "outcomes": outcomes,
        "batch_runs": batch.runs,
        "blocks": len(blocks),
        "custodian_orders": len(at_custodian),
        "custodian_attempts_max": max(a for _, a in at_custodian),
        "orders": len(per_trade),
        "orders_per_trade_max": max(r["n"] for r in per_trade),
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2))
    assert running_at_redelivery, (
        figures
    )  # the second delivery came while the first run was still going
    assert sum(len(o) for o in outcomes) == 2 and any(
        "busy" in line for o in outcomes for line in o
    ), figures
    assert batch.status == BatchStatus.DONE and batch.runs == 1, figures
    assert {cid for cid, _ in at_custodian} == blocks and all(a == 1 for _, a in at_custodian), (
        figures
    )
    assert per_trade and all(r["n"] == 1 for r in per_trade), figures
    assert proposals_with_orders == set(book["proposals"]), figures
