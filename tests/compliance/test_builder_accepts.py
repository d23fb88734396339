"""The proposal builder constructs what compliance accepts. Each case was
blocked or flagged by the checks on the old builder; now the builder avoids it up front (or, with
no substitute on file, says on the proposal why compliance will flag it)."""

from decimal import Decimal

import pytest

from compliance.models import CheckResult
from compliance.services.checks import avoidable_findings, proposals_check
from compliance.services.rules import compliance_rules_ensure_defaults
from drift.models import ComplianceRule, Proposal
from drift.services.scan import drift_scan_run
from portfolios import models as pm
from portfolios.models import SubstantiallyIdenticalPair, Substitute
from tests.compliance.helpers import DAY, account_for, book, security, txn
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def lot(acct, sec, qty, cost):
    pm.TaxLot.objects.create(
        firm_id=acct.firm_id,
        account=acct,
        security=sec,
        acquired_on=DAY.replace(year=2024),
        quantity=Decimal(qty),
        cost_basis=Decimal(cost),
    )


def overweight_vti(b, acct, shares=900):
    """VTI 900 × $100 against a 60% target: the rebalance sells about 96 VTI."""
    pm.Position.objects.filter(account=acct, security=b["stock"]).update(quantity=Decimal(shares))


def scan_and_check(firm):
    drift_scan_run(firm_id=firm.pk, as_of=DAY)
    ids = list(Proposal.objects.values_list("pk", flat=True))
    return proposals_check(firm_id=firm.pk, proposal_ids=ids), ids


def household_of(firm, b, acct):
    home = pm.Household.objects.create(firm=firm, name="Smith household")
    pm.Client.objects.filter(pk=acct.client_id).update(household=home)
    return account_for(firm, b, client=ClientFactory(firm=firm, household=home))


def test_a_loss_sale_days_after_a_household_purchase_sells_gain_lots_only(scoped):
    b = book(scoped)
    taxable = b["accounts"][0]
    overweight_vti(b, taxable)
    lot(taxable, b["stock"], 400, 48000)  # $120 a share: a loss at $100
    lot(taxable, b["stock"], 500, 25000)  # $50 a share: a gain
    ira = account_for(
        scoped, b, client=taxable.client, registration="ira", tax_status="tax_advantaged"
    )
    txn(scoped, ira, b["stock"], "buy", 5)  # the spouse's IRA bought VTI last week
    outcomes, _ = scan_and_check(scoped)
    p = Proposal.objects.get(account=taxable)
    sell = p.trades.get(side="sell", security=b["stock"])
    assert all(entry["gain"] >= 0 for entry in sell.lots)
    assert outcomes[p.pk] == "clear"
    assert avoidable_findings(firm_id=scoped.pk, proposal_ids=[p.pk]) == {}


def test_only_loss_lots_left_the_sale_is_undone_with_the_wash_sale_reason(scoped):
    b = book(scoped)
    taxable = b["accounts"][0]
    overweight_vti(b, taxable)
    lot(taxable, b["stock"], 900, 108000)
    txn(scoped, taxable, b["stock"], "buy", 5)
    _, ids = scan_and_check(scoped)
    p = Proposal.objects.get(account=taxable)
    assert not p.trades.filter(side="sell", security=b["stock"]).exists()
    reason = next(u["reason"] for u in p.undone if u["symbol"] == "VTI" and u["side"] == "sell")
    assert "wash-sale window" in reason and "first safe trade date" in reason
    assert CheckResult.objects.get(proposal=p, kind="wash_sale").passed


def test_a_household_account_buying_what_another_sells_at_a_loss_today_buys_the_substitute(scoped):
    b = book(scoped)
    seller = b["accounts"][0]
    overweight_vti(b, seller)
    lot(seller, b["stock"], 900, 108000)  # all at a loss: the rebalance sale realises one
    buyer = household_of(scoped, b, seller)
    pm.Position.objects.create(
        firm=scoped, account=buyer, security=b["bond"], quantity=Decimal("2000")
    )  # VTI far under target
    itot = security(scoped, "ITOT", 100, asset_class="us_equity", diversified=True)
    Substitute.objects.create(firm=scoped, security=b["stock"], substitute=itot)
    outcomes, ids = scan_and_check(scoped)
    bought = set(
        Proposal.objects.get(account=buyer)
        .trades.filter(side="buy")
        .values_list("security__symbol", flat=True)
    )
    assert "VTI" not in bought and "ITOT" in bought
    assert set(outcomes.values()) == {"clear"}
    assert avoidable_findings(firm_id=scoped.pk, proposal_ids=ids) == {}


