"""Proposals: trades, lots, taxes, restrictions, cash kinds, model change, state machine."""

from datetime import date
from decimal import Decimal

import pytest

from drift.models import AccountDriftSettings, DriftSnapshot, Proposal
from drift.services.advisor import (
    RebalanceRefused,
    model_change_apply,
    model_change_preview,
    proposal_create_cash,
)
from drift.services.scan import drift_scan_run
from drift.services.transitions import TransitionNotAllowed, proposals_transition
from firms.models import AuditEntry
from portfolios import models as pm
from tests.factories import make_book

DAY = date(2026, 11, 24)
pytestmark = pytest.mark.django_db


def book(firm, **kw):
    b = make_book(firm, **kw)
    pm.Account.objects.update(segment="conservative")
    return b


def trades_of(proposal):
    return {(t.security.symbol, t.side): t for t in proposal.trades.select_related("security")}


def test_a_full_rebalance_sells_overweight_buys_underweight_in_whole_shares_above_the_cash_floor(
    scoped,
):
    b = book(scoped)
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    p = Proposal.objects.get()
    assert (p.kind, p.status, p.version, p.source) == ("full", "draft", 1, "scan")
    t = trades_of(p)
    assert t["VTI", "sell"].quantity == Decimal("66") and t["VTI", "sell"].value == Decimal(
        "6600.00"
    )
    assert t["BND", "buy"].quantity == Decimal(
        "111"
    )  # $5,598 of cash above the 1% floor buys 111 whole shares
    assert p.est_costs == (Decimal("6600") + Decimal("5550")) * Decimal(
        "0.0002"
    )  # 2 bps spread, no fees
    assert p.drift_before == Decimal("6.000") and p.drift_after < Decimal(
        "1.1"
    )  # the 1% cash floor stays
    assert len(p.content_hash) == 64
    assert set(p.allocation) >= {"us_equity", "fixed_income", "cash"}
    assert b["accounts"][0].pk == p.account_id


def test_mutual_funds_trade_fractional_shares_where_the_custodian_allows(scoped):
    b = book(scoped)
    pm.Security.objects.filter(pk=b["bond"].pk).update(security_type="mutual_fund")
    pm.Custodian.objects.update(supports_fractional=True)
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    qty = trades_of(Proposal.objects.get())["BND", "buy"].quantity
    assert qty != qty.to_integral_value() and Decimal("111") < qty < Decimal("112")


def test_sells_pick_loss_lots_first_and_the_tax_estimate_uses_the_clients_rates(scoped):
    b = book(scoped)
    acct, vti = b["accounts"][0], b["stock"]
    gain_lt = pm.TaxLot.objects.create(
        firm=scoped,
        account=acct,
        security=vti,
        acquired_on=date(2023, 1, 5),
        quantity=300,
        cost_basis=15000,
    )
    loss = pm.TaxLot.objects.create(
        firm=scoped,
        account=acct,
        security=vti,
        acquired_on=date(2026, 6, 1),
        quantity=100,
        cost_basis=11000,
    )
    pm.TaxLot.objects.create(
        firm=scoped,
        account=acct,
        security=vti,
        acquired_on=date(2026, 3, 1),
        quantity=260,
        cost_basis=20800,
    )
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    p = Proposal.objects.get()
    sell = trades_of(p)["VTI", "sell"]
    assert [lot["lot"] for lot in sell.lots] == [loss.pk] and gain_lt.pk not in [
        lot["lot"] for lot in sell.lots
    ]
    assert sell.realised_st == Decimal("-660.00") and p.realised_lt == 0
    assert p.est_tax == Decimal("-244.20")  # 37% short-term rate: a saving
    assert p.flags["tlh"] is True


def test_long_term_lots_come_before_short_term_gains_and_tax_advantaged_accounts_owe_no_tax(scoped):
    b = book(scoped)
    acct, vti = b["accounts"][0], b["stock"]
    pm.Account.objects.update(tax_status="tax_advantaged", registration="ira")
    lt = pm.TaxLot.objects.create(
        firm=scoped,
        account=acct,
        security=vti,
        acquired_on=date(2023, 1, 5),
        quantity=400,
        cost_basis=20000,
    )
    pm.TaxLot.objects.create(
        firm=scoped,
        account=acct,
        security=vti,
        acquired_on=date(2026, 3, 1),
        quantity=260,
        cost_basis=26000 - 5200,
    )
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    p = Proposal.objects.get()
    sell = trades_of(p)["VTI", "sell"]
    assert [lot["lot"] for lot in sell.lots] == [lt.pk] and sell.realised_lt == Decimal("3300.00")
    assert p.est_tax == 0 and p.flags["tlh"] is False


def test_restrictions_are_honoured_and_listed_as_undone(scoped):
    b = book(scoped)
    AccountDriftSettings.objects.create(firm=scoped, account=b["accounts"][0], never_buy=["BND"])
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    p = Proposal.objects.get()
    assert set(trades_of(p)) == {("VTI", "sell")}
    assert (
        p.undone[0]["symbol"] == "BND"
        and p.undone[0]["side"] == "buy"
        and "never-buy" in p.undone[0]["reason"]
    )


