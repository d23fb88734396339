"""Wash sale at its boundaries: the 61-day window, every account of the client (IRAs too),
households as one, substantially identical pairs, gains and other clients left out."""

import pytest

from compliance.models import CheckResult
from compliance.services.checks import proposals_check
from drift.models import Proposal
from portfolios import models as pm
from portfolios.models import SubstantiallyIdenticalPair
from tests.compliance.helpers import account_for, book, proposal, security, txn
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def wash(p):
    return CheckResult.objects.get(proposal=p, kind="wash_sale")


def check(firm, *proposals):
    return proposals_check(firm_id=firm.pk, proposal_ids=[p.pk for p in proposals])


@pytest.mark.parametrize("days, caught", [(30, True), (31, False), (0, True)])
def test_a_purchase_within_30_days_after_a_loss_sale_is_caught_and_31_days_is_not(
    scoped, days, caught
):
    """`days`: before the trade date (the day after DAY), where the window is counted from."""
    b = book(scoped)
    acct = b["accounts"][0]
    txn(scoped, acct, b["stock"], "sell", days - 1, gain=-500)
    p = proposal(scoped, acct, [(b["stock"], "buy", 10, 100, 0)])
    outcome = check(scoped, p)
    assert wash(p).passed is (not caught)
    assert outcome[p.pk] == ("blocked" if caught else "clear")
    assert Proposal.objects.get(pk=p.pk).status == ("blocked" if caught else "checked")


def test_a_purchase_in_the_clients_ira_after_a_loss_sale_in_the_taxable_account_is_caught(scoped):
    b = book(scoped)
    taxable = b["accounts"][0]
    ira = account_for(
        scoped, b, client=taxable.client, registration="ira", tax_status="tax_advantaged"
    )
    txn(scoped, taxable, b["stock"], "sell", 12, gain=-800)
    p = proposal(scoped, ira, [(b["stock"], "buy", 5, 100, 0)])
    check(scoped, p)
    r = wash(p)
    assert not r.passed and r.severity == "block"
    assert (
        r.figures["matches"][0]["other_account"] == taxable.number
        and r.figures["matches"][0]["days"] == -13
    )  # before the trade date
    assert "Wash sale" in r.message and "800.00" in r.message


def test_another_clients_loss_sale_does_not_count(scoped):
    b = book(scoped)
    stranger = account_for(scoped, b)
    txn(scoped, stranger, b["stock"], "sell", 5, gain=-500)
    p = proposal(scoped, b["accounts"][0], [(b["stock"], "buy", 10, 100, 0)])
    check(scoped, p)
    assert wash(p).passed


def test_a_household_counts_as_one_client(scoped):
    b = book(scoped)
    home = pm.Household.objects.create(firm=scoped, name="Smith household")
    spouse = ClientFactory(firm=scoped, household=home)
    pm.Client.objects.filter(pk=b["accounts"][0].client_id).update(household=home)
    txn(scoped, account_for(scoped, b, client=spouse), b["stock"], "sell", 5, gain=-500)
    p = proposal(scoped, b["accounts"][0], [(b["stock"], "buy", 10, 100, 0)])
    check(scoped, p)
    assert not wash(p).passed


def test_a_gain_sale_is_not_a_wash_sale(scoped):
    b = book(scoped)
    acct = b["accounts"][0]
    txn(scoped, acct, b["stock"], "sell", 5, gain=500)
    txn(scoped, acct, b["stock"], "buy", 5)
    p = proposal(scoped, acct, [(b["stock"], "buy", 10, 100, 0), (b["bond"], "sell", 10, 50, 250)])
    check(scoped, p)
    assert wash(p).passed


def test_selling_at_a_loss_within_30_days_after_a_purchase_is_caught_including_the_ira(scoped):
    b = book(scoped)
    taxable = b["accounts"][0]
    ira = account_for(
        scoped, b, client=taxable.client, registration="roth", tax_status="tax_advantaged"
    )
    txn(scoped, ira, b["stock"], "buy", 29)  # 30 days before the trade date
    p = proposal(scoped, taxable, [(b["stock"], "sell", 10, 100, -300)])
    check(scoped, p)
    assert not wash(p).passed


