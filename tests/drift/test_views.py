"""Drift pages and API: constant queries, other firms' ids are 404, forms explain errors."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drift.models import DriftRule, Proposal
from drift.services.scan import drift_scan_run
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from tests.factories import make_book

DAY = date(2026, 11, 24)
pytestmark = pytest.mark.django_db


def scanned(firm, n=1, advisor=None):
    with firm_scope(firm):
        b = make_book(firm, accounts=n, advisor=advisor)
        pm.Account.objects.update(segment="conservative")
        drift_scan_run(firm_id=firm.pk, as_of=DAY)
        return b, list(Proposal.objects.values_list("pk", flat=True))


def test_the_drifted_list_runs_a_constant_number_of_queries(firm_a, members_a, login):
    client = login(members_a["advisor"])
    scanned(firm_a, 5)
    with CaptureQueriesContext(connection) as five:
        response = client.get("/drift/")
    assert response.status_code == 200 and response.content.count(b"breach</span>") == 5
    with firm_scope(firm_a):
        extra = make_book_more(firm_a, 45)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get("/drift/?all=1")
    assert response.content.count(b"breach</span>") == 50
    assert len(five) == len(fifty)
    assert extra == 45


def make_book_more(firm, n):
    from tests.factories import AccountFactory, ClientFactory

    model = pm.ModelPortfolio.objects.get()
    cust = pm.Custodian.objects.get()
    stock, bond = pm.Security.objects.get(symbol="VTI"), pm.Security.objects.get(symbol="BND")
    for _ in range(n):
        acct = AccountFactory(
            firm=firm,
            client=ClientFactory(firm=firm),
            custodian=cust,
            model=model,
            segment="conservative",
        )
        pm.Position.objects.create(firm=firm, account=acct, security=stock, quantity=700)
        pm.Position.objects.create(firm=firm, account=acct, security=bond, quantity=600)
    drift_scan_run(firm_id=firm.pk, as_of=DAY)
    return n


def test_pages_render_for_the_firms_staff(firm_a, members_a, login):
    b, proposals = scanned(firm_a)
    client = login(members_a["advisor"])
    account = b["accounts"][0]
    assert b"conservative" in client.get(f"/drift/accounts/{account.pk}/").content.lower()
    page = client.get(f"/drift/proposals/{proposals[0]}/")
    assert page.status_code == 200 and b"VTI" in page.content and b"<svg" in page.content
    assert client.get("/drift/rules/").status_code == 200
    assert client.get("/drift/models/").status_code == 200
    # Models and firm-wide bands: the committee's and firm administrators' (firms.permissions).
    assert client.get(f"/drift/models/{b['model'].pk}/").status_code == 403
    committee = login(members_a["committee_member"])
    assert committee.get(f"/drift/models/{b['model'].pk}/").status_code == 200


def test_every_page_with_an_id_is_404_for_another_firms_id(
    firm_a, firm_b, members_a, members_b, login
):
    b, proposals = scanned(firm_b)
    with firm_scope(firm_b):
        rule = DriftRule.objects.first()
    client = login(members_a["firm_admin"])
    for url in (
        f"/drift/accounts/{b['accounts'][0].pk}/",
        f"/drift/proposals/{proposals[0]}/",
        f"/drift/rules/{rule.pk}/",
        f"/drift/models/{b['model'].pk}/",
        f"/api/drift/proposals/{proposals[0]}/",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"/drift/accounts/{b['accounts'][0].pk}/cash/", {"kind": "cash_raise", "amount": "10"}
        ).status_code
        == 404
    )


def test_the_api_lists_only_the_callers_firm(firm_a, firm_b, members_a, login):
    scanned(firm_a)
    scanned(firm_b, 2)
    client = login(members_a["advisor"])
    assert client.get("/api/drift/snapshots/").json()["count"] == 1
    data = client.get("/api/drift/proposals/").json()
    assert data["count"] == 1 and data["results"][0]["trades"]


def test_compliance_can_read_but_not_edit_rules(firm_a, members_a, login):
    scanned(firm_a)
    client = login(members_a["compliance_officer"])
    assert client.get("/drift/rules/").status_code == 200
    assert client.get("/drift/rules/new/").status_code == 403


def test_the_rule_form_explains_bad_values(firm_a, members_a, login):
    assert login(members_a["advisor"]).get("/drift/rules/new/").status_code == 403
    client = login(members_a["committee_member"])
    response = client.post(
        "/drift/rules/new/",
        {
            "name": "Odd",
            "threshold_pp": "0",
            "band_alternatives": "-3",
            "rebalance_to": "target",
            "min_trade_value": "100",
            "cash_floor_pct": "1",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count("above 0 and at most 100") == 2  # the band, and the alternatives' band
    response = client.post(
        "/drift/rules/new/",
        {
            "name": "Wide",
            "segment": "high_net_worth",
            "threshold_pp": "8",
            "band_alternatives": "12",
            "rebalance_to": "band_edge",
            "min_trade_value": "250",
            "cash_floor_pct": "2",
            "dollar_threshold": "250000",
        },
    )
    assert response.status_code == 302
    with firm_scope(firm_a):
        assert DriftRule.objects.get(name="Wide").class_overrides == {"alternatives": "12"}
    assert login(members_a["advisor"]).get("/drift/rules/new/").status_code == 403


def test_an_advisor_starts_a_cash_deploy_from_the_account_page(firm_a, members_a, login):
    b, _ = scanned(firm_a, advisor=members_a["advisor"])  # their own account
    client = login(members_a["advisor"])
    response = client.post(
        f"/drift/accounts/{b['accounts'][0].pk}/cash/", {"kind": "cash_deploy", "amount": "5000"}
    )
    assert response.status_code == 302 and "/drift/proposals/" in response["Location"]