def test_a_do_not_trade_hold_gets_a_snapshot_and_no_proposal(scoped):
    b = book(scoped)
    AccountDriftSettings.objects.create(firm=scoped, account=b["accounts"][0], do_not_trade=True)
    run = drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    assert (
        run.counts["held"] == 1
        and not Proposal.objects.exists()
        and DriftSnapshot.objects.get().breached
    )


def test_a_gains_budget_cap_keeps_gain_sells_within_the_budget(scoped):
    b = book(scoped)
    acct = b["accounts"][0]
    pm.TaxLot.objects.create(
        firm=scoped,
        account=acct,
        security=b["stock"],
        acquired_on=date(2023, 1, 5),
        quantity=660,
        cost_basis=33000,
    )
    AccountDriftSettings.objects.create(
        firm=scoped, account=acct, gains_budget=Decimal("1000"), gains_budget_mode="cap"
    )
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    assert (
        not Proposal.objects.exists()
    )  # the only sell would realise $3,300; nothing left to fund buys


def test_band_edge_rules_trade_only_to_the_edge(scoped):
    from drift.models import DriftRule
    from drift.services.rules import drift_rules_ensure_defaults

    book(scoped)
    drift_rules_ensure_defaults(firm_id=scoped.pk)
    DriftRule.objects.filter(segment="conservative").update(rebalance_to="band_edge")
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    p = Proposal.objects.get()
    assert p.kind == "band_edge" and trades_of(p)["VTI", "sell"].quantity == Decimal(
        "10"
    )  # 66% → 65%


def test_cash_deploy_buys_with_new_cash_and_cash_raise_sells_to_free_the_amount(scoped, members_a):
    b = book(scoped)
    acct = b["accounts"][0]
    deploy = proposal_create_cash(
        account=acct,
        kind="cash_deploy",
        amount=Decimal("20000"),
        actor=members_a["advisor"],
        as_of=DAY,
    )
    assert (
        deploy.kind == "cash_deploy"
        and deploy.source == "advisor"
        and deploy.cash_amount == Decimal("20000.00")
    )
    assert all(t.side == "buy" for t in deploy.trades.all())
    raise_ = proposal_create_cash(
        account=acct,
        kind="cash_raise",
        amount=Decimal("10000"),
        actor=members_a["advisor"],
        as_of=DAY,
    )
    assert raise_.version == 2 and all(t.side == "sell" for t in raise_.trades.all())
    assert sum(t.value for t in raise_.trades.all()) >= Decimal("10000")
    deploy.refresh_from_db()
    assert deploy.status == "superseded"
    with pytest.raises(RebalanceRefused):
        proposal_create_cash(account=acct, kind="cash_raise", amount=Decimal("1000000"), as_of=DAY)


def test_model_change_preview_writes_nothing_and_apply_re_evaluates_every_account(scoped):
    b = book(scoped, accounts=3)
    targets = [
        {"asset_class": "us_equity", "security_id": b["stock"].pk, "weight": Decimal("66")},
        {"asset_class": "fixed_income", "security_id": b["bond"].pk, "weight": Decimal("34")},
    ]
    preview = model_change_preview(model=b["model"], targets=targets, as_of=DAY)
    assert (preview.accounts, preview.breaching, preview.proposals) == (3, 0, 0)
    worse = [dict(targets[0], weight=Decimal("50")), dict(targets[1], weight=Decimal("50"))]
    preview = model_change_preview(model=b["model"], targets=worse, as_of=DAY)
    assert (preview.accounts, preview.breaching, preview.proposals) == (
        3,
        3,
        3,
    ) and preview.trade_value > 0
    assert (
        not Proposal.objects.exists()
        and pm.ModelTarget.objects.get(asset_class="us_equity").weight == 60
    )
    ids = model_change_apply(model=b["model"], targets=worse, as_of=DAY)
    assert len(ids) == 3 and pm.ModelTarget.objects.get(asset_class="us_equity").weight == 50
    assert DriftSnapshot.objects.filter(as_of=DAY, portfolio_drift=Decimal("16.000")).count() == 3


def test_each_transition_is_a_noop_when_repeated_refused_when_not_allowed_and_audited(scoped):
    book(scoped)
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    p = Proposal.objects.get()
    with pytest.raises(TransitionNotAllowed, match="draft cannot become approved"):
        proposals_transition(ids=[p.pk], to="approved")
    before = AuditEntry.objects.filter(event="proposal.checked").count()
    assert proposals_transition(ids=[p.pk], to="checked") == [p.pk]
    assert proposals_transition(ids=[p.pk], to="checked") == []
    p.refresh_from_db()
    assert p.status == "checked"
    assert AuditEntry.objects.filter(event="proposal.checked").count() == before + 1


def test_an_account_with_an_open_proposal_gets_no_second_one_on_a_later_day(scoped):
    b = book(scoped)
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    for sec, close in ((b["stock"], 100), (b["bond"], 50)):
        pm.Price.objects.create(firm=scoped, security=sec, date=date(2026, 11, 25), close=close)
    run = drift_scan_run(firm_id=scoped.pk, as_of=date(2026, 11, 25))
    assert run.counts["already_proposed"] == 1 and Proposal.objects.count() == 1