def test_with_no_substitute_on_file_the_buy_stays_and_the_proposal_says_why(scoped):
    b = book(scoped)
    acct = b["accounts"][0]
    pm.Position.objects.filter(account=acct, security=b["stock"]).update(
        quantity=Decimal("300")
    )  # VTI under target: a buy
    txn(scoped, acct, b["stock"], "sell", 3, gain=-700)
    outcomes, ids = scan_and_check(scoped)
    p = Proposal.objects.get(account=acct)
    assert p.trades.filter(side="buy", security=b["stock"]).exists()
    assert any("no substitute is on file" in text for text in p.flags["unavoidable"])
    assert outcomes[p.pk] == "blocked"
    assert avoidable_findings(firm_id=scoped.pk, proposal_ids=ids) == {}  # a person must decide


def test_a_harvest_substitute_identical_to_a_household_loss_sale_is_replaced(scoped):
    b = book(scoped)
    acct = b["accounts"][0]
    lot(acct, b["stock"], 660, 79200)  # VTI bought at $120: a harvest
    itot = security(scoped, "ITOT", 100, asset_class="us_equity", diversified=True)
    schb = security(scoped, "SCHB", 50, asset_class="us_equity", diversified=True)
    voo = security(scoped, "VOO", 100, asset_class="us_equity", diversified=True)
    a, z = sorted([itot, schb], key=lambda s: s.pk)
    SubstantiallyIdenticalPair.objects.create(firm=scoped, security_a=a, security_b=z)
    Substitute.objects.create(firm=scoped, security=b["stock"], substitute=itot, rank=1)
    Substitute.objects.create(firm=scoped, security=itot, substitute=voo, rank=1)
    other = household_of(scoped, b, acct)
    pm.Position.objects.filter(account=other).delete()  # sold out: nothing to rebalance there
    txn(
        scoped, other, schb, "sell", 10, gain=-900
    )  # SCHB sold at a loss: buying ITOT would wash it
    outcomes, ids = scan_and_check(scoped)
    p = Proposal.objects.get(account=acct)
    bought = set(p.trades.filter(side="buy").values_list("security__symbol", flat=True))
    assert "ITOT" not in bought and "VOO" in bought
    assert (
        outcomes[p.pk] in ("clear", "flagged")
        and CheckResult.objects.get(proposal=p, kind="wash_sale").passed
    )


def test_the_cash_floor_is_the_firms_liquidity_minimum(scoped):
    b = book(scoped)
    compliance_rules_ensure_defaults(firm_id=scoped.pk)
    ComplianceRule.objects.filter(kind="liquidity").update(
        params={"min_cash_amount": "0.00", "min_cash_pct": "8.00"}
    )
    acct = b["accounts"][0]
    outcomes, _ = scan_and_check(scoped)
    p = Proposal.objects.get(account=acct)
    assert CheckResult.objects.get(proposal=p, kind="liquidity").passed
    assert outcomes[p.pk] == "clear"


def test_a_buy_stops_at_the_single_security_limit(scoped):
    b = book(scoped)
    pm.Security.objects.filter(pk=b["stock"].pk).update(diversified=False, security_type="stock")
    acct = b["accounts"][0]
    pm.Position.objects.filter(account=acct, security=b["stock"]).update(
        quantity=Decimal("20")
    )  # $2k of $46k: under 10%
    outcomes, _ = scan_and_check(scoped)
    p = Proposal.objects.get(account=acct)
    assert CheckResult.objects.get(proposal=p, kind="concentration").passed
    assert any("single-security limit" in u["reason"] for u in p.undone)


def test_a_buy_after_an_imported_sale_of_unknown_gain_buys_the_substitute(scoped):
    """An imported sell without its gain is a possible loss for the builder too."""
    b = book(scoped)
    acct = b["accounts"][0]
    pm.Position.objects.filter(account=acct, security=b["stock"]).update(
        quantity=Decimal("300")
    )  # VTI under target: a buy
    txn(scoped, acct, b["stock"], "sell", 3, gain=None)
    itot = security(scoped, "ITOT", 100, asset_class="us_equity", diversified=True)
    Substitute.objects.create(firm=scoped, security=b["stock"], substitute=itot)
    outcomes, _ = scan_and_check(scoped)
    p = Proposal.objects.get(account=acct)
    bought = set(p.trades.filter(side="buy").values_list("security__symbol", flat=True))
    assert "VTI" not in bought and "ITOT" in bought
    assert outcomes[p.pk] == "clear"
