"""The kill switch holds mid-batch: a pause thrown (from another connection) while blocks are
going out stops the next block; held blocks stay unsent, show on the trading pages, and the
next batch after resume sends them exactly once. And compliance's routable gate is checked
before sending: a proposal compliance stopped after approval is not sent."""

import threading
from datetime import date

import pytest
from django.db import connections
from django.db.models import Count
from django.utils import timezone

from compliance.models import ComplianceReview
from drift.models import Proposal, ProposalTrade
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from tests.trading import slow_custodian
from tests.trading.helpers import approved_book, run_batch
from trading.choices import BatchStatus, OrderStatus, PauseScope
from trading.models import Batch, BlockOrder, ExecutionPause, Order, SimulatedCustodianOrder
from trading.services.control import execution_pause, execution_resume

pytestmark = pytest.mark.django_db(transaction=True)
NEXT_DAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def slow_custodians(settings):
    settings.TRADING_SIMULATED = {"seed": 1, "reject_rate": 0.0, "partial_rate": 0.0}
    settings.TRADING_ADAPTERS = {slow_custodian.NAME: slow_custodian.PATH}


def _two_custodian_book(firm):
    """Four accounts, two per custodian, both custodians slow: four blocks, sent in the order
    sells at C1, sells at C2, buys at C1, buys at C2."""
    book = approved_book(firm, 4)
    with firm_scope(firm):
        first = book["custodian"]
        second = pm.Custodian.objects.create(
            firm=firm, code="second", name="Second Custodian", adapter=slow_custodian.NAME
        )
        pm.Custodian.objects.filter(pk=first.pk).update(adapter=slow_custodian.NAME)
        for sec in (book["stock"], book["bond"]):
            pm.CustodianSecurity.objects.create(firm=firm, custodian=second, security=sec)
        pm.Account.objects.filter(pk__in=[a.pk for a in book["accounts"][2:]]).update(
            custodian=second
        )
    book["custodians"] = [first, second]
    return book


def _batch_with_a_pause_thrown_mid_send(firm, senior, **pause):
    """Run the batch; from another thread (its own connection) throw the pause as soon as the
    custodian holds the first block, while the adapter is still acknowledging it."""
    thrown = {}

    def throw():
        try:
            with firm_scope(firm):
                deadline = timezone.now() + timezone.timedelta(seconds=30)
                while not SimulatedCustodianOrder.objects.exists() and timezone.now() < deadline:
                    pass
                thrown["pause"] = execution_pause(by=senior, **pause)
                thrown["received_before"] = SimulatedCustodianOrder.objects.count()
        finally:
            connections.close_all()

    thread = threading.Thread(target=throw)
    thread.start()
    try:
        batch = run_batch(firm)
    finally:
        thread.join(40)
    assert thrown["received_before"] == 1, (
        "the pause was meant to land while the first block was being acknowledged"
    )
    return batch, thrown["pause"]


def _each_trade_sent_once(firm):
    with firm_scope(firm):
        per_trade = Order.objects.values("trade_id").annotate(n=Count("id"))
        assert len(per_trade) == ProposalTrade.objects.count() and all(
            r["n"] == 1 for r in per_trade
        )
        received = dict(SimulatedCustodianOrder.objects.values_list("client_order_id", "attempts"))
        assert set(received) == set(BlockOrder.objects.values_list("client_order_id", flat=True))
        assert set(received.values()) == {1}