def test_a_substantially_identical_security_counts_and_an_unpaired_one_does_not(scoped):
    b = book(scoped)
    itot, schb = security(scoped, "ITOT", 110), security(scoped, "SCHB", 60)
    a, z = sorted([b["stock"], itot], key=lambda s: s.pk)
    SubstantiallyIdenticalPair.objects.create(firm=scoped, security_a=a, security_b=z)
    acct = b["accounts"][0]
    txn(scoped, acct, b["stock"], "sell", 10, gain=-400)
    paired = proposal(scoped, acct, [(itot, "buy", 10, 110, 0)])
    other = proposal(scoped, account_for(scoped, b, client=acct.client), [(schb, "buy", 10, 60, 0)])
    check(scoped, paired, other)
    assert not wash(paired).passed and wash(other).passed


def test_a_loss_sale_and_a_purchase_in_two_open_proposals_of_the_same_client_are_both_caught(
    scoped,
):
    b = book(scoped)
    taxable = b["accounts"][0]
    ira = account_for(
        scoped, b, client=taxable.client, registration="ira", tax_status="tax_advantaged"
    )
    seller = proposal(scoped, taxable, [(b["stock"], "sell", 10, 100, -300)])
    buyer = proposal(scoped, ira, [(b["stock"], "buy", 10, 100, 0)])
    check(scoped, seller, buyer)
    assert not wash(seller).passed and not wash(buyer).passed
    match = wash(buyer).figures["matches"][0]
    assert match["other_proposal_id"] == seller.pk and "#" not in wash(buyer).message
    assert match["where"] == "in another proposal of the household"


def test_a_buy_is_suggested_a_substitute_that_is_not_identical_to_the_loss_sale(scoped):
    from portfolios.models import Substitute

    b = book(scoped)
    itot, schb = security(scoped, "ITOT", 110), security(scoped, "SCHB", 60)
    a, z = sorted([b["stock"], itot], key=lambda s: s.pk)
    SubstantiallyIdenticalPair.objects.create(firm=scoped, security_a=a, security_b=z)
    Substitute.objects.create(
        firm=scoped, security=b["stock"], substitute=itot, rank=1
    )  # identical: skipped
    Substitute.objects.create(firm=scoped, security=b["stock"], substitute=schb, rank=2)
    acct = b["accounts"][0]
    txn(scoped, acct, b["stock"], "sell", 3, gain=-400)
    p = proposal(scoped, acct, [(b["stock"], "buy", 10, 100, 0)])
    check(scoped, p)
    s = wash(p).suggestion
    assert s["action"] == "substitute" and s["replace"][0]["substitute_symbol"] == "SCHB"


def test_a_sale_of_unknown_gain_is_a_possible_loss_named_with_its_dates_and_the_window(scoped):
    """An imported sell without realized_gain or cost_basis never passes."""
    b = book(scoped)
    acct = b["accounts"][0]
    txn(scoped, acct, b["stock"], "sell", 3, gain=None)
    p = proposal(scoped, acct, [(b["stock"], "buy", 10, 100, 0)])
    check(scoped, p)
    r = wash(p)
    assert not r.passed
    m = r.figures["matches"][0]
    assert m["gain_unknown"] is True and m["other_date"] == "2026-11-21"
    assert (m["trade_date"], m["window_start"], m["window_end"]) == (
        "2026-11-25",
        "2026-10-26",
        "2026-12-25",
    )
    assert (
        "gain unknown" in r.message
        and "Nov 21, 2026" in r.message
        and "trade date Nov 25, 2026" in r.message
    )
    assert "window Oct 26, 2026 to Dec 25, 2026" in r.message


def test_defer_until_is_the_first_trading_day_after_the_window(scoped):
    """One window around the trade date: a sale on the trade date (Wed 25 Nov) keeps its
    window to Fri 25 Dec, a holiday; the first safe day is Monday 28 Dec (the old "+31 days"
    said Saturday 26 Dec)."""
    b = book(scoped)
    acct = b["accounts"][0]
    txn(scoped, acct, b["stock"], "sell", -1, gain=-500)
    p = proposal(scoped, acct, [(b["stock"], "buy", 10, 100, 0)])
    check(scoped, p)
    s = wash(p).suggestion
    assert s["action"] == "defer" and s["until"] == "2026-12-28" and "Dec 28, 2026" in s["text"]
