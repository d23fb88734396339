"""A sale approved at a gain that the day's prices turn into a loss on shares the account
bought within the wash-sale window is not sent: the version is superseded and rebuilt at
today's prices (found by the pipeline simulation, seed 1030: BND bought on 02-10, sold at a
$3.19 loss on 02-18 by a proposal built expecting a $107.62 gain)."""

from datetime import timedelta
from decimal import Decimal

from drift.models import Proposal
from drift.services.scan import drift_scan_run
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from tests.factories import AccountFactory, ClientFactory, make_book
from trading.models import Order

from .helpers import SCAN_DAY, approve, run_batch, set_price


def _book_with_lots(firm, acquired_on, cost_per_share):
    with firm_scope(firm):
        book = make_book(firm, accounts=1, day=SCAN_DAY)
        pm.Account.objects.update(segment="conservative")
        for pos in pm.Position.objects.all():
            pm.TaxLot.objects.create(
                firm=firm,
                account_id=pos.account_id,
                security_id=pos.security_id,
                acquired_on=acquired_on,
                quantity=pos.quantity,
                cost_basis=pos.quantity * Decimal(cost_per_share),
            )
        for sec in (book["stock"], book["bond"]):
            pm.CustodianSecurity.objects.create(
                firm=firm, custodian=book["custodian"], security=sec
            )
        drift_scan_run(firm_id=firm.pk, as_of=SCAN_DAY)
        proposal = Proposal.objects.get()
        assert proposal.trades.get(side="sell").realised_st >= 0  # approved as a sale at a gain
        approve(proposal)
    return book


def test_a_sale_turned_into_a_loss_on_shares_bought_within_the_window_is_rebuilt_not_sent(
    firm_a, firm_b
):
    book = _book_with_lots(
        firm_a, SCAN_DAY - timedelta(days=5), "99.50"
    )  # bought 5 days ago at 99.50
    set_price(
        firm_a, book["stock"], SCAN_DAY + timedelta(days=1), "98"
    )  # -2%: under the 5% consent tolerance
    run_batch(firm_a)
    with firm_scope(firm_a):
        assert Proposal.objects.get().status == "superseded"
        assert not Order.objects.exists()

    other = _book_with_lots(
        firm_b, SCAN_DAY - timedelta(days=400), "40"
    )  # old lots: a gain either way
    set_price(firm_b, other["stock"], SCAN_DAY + timedelta(days=1), "98")
    run_batch(firm_b)
    with firm_scope(firm_b):
        assert Proposal.objects.get().status in ("executed", "partially_executed", "submitted")


def test_a_sale_turned_into_a_loss_while_another_household_account_bought_is_rebuilt(
    firm_a, firm_b
):
    """The household's other account bought the stock 5 days ago: this account's old lot,
    approved at a gain, now at a loss, would wash against that purchase."""
    for firm, household_bought in ((firm_a, True), (firm_b, False)):
        book = _book_with_lots(firm, SCAN_DAY - timedelta(days=400), "99.50")
        with firm_scope(firm):
            seller = Proposal.objects.get().account
            household = pm.Household.objects.create(firm=firm, name="Lee family")
            pm.Client.objects.filter(pk=seller.client_id).update(household=household)
            other = AccountFactory(
                firm=firm,
                client=ClientFactory(firm=firm, household=household),
                custodian=book["custodian"],
                model=seller.model,
                advisor=seller.advisor,
            )
            if household_bought:
                pm.TaxLot.objects.create(
                    firm=firm,
                    account=other,
                    security=book["stock"],
                    acquired_on=SCAN_DAY - timedelta(days=5),
                    quantity=Decimal("10"),
                    cost_basis=Decimal("990"),
                )
        set_price(firm, book["stock"], SCAN_DAY + timedelta(days=1), "98")
        run_batch(firm)
        with firm_scope(firm):
            status = Proposal.objects.get(account=seller).status
            if household_bought:
                assert status == "superseded"
                assert not Order.objects.exists()
            else:
                assert status in ("executed", "partially_executed", "submitted")