def test_a_firm_pause_thrown_while_blocks_go_out_holds_the_rest_until_the_next_batch_after_resume(
    firm_a, members_a, members_b, login
):
    _two_custodian_book(firm_a)
    senior = members_a["senior_advisor"]
    batch, pause = _batch_with_a_pause_thrown_mid_send(
        firm_a, senior, scope=PauseScope.FIRM, reason="market stress"
    )

    with firm_scope(firm_a):
        assert (
            SimulatedCustodianOrder.objects.count() == 1
        )  # the block already at the custodian, and no other
        sent = BlockOrder.objects.get(status=OrderStatus.FILLED)
        held = BlockOrder.objects.filter(status=OrderStatus.PAUSED)
        assert held.count() == 3 and all("market stress" in b.hold_note for b in held)
        assert set(Order.objects.filter(block__in=held).values_list("status", flat=True)) == {
            OrderStatus.PENDING
        }
        held_orders = Order.objects.filter(block__in=held).count()
        assert SimulatedCustodianOrder.objects.get().received_at < pause.paused_at
    assert batch.status == BatchStatus.DONE and batch.counts["blocks_held"] == 3
    assert "3 blocks not sent" in batch.note and "market stress" in batch.note

    client = login(senior)
    home = client.get("/trading/").content.decode()
    assert (
        "Held by pause of the firm" in home
        and "market stress" in home
        and held[0].client_order_id in home
    )
    detail = client.get(f"/trading/batches/{batch.pk}/").content.decode()
    assert "Held by a pause (not sent)" in detail and "market stress" in detail
    # the batch's note, each held block, and the "why" of each of their orders
    assert detail.count("Held by pause of the firm: market stress") == 1 + 3 + held_orders
    assert "Blocks held by a pause" in client.get("/trading/dry-run/").content.decode()
    other = login(members_b["senior_advisor"])  # another firm sees none of it
    assert "market stress" not in other.get("/trading/").content.decode()
    assert other.get(f"/trading/batches/{batch.pk}/").status_code == 404
    client = login(senior)

    resumed = client.post(
        f"/trading/pauses/{pause.pk}/resume/", {"confirmed": "yes"}, follow=True
    ).content.decode()
    assert "3 blocks a pause stopped mid-batch go out with it" in resumed
    with firm_scope(firm_a):
        resumed_at = ExecutionPause.objects.get().resumed_at
    nxt = run_batch(firm_a, day=NEXT_DAY)
    assert (
        nxt.status == BatchStatus.DONE
        and nxt.counts["blocks_sent"] == 3
        and nxt.counts["blocks_held"] == 0
    )
    _each_trade_sent_once(firm_a)
    with firm_scope(firm_a):
        assert not BlockOrder.objects.filter(status=OrderStatus.PAUSED).exists()
        late = SimulatedCustodianOrder.objects.exclude(client_order_id=sent.client_order_id)
        assert late.count() == 3 and all(o.received_at > resumed_at for o in late)
        assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.FILLED}
        assert set(Proposal.objects.values_list("status", flat=True)) == {"executed"}
        assert set(
            BlockOrder.objects.exclude(pk=sent.pk).values_list("batch__trade_date", flat=True)
        ) == {NEXT_DAY}
    assert (
        run_batch(firm_a, day=NEXT_DAY, again=True).counts["blocks_sent"] == 0
    )  # nothing left to send twice
    _each_trade_sent_once(firm_a)


def test_a_custodian_pause_thrown_mid_batch_holds_only_that_custodians_blocks(firm_a, members_a):
    book = _two_custodian_book(firm_a)
    first, second = book["custodians"]
    batch, pause = _batch_with_a_pause_thrown_mid_send(
        firm_a,
        members_a["senior_advisor"],
        scope=PauseScope.CUSTODIAN,
        target=second,
        reason="custodian outage",
    )
    with firm_scope(firm_a):
        by_custodian = {
            c: set(BlockOrder.objects.filter(custodian_id=c).values_list("status", flat=True))
            for c in (first.pk, second.pk)
        }
        assert by_custodian == {first.pk: {OrderStatus.FILLED}, second.pk: {OrderStatus.PAUSED}}
        assert SimulatedCustodianOrder.objects.filter(custodian=second).count() == 0
        held_accounts = set(
            Order.objects.filter(block__status=OrderStatus.PAUSED).values_list(
                "account_id", flat=True
            )
        )
        assert held_accounts == {a.pk for a in book["accounts"][2:]}
        execution_resume(by=members_a["senior_advisor"], pause=pause)
    run_batch(firm_a, day=NEXT_DAY)
    _each_trade_sent_once(firm_a)


def test_an_approved_proposal_compliance_blocked_afterwards_is_not_sent(firm_a):
    book = approved_book(firm_a, 2)
    with firm_scope(firm_a):
        ComplianceReview.objects.filter(proposal_id=book["proposals"][0]).update(status="blocked")
    batch = run_batch(firm_a)
    reasons = {s["proposal"]: s["reason"] for s in batch.skipped}
    assert "Compliance blocked this proposal" in reasons[book["proposals"][0]]
    with firm_scope(firm_a):
        assert not Order.objects.filter(proposal_id=book["proposals"][0]).exists()
        assert Proposal.objects.get(pk=book["proposals"][1]).status == "executed"


