"""The rebalancer avoids a wash sale up front when a substitute is on file."""

from decimal import Decimal

import pytest

from compliance.services.checks import proposals_check
from compliance.services.rules import compliance_rules_ensure_defaults
from drift.models import ComplianceRule, Proposal
from drift.services.scan import drift_scan_run
from portfolios import models as pm
from portfolios.models import Substitute
from tests.compliance.helpers import DAY, book, security, txn

pytestmark = pytest.mark.django_db


def scan_with_recent_bnd_loss(firm, days):
    """`days` before DAY; the window counts from the trade date, the trading day after DAY."""
    b = book(firm)
    pm.Account.objects.update(segment="conservative")
    agg = security(firm, "AGG", 25, asset_class="fixed_income", diversified=True)
    Substitute.objects.create(firm=firm, security=b["bond"], substitute=agg)
    txn(firm, b["accounts"][0], b["bond"], "sell", days, gain=-300)
    drift_scan_run(firm_id=firm.pk, as_of=DAY)
    return b, agg, Proposal.objects.get()


def test_the_scan_buys_the_substitute_of_a_security_sold_at_a_loss_30_days_before_trade_date(
    scoped,
):
    b, agg, p = scan_with_recent_bnd_loss(scoped, 29)
    buy = p.trades.get(side="buy")
    assert buy.security == agg and buy.quantity == Decimal(
        "382"
    )  # the same $9,550 as 191 BND at $50
    assert any("wash-sale window" in u["reason"] and u["symbol"] == "BND" for u in p.undone)
    assert proposals_check(firm_id=scoped.pk, proposal_ids=[p.pk]) == {p.pk: "clear"}


def test_outside_the_window_or_with_the_rule_off_the_model_security_is_bought(scoped):
    b, agg, p = scan_with_recent_bnd_loss(scoped, 30)
    assert p.trades.get(side="buy").security == b["bond"]


def test_a_firm_that_switched_the_rule_off_gets_no_substitution(scoped):
    compliance_rules_ensure_defaults(firm_id=scoped.pk)
    ComplianceRule.objects.filter(kind="wash_sale").update(enabled=False)
    b, agg, p = scan_with_recent_bnd_loss(scoped, 5)
    assert p.trades.get(side="buy").security == b["bond"]
