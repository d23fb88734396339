"""Concentration, liquidity and suitability at their boundaries; outcomes, audit, bulk reads."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.models import CheckResult, ComplianceReview
from compliance.services.checks import proposals_check
from compliance.services.rules import compliance_rules_ensure_defaults
from drift.models import ComplianceRule, Proposal
from firms.models import AuditEntry
from tests.compliance.helpers import account_for, book, proposal, security

pytestmark = pytest.mark.django_db


def result(p, kind):
    return CheckResult.objects.get(proposal=p, kind=kind)


def run(firm, *ps):
    return proposals_check(firm_id=firm.pk, proposal_ids=[p.pk for p in ps])


def set_params(kind, **params):
    compliance_rules_ensure_defaults(firm_id=_firm())
    rule = ComplianceRule.objects.get(kind=kind)
    rule.params = {**rule.params, **params}
    rule.save()


def _firm():
    from django_scopes import get_scope

    return get_scope()["firm"]


@pytest.fixture
def one(scoped):
    """An account of $10,000 cash (and the book around it)."""
    b = book(scoped)
    return b, account_for(scoped, b)


@pytest.mark.parametrize("qty, passed", [(1000, True), (1001, False)])
def test_concentration_exactly_10_percent_passes_and_10_01_fails(scoped, one, qty, passed):
    b, acct = one
    stk = security(scoped, "STK", 1, security_type="stock")
    p = proposal(scoped, acct, [(stk, "buy", qty, 1, 0)])
    run(scoped, p)
    r = result(p, "concentration")
    assert r.passed is passed
    if not passed:
        assert r.figures["over"][0] == {
            "symbol": "STK",
            "weight_pct": "10.01",
            "value": "1001.00",
            "account_total": "10000.00",
            "limit_pct": "10.00",
        }
        assert r.suggestion["caps"][0]["max_quantity"] == "1000" and r.severity == "flag"


def test_a_diversified_fund_at_40_percent_passes_by_default_and_an_undiversified_one_does_not(
    scoped, one
):
    b, acct = one
    fund = security(scoped, "DIV", 1, diversified=True)
    narrow = security(
        scoped, "NAR", 1, diversified=False
    )  # an ETF the book marks as not diversified
    p1 = proposal(scoped, acct, [(fund, "buy", 4000, 1, 0)])
    p2 = proposal(scoped, account_for(scoped, b), [(narrow, "buy", 4000, 1, 0)])
    run(scoped, p1, p2)
    assert result(p1, "concentration").passed and not result(p2, "concentration").passed


def test_which_security_types_concentration_applies_to_is_the_firms_choice(scoped, one):
    b, acct = one
    set_params("concentration", security_types=["stock"], exempt_diversified=False)
    etf, fund = (
        security(scoped, "NAR", 1),
        security(scoped, "DIV", 1, diversified=True, security_type="stock"),
    )
    p1 = proposal(scoped, acct, [(etf, "buy", 4000, 1, 0)])
    p2 = proposal(scoped, account_for(scoped, b), [(fund, "buy", 4000, 1, 0)])
    run(scoped, p1, p2)
    assert result(p1, "concentration").passed and not result(p2, "concentration").passed


@pytest.mark.parametrize("spend, passed", [(9950, True), (9951, False)])
def test_liquidity_keeps_the_minimum_cash_share_and_blocks_below_it(scoped, one, spend, passed):
    b, acct = one
    div = security(scoped, "DIV", 1, diversified=True)
    p = proposal(scoped, acct, [(div, "buy", spend, 1, 0)])
    outcome = run(scoped, p)
    r = result(p, "liquidity")
    assert r.passed is passed
    if not passed:
        assert (
            outcome[p.pk] == "blocked"
            and r.figures["cash_after"] == "49.00"
            and r.figures["shortfall"] == "1.00"
        )
        assert r.suggestion["action"] == "scale_buys" and Decimal(r.suggestion["factor"]) < 1


def test_liquidity_minimum_amount_counts_the_estimated_costs(scoped, one):
    b, acct = one
    set_params("liquidity", min_cash_amount="1000.00")
    div = security(scoped, "DIV", 1, diversified=True)
    ok = proposal(scoped, acct, [(div, "buy", 8990, 1, 0)], est_costs="10")
    short = proposal(scoped, account_for(scoped, b), [(div, "buy", 8990, 1, 0)], est_costs="10.01")
    run(scoped, ok, short)
    assert result(ok, "liquidity").passed and not result(short, "liquidity").passed


@pytest.mark.parametrize("kind, passed", [("cash_deploy", True), ("full", False)])
def test_liquidity_counts_a_cash_deploys_new_money(scoped, one, kind, passed):
    """$10,000 cash held; a deploy of $5,000 new money buys $14,000: $1,000 (6.67%) stays."""
    b, acct = one
    div = security(scoped, "DIV", 1, diversified=True)
    p = proposal(
        scoped,
        acct,
        [(div, "buy", 14000, 1, 0)],
        kind=kind,
        cash_amount="5000" if kind == "cash_deploy" else "0",
    )
    run(scoped, p)
    r = result(p, "liquidity")
    assert r.passed is passed
    if not passed:  # the same buys without the deposit would overdraw the account
        assert r.figures["cash_after"] == "-4000.00"


@pytest.mark.parametrize(
    "spend, passed", [(3999, False), (4000, True), (7000, True), (7001, False)]
)
def test_suitability_equity_share_inside_the_balanced_band_40_to_70(scoped, one, spend, passed):
    b, acct = one
    div = security(scoped, "DIV", 1, diversified=True)
    p = proposal(scoped, acct, [(div, "buy", spend, 1, 0)])
    run(scoped, p)
    r = result(p, "suitability")
    assert r.passed is passed
    if not passed:
        assert r.figures["band"] == ["40", "70"] and r.figures["risk_profile"] == "balanced"
        assert r.figures["equity_pct"] == ("39.99" if spend < 5000 else "70.01")


@pytest.mark.parametrize("eligible", [False, True])
def test_alternatives_are_bought_only_for_eligible_clients(scoped, one, eligible):
    b, acct = one
    acct.client.alternatives_eligible = eligible
    acct.client.save()
    eq = security(scoped, "DIV", 1, diversified=True)
    alt = security(
        scoped, "ALT", 1, asset_class="alternatives", security_type="alternative", diversified=True
    )
    p = proposal(scoped, acct, [(eq, "buy", 5000, 1, 0), (alt, "buy", 500, 1, 0)])
    run(scoped, p)
    r = result(p, "suitability")
    assert r.passed is eligible
    if not eligible:
        assert r.figures["alternatives_bought"] == ["ALT"] and "not marked eligible" in r.message


def test_outcomes_move_proposals_and_are_audited_once_per_batch(scoped, one):
    b, acct = one
    div, stk = (
        security(scoped, "DIV", 1, diversified=True),
        security(scoped, "STK", 1, security_type="stock"),
    )
    clear = proposal(scoped, acct, [(div, "buy", 5000, 1, 0)])
    flagged = proposal(
        scoped, account_for(scoped, b), [(div, "buy", 3000, 1, 0), (stk, "buy", 2000, 1, 0)]
    )
    blocked = proposal(scoped, account_for(scoped, b), [(div, "buy", 10000, 1, 0)])
    outcome = run(scoped, clear, flagged, blocked)
    assert outcome == {clear.pk: "clear", flagged.pk: "flagged", blocked.pk: "blocked"}
    statuses = dict(Proposal.objects.filter(pk__in=outcome).values_list("pk", "status"))
    assert statuses == {clear.pk: "checked", flagged.pk: "flagged", blocked.pk: "blocked"}
    entry = AuditEntry.objects.get(event="compliance.checked")
    assert (
        sorted(entry.payload["ids"]) == sorted(outcome)
        and entry.payload["outcomes"][str(blocked.pk)] == "blocked"
    )
    assert CheckResult.objects.filter(proposal=clear).count() == 4
    assert run(scoped, clear, flagged, blocked) == {}  # a second run claims nothing
    assert AuditEntry.objects.filter(event="compliance.checked").count() == 1


def test_checking_many_proposals_costs_the_same_queries_as_one(scoped, one):
    b, acct = one
    div = security(scoped, "DIV", 1, diversified=True)
    compliance_rules_ensure_defaults(firm_id=scoped.pk)
    single = proposal(scoped, acct, [(div, "buy", 5000, 1, 0)])
    many = [
        proposal(
            scoped,
            account_for(scoped, b),
            [(div, "buy", 5000, 1, 0), (b["stock"], "sell", 1, 100, -5)],
        )
        for _ in range(6)
    ]
    with CaptureQueriesContext(connection) as one_q:
        run(scoped, single)
    with CaptureQueriesContext(connection) as many_q:
        run(scoped, *many)
    assert len(many_q) == len(one_q)
    assert ComplianceReview.objects.count() == 7
