"""The batch: exactly once under re-runs and interruptions, pauses, consent freshness, held
orders, blocks and fills reaching the book."""

from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from drift.models import Proposal, ProposalTrade
from firms.services.audit import audit_verify
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from tests.trading.helpers import TRADE_DAY, approved_book, run_batch, set_price
from trading.adapters.simulated import SimulatedAdapter
from trading.choices import BatchStatus, OrderStatus, PauseScope
from trading.models import (
    Batch,
    BlockOrder,
    ConsentRecheck,
    Order,
    SimulatedCustodianOrder,
    TradeConfirmationPending,
)
from trading.services import sending
from trading.services.control import execution_pause, execution_resume

pytestmark = pytest.mark.django_db
ALL_FILL = {"seed": 1, "reject_rate": 0.0, "partial_rate": 0.0}


@pytest.fixture(autouse=True)
def full_fills(settings):
    settings.TRADING_SIMULATED = ALL_FILL


def _orders_once(firm, proposal_ids):
    with firm_scope(firm):
        trades = ProposalTrade.objects.filter(proposal_id__in=proposal_ids).count()
        per_trade = Order.objects.values("trade_id").annotate(n=Count("id"))
        received = SimulatedCustodianOrder.objects.all()
        assert trades > 0 and len(per_trade) == trades and all(r["n"] == 1 for r in per_trade)
        assert received.exists() and all(r.attempts == 1 for r in received)
        assert received.count() == BlockOrder.objects.count()


def test_running_the_batch_twice_leaves_each_proposals_orders_present_once(firm_a):
    book = approved_book(firm_a, 3)
    first = run_batch(firm_a)
    second = run_batch(firm_a)
    again = run_batch(firm_a, again=True)
    assert first.pk == second.pk == again.pk and first.status == BatchStatus.DONE
    _orders_once(firm_a, book["proposals"])
    with firm_scope(firm_a):
        assert set(Proposal.objects.values_list("status", flat=True)) == {"executed"}
        assert Batch.objects.count() == 1
        assert TradeConfirmationPending.objects.count() == 3
        assert audit_verify(firm_id=firm_a.pk).ok


def test_a_worker_killed_mid_submission_then_restarted_sends_each_order_once(firm_a, monkeypatch):
    book = approved_book(firm_a, 3)
    real = SimulatedAdapter.submit

    def dies_after_the_first(self, tickets):
        real(self, tickets[:1])
        raise RuntimeError("worker killed")

    monkeypatch.setattr(SimulatedAdapter, "submit", dies_after_the_first)
    with pytest.raises(RuntimeError):
        run_batch(firm_a)
    with firm_scope(firm_a):
        assert Order.objects.count() == 6  # the outbox was written before sending
        assert BlockOrder.objects.filter(status=OrderStatus.SENDING).count() == 1
    monkeypatch.setattr(SimulatedAdapter, "submit", real)
    batch = run_batch(firm_a)
    assert batch.status == BatchStatus.DONE
    _orders_once(firm_a, book["proposals"])
    with firm_scope(firm_a):
        assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.FILLED}


def test_a_worker_killed_after_the_custodian_accepted_but_before_recording_does_not_resend(
    firm_a, monkeypatch
):
    book = approved_book(firm_a, 2)
    real = sending._mark_submitted
    monkeypatch.setattr(
        sending, "_mark_submitted", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("killed"))
    )
    with pytest.raises(RuntimeError):
        run_batch(firm_a)
    monkeypatch.setattr(sending, "_mark_submitted", real)
    run_batch(firm_a)
    _orders_once(firm_a, book["proposals"])


def test_with_the_firm_paused_the_batch_sends_nothing_and_says_so_and_resumed_it_does(
    firm_a, members_a
):
    book = approved_book(firm_a, 2)
    with firm_scope(firm_a):
        pause = execution_pause(
            by=members_a["senior_advisor"], scope=PauseScope.FIRM, reason="custodian outage"
        )
    batch = run_batch(firm_a)
    assert (
        batch.status == BatchStatus.PAUSED
        and "paused" in batch.note
        and "custodian outage" in batch.note
    )
    with firm_scope(firm_a):
        assert not Order.objects.exists() and not SimulatedCustodianOrder.objects.exists()
        assert set(Proposal.objects.values_list("status", flat=True)) == {
            "approved"
        }  # still queued up
        execution_resume(by=members_a["senior_advisor"], pause=pause)
    batch = run_batch(firm_a)
    assert batch.status == BatchStatus.DONE
    _orders_once(firm_a, book["proposals"])


def test_a_paused_account_or_held_proposal_is_skipped_with_the_reason_and_stays_approved(
    firm_a, members_a
):
    from trading.services.control import proposal_hold

    book = approved_book(firm_a, 3)
    with firm_scope(firm_a):
        senior = members_a["senior_advisor"]
        execution_pause(
            by=senior,
            scope=PauseScope.ACCOUNT,
            target=book["accounts"][0],
            reason="client travelling",
        )
        held = Proposal.objects.get(account=book["accounts"][1])
        proposal_hold(by=senior, proposal=held, reason="awaiting a deposit")
    batch = run_batch(firm_a)
    reasons = {s["account"]: s["reason"] for s in batch.skipped}
    assert "client travelling" in reasons[book["accounts"][0].number]
    assert "awaiting a deposit" in reasons[book["accounts"][1].number]
    with firm_scope(firm_a):
        statuses = dict(Proposal.objects.values_list("account_id", "status"))
        assert statuses[book["accounts"][0].pk] == statuses[book["accounts"][1].pk] == "approved"
        assert statuses[book["accounts"][2].pk] == "executed"