def test_a_held_block_whose_proposal_compliance_stopped_before_the_next_batch_leaves_that_order_out(
    firm_a, members_a
):
    _two_custodian_book(firm_a)
    senior = members_a["senior_advisor"]
    _, pause = _batch_with_a_pause_thrown_mid_send(
        firm_a, senior, scope=PauseScope.FIRM, reason="market stress"
    )
    with firm_scope(firm_a):
        held = BlockOrder.objects.filter(status=OrderStatus.PAUSED).order_by("pk").first()
        stopped = Order.objects.filter(block=held).order_by("pk").first()
        ComplianceReview.objects.filter(proposal_id=stopped.proposal_id).update(status="flagged")
        execution_resume(by=senior, pause=pause)
    run_batch(firm_a, day=NEXT_DAY)
    with firm_scope(firm_a):
        stopped.refresh_from_db()
        held.refresh_from_db()
        assert (
            stopped.status == OrderStatus.CANCELLED
            and stopped.block_id is None
            and "flagged" in stopped.note
        )
        assert held.status == OrderStatus.FILLED and stopped.pk not in [
            entry[0] for entry in held.plan
        ]
        assert held.quantity == sum(o.quantity for o in Order.objects.filter(block=held))
        sent = SimulatedCustodianOrder.objects.get(client_order_id=held.client_order_id)
        assert sent.quantity == held.quantity


def test_a_pause_committing_while_a_block_is_claimed_is_seen_by_the_claim(firm_a, members_a):
    """The kill switch's lock: a pause being written makes the claim wait for it, so a claim
    never reads "no pause" while a pause is about to commit."""
    from django.db import transaction

    from approvals.selectors import approval_settings_get
    from core import locks
    from tests.trading.helpers import TRADE_DAY
    from trading.calc.planning import plan_build
    from trading.selectors import Pauses, approved_trades, trading_settings
    from trading.services.batch import batch_claim
    from trading.services.sending import block_claim
    from trading.services.writing import plan_write

    approved_book(firm_a, 1)
    with firm_scope(firm_a):
        batch = batch_claim(firm_id=firm_a.pk, trade_date=TRADE_DAY)
        plan = plan_build(
            approved_trades(firm_id=firm_a.pk, day=TRADE_DAY),
            settings=trading_settings(firm_a.pk),
            tolerances=approval_settings_get(firm_id=firm_a.pk),
            pauses=Pauses(),
            not_routable={},
        )
        plan_write(batch=batch, plan=plan)
        block = BlockOrder.objects.order_by("pk").first()
    writing, release = threading.Event(), threading.Event()

    def pause_slowly():
        try:
            with firm_scope(firm_a), transaction.atomic():
                locks.xact_lock(locks.EXECUTION_PAUSE, firm_a.pk)
                ExecutionPause.objects.create(
                    firm=firm_a, scope=PauseScope.FIRM, reason="slow pause"
                )
                writing.set()
                release.wait(1.0)  # still uncommitted while the claim starts
        finally:
            connections.close_all()

    thread = threading.Thread(target=pause_slowly)
    thread.start()
    assert writing.wait(10)
    try:
        with firm_scope(firm_a):
            assert block_claim(block.pk) is None
            block.refresh_from_db()
            assert block.status == OrderStatus.PAUSED and "slow pause" in block.hold_note
    finally:
        release.set()
        thread.join()


def test_a_proposal_split_across_batches_by_a_pause_ends_on_all_its_orders(
    firm_a, members_a, settings
):
    """Sells went out before the pause, buys after resume in the next batch and were all
    rejected: the proposal partially executed (its sells filled), it did not fail."""
    book = _two_custodian_book(firm_a)
    senior = members_a["senior_advisor"]
    _, pause = _batch_with_a_pause_thrown_mid_send(
        firm_a, senior, scope=PauseScope.FIRM, reason="market stress"
    )
    with firm_scope(firm_a):
        execution_resume(by=senior, pause=pause)
    settings.TRADING_SIMULATED = {"seed": 1, "reject_rate": 1.0, "partial_rate": 0.0}
    run_batch(firm_a, day=NEXT_DAY)
    with firm_scope(firm_a):
        statuses = dict(Proposal.objects.values_list("account_id", "status"))
    first_custodian, second_custodian = book["accounts"][:2], book["accounts"][2:]
    assert {statuses[a.pk] for a in first_custodian} == {
        "partially_executed"
    }  # the sells went before the pause
    assert {statuses[a.pk] for a in second_custodian} == {"failed"}
