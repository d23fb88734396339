"""Consent freshness has one setting: the tolerances on the approvals settings page
are the ones the batch applies; trading keeps no copy of its own."""

import pytest

from drift.models import Proposal
from firms.services.tenancy import firm_scope
from tests.trading.helpers import TRADE_DAY, approved_book, run_batch, set_price
from trading.models import ConsentRecheck, Order, TradingSettings

pytestmark = pytest.mark.django_db
PAGE = {
    "expiry_policy": "decline",
    "committee_quorum": "2",
    "exception_max_value": "250000",
    "exception_max_turnover_pct": "10",
}


@pytest.fixture(autouse=True)
def full_fills(settings):
    settings.TRADING_SIMULATED = {"seed": 1, "reject_rate": 0.0, "partial_rate": 0.0}


def _save_on_the_page(login, admin, reprice: str, reconsent: str):
    response = login(admin).post(
        "/approvals/settings/",
        {**PAGE, "reprice_tolerance_pct": reprice, "reconsent_tolerance_pct": reconsent},
    )
    assert response.status_code == 302


def test_a_wider_reconsent_tolerance_saved_on_the_approvals_page_lets_the_batch_trade(
    firm_a, members_a, login
):
    book = approved_book(firm_a, 1)
    set_price(firm_a, book["stock"], TRADE_DAY, "107")  # +7%: past the default 5%
    _save_on_the_page(login, members_a["firm_admin"], "8", "10")
    run_batch(firm_a)
    with firm_scope(firm_a):
        assert Proposal.objects.get().status == "executed"
        assert not ConsentRecheck.objects.exists()
        assert not Order.objects.filter(
            note__startswith="Re-priced"
        ).exists()  # 7% < the page's 8% re-price


def test_a_narrower_reconsent_tolerance_saved_on_the_approvals_page_supersedes_the_version(
    firm_a, members_a, login
):
    book = approved_book(firm_a, 1)
    set_price(firm_a, book["stock"], TRADE_DAY, "103")  # +3%: traded under the default 5%
    _save_on_the_page(login, members_a["firm_admin"], "1", "2.5")
    run_batch(firm_a)
    with firm_scope(firm_a):
        assert (
            Proposal.objects.get().status == "superseded"
        )  # rebuilt at today's prices, back to the client
        assert "over 2.500%" in ConsentRecheck.objects.get().reason


def test_trading_keeps_no_copy_of_the_tolerances(firm_a, members_a, login):
    fields = {f.name for f in TradingSettings._meta.get_fields()}
    assert not fields & {"reprice_tolerance_pct", "reconsent_tolerance_pct"}
    with firm_scope(firm_a):
        TradingSettings.objects.create(firm=firm_a)
    admin = (
        login(members_a["firm_admin"])
        .get("/admin/trading/tradingsettings/")
        .content.decode()
        .lower()
    )
    assert "limit pct" in admin and "reprice" not in admin and "reconsent" not in admin