def test_prices_moved_past_the_second_tolerance_send_the_proposal_back_to_the_client(firm_a):
    book = approved_book(firm_a, 1)
    set_price(firm_a, book["stock"], TRADE_DAY, "107")  # +7% > 5%
    run_batch(firm_a)
    with firm_scope(firm_a):
        assert (
            Proposal.objects.get().status == "superseded"
        )  # a version at the new prices is rebuilt for the client (tests/drift/test_lifecycle.py)
        assert "7.00%" in ConsentRecheck.objects.get().reason
        assert not Order.objects.exists()


def test_prices_moved_within_tolerance_are_traded_at_the_new_price_and_noted(firm_a):
    book = approved_book(firm_a, 1)
    set_price(firm_a, book["stock"], TRADE_DAY, "103")  # +3%: re-priced, not sent back
    run_batch(firm_a)
    with firm_scope(firm_a):
        order = Order.objects.get(security=book["stock"])
        assert order.reference_price == Decimal("103") and "Re-priced" in order.note
        assert Proposal.objects.get().status == "executed"


def test_orders_for_a_security_the_custodian_cannot_trade_are_held_with_a_reason(firm_a):
    approved_book(firm_a, 1, tradable=False)
    run_batch(firm_a)
    with firm_scope(firm_a):
        notes = set(Order.objects.values_list("status", "note"))
        assert all(s == OrderStatus.HELD and "cannot trade" in n for s, n in notes)
        assert not SimulatedCustodianOrder.objects.exists()
        assert Proposal.objects.get().status == "failed"


def test_rejections_fail_the_proposal_and_partial_fills_partially_execute_it(
    firm_a, firm_b, settings
):
    settings.TRADING_SIMULATED = {"seed": 3, "reject_rate": 1.0, "partial_rate": 0.0}
    approved_book(firm_a, 1)
    run_batch(firm_a)
    with firm_scope(firm_a):
        assert Proposal.objects.get().status == "failed"
        assert set(Order.objects.values_list("status", flat=True)) == {OrderStatus.REJECTED}
    settings.TRADING_SIMULATED = {"seed": 3, "reject_rate": 0.0, "partial_rate": 1.0}
    approved_book(firm_b, 4)
    run_batch(firm_b)
    with firm_scope(firm_b):
        assert set(Proposal.objects.values_list("status", flat=True)) <= {
            "partially_executed",
            "executed",
        }
        assert Order.objects.filter(status=OrderStatus.PARTIALLY_FILLED).exists()


def test_block_fills_are_allocated_pro_rata_at_one_average_price_with_fees_shared(firm_a, settings):
    settings.TRADING_SIMULATED = {"seed": 5, "reject_rate": 0.0, "partial_rate": 1.0}
    book = approved_book(firm_a, 5)
    with firm_scope(firm_a):
        pm.Custodian.objects.update(fee_per_trade=Decimal("4.95"), fee_bps=Decimal("1"))
    run_batch(firm_a)
    with firm_scope(firm_a):
        for block in BlockOrder.objects.all():
            orders = Order.objects.filter(block=block)
            assert (
                block.plan and len(block.plan) == orders.count() == 5
            )  # the written plan names every account
            assert orders.aggregate(s=Sum("filled_quantity"))["s"] == block.filled_quantity
            assert orders.aggregate(s=Sum("fees"))["s"] == block.fees > 0
            assert {o.avg_price for o in orders if o.filled_quantity} == {block.avg_price}
            for o in orders:
                assert (
                    abs(o.filled_quantity - block.filled_quantity * o.quantity / block.quantity)
                    <= 1
                )
    assert book


def test_fills_update_positions_lots_and_transactions(firm_a):
    book = approved_book(firm_a, 1)
    run_batch(firm_a)
    with firm_scope(firm_a):
        account = book["accounts"][0]
        sell = Order.objects.get(side="sell")
        buy = Order.objects.get(side="buy")
        pos = dict(
            pm.Position.objects.filter(account=account).values_list("security_id", "quantity")
        )
        assert pos[sell.security_id] == Decimal("660") - sell.filled_quantity
        assert pos[buy.security_id] == Decimal("680") + buy.filled_quantity
        lots = dict(
            pm.TaxLot.objects.filter(account=account, acquired_on=TRADE_DAY).values_list(
                "security_id", "quantity"
            )
        )
        assert lots == {buy.security_id: buy.filled_quantity}
        old = pm.TaxLot.objects.get(
            account=account, security=sell.security, acquired_on__lt=TRADE_DAY
        )
        assert old.quantity == Decimal("660") - sell.filled_quantity  # the named lot was consumed
        txns = pm.Transaction.objects.filter(account=account, date=TRADE_DAY)
        assert txns.count() == 2 and txns.get(side="sell").realized_gain > 0


def test_confirmations_go_to_the_notifications_outbox_once(firm_a):
    from notifications.models import OutboundMessage
    from trading.services.confirmations import confirmations_hand_over

    approved_book(firm_a, 2)
    run_batch(firm_a)
    with firm_scope(firm_a):
        assert confirmations_hand_over(firm_id=firm_a.pk) == 2
        assert confirmations_hand_over(firm_id=firm_a.pk) == 0
        assert OutboundMessage.objects.filter(kind="trade_confirmation").count() == 2
