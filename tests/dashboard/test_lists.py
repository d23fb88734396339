"""The shared lists (core.lists): search, sort, filters, totals, pagination that keeps them, a
CSV export of exactly what is filtered with formula-like cells neutralised, and query counts
that do not grow with the rows."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.lists import IDS_MAX
from firms.services.tenancy import firm_scope
from portfolios.models import Account, Client
from tests.factories import make_book

from .worlds import routed, traded

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


@pytest.fixture
def book(firm_a, members_a):
    with firm_scope(firm_a):
        b = make_book(firm_a, accounts=4, advisor=members_a["advisor"])
        names = ["Ann Lee", "Bob Stone", "Cara Lee", '=HYPERLINK("http://evil.test")']
        for account, name in zip(b["accounts"], names, strict=True):
            Client.objects.filter(pk=account.client_id).update(name=name)
        Account.objects.filter(pk=b["accounts"][3].pk).update(segment="conservative")
    return b


def test_search_matches_account_number_and_client_name(login, members_a, book):
    client = login(members_a["advisor"])
    body = client.get(reverse("portfolios:accounts"), {"q": "lee"}).content.decode()
    assert "Ann Lee" in body and "Cara Lee" in body and "Bob Stone" not in body
    number = book["accounts"][1].number
    body = client.get(reverse("portfolios:accounts"), {"q": number}).content.decode()
    assert "Bob Stone" in body and "Ann Lee" not in body


def test_sort_by_a_whitelisted_column_both_ways_and_a_bad_sort_is_named(login, members_a, book):
    client = login(members_a["advisor"])
    rows = _rows(client.get(reverse("portfolios:accounts"), {"sort": "-client", "export": "csv"}))
    names = [r[1] for r in rows[1:]]
    assert names == ["Cara Lee", "Bob Stone", "Ann Lee", '\'=HYPERLINK("http://evil.test")']
    rows = _rows(client.get(reverse("portfolios:accounts"), {"sort": "client", "export": "csv"}))
    assert [r[1] for r in rows[1:]][:3] == [
        '\'=HYPERLINK("http://evil.test")',
        "Ann Lee",
        "Bob Stone",
    ]
    page = client.get(reverse("portfolios:accounts"), {"sort": "client__user__password"})
    body = page.content.decode()
    assert page.status_code == 200 and "is not a column of this list" in body
    # the header of the sorted column links to the other direction and says how it is sorted
    body = client.get(reverse("portfolios:accounts"), {"sort": "client"}).content.decode()
    assert 'aria-sort="ascending"' in body and "sort=-client" in body


def test_filters_and_pagination_keep_each_other(login, members_a, book):
    client = login(members_a["advisor"])
    body = client.get(reverse("portfolios:accounts"), {"segment": "conservative"}).content.decode()
    assert "HYPERLINK" in body and "Ann Lee" not in body and "1 row matches the filters" in body
    bad = client.get(reverse("portfolios:accounts"), {"segment": "nope", "from": "x"})
    assert "Segment: “nope” is not one of the choices" in bad.content.decode()


def test_pager_links_keep_search_filters_and_sort(login, firm_a, members_a):
    with firm_scope(firm_a):
        make_book(firm_a, accounts=55, advisor=members_a["advisor"])
    body = (
        login(members_a["advisor"])
        .get(
            reverse("portfolios:accounts"), {"q": "client", "sort": "-number", "segment": "growth"}
        )
        .content.decode()
    )
    assert "Page 1 of 2" in body
    assert "?q=client&amp;segment=growth&amp;sort=-number&amp;page=2" in body


def test_the_csv_export_is_exactly_the_filtered_rows_with_formulas_neutralised(
    login, members_a, book
):
    client = login(members_a["advisor"])
    rows = _rows(client.get(reverse("portfolios:accounts"), {"q": "lee", "export": "csv"}))
    assert rows[0][:2] == ["Account", "Client"]
    assert sorted(r[1] for r in rows[1:]) == ["Ann Lee", "Cara Lee"]
    rows = _rows(
        client.get(reverse("portfolios:accounts"), {"segment": "conservative", "export": "csv"})
    )
    assert len(rows) == 2 and rows[1][1] == '\'=HYPERLINK("http://evil.test")'
    cells = [c for r in rows for c in r]
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)


def test_every_list_exports_csv_and_shows_nothing_of_another_firm(
    login, firm_a, firm_b, members_a, members_b
):
    routed(firm_b, members_b["advisor"], 2)
    with firm_scope(firm_b):
        numbers = list(Account.objects.values_list("number", flat=True))
        Client.objects.update(name="BRAVO-X")  # a marker no firm A row carries
    routed(firm_a, members_a["advisor"], 1)
    client = login(members_a["firm_admin"])
    for name in LISTS:
        for params in ({}, {"export": "csv"}):
            response = client.get(reverse(name), params)
            assert response.status_code == 200, name
            assert b"BRAVO-X" not in response.content, name
            assert not any(n.encode() in response.content for n in numbers), name


LISTS = (
    "portfolios:accounts",
    "drift:drifted",
    "dashboard:proposals",
    "approvals:list",
    "compliance:queue",
    "trading:orders",
)


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("name", LISTS)
def test_each_list_runs_the_same_number_of_queries_for_5_and_50_rows(
    name, login, firm_a, firm_b, members_a, members_b
):
    """Firm A holds 5 rows of the list, firm B 50 (25 for orders: two orders an account)."""
    counts = []
    for firm, members, n in ((firm_a, members_a, 5), (firm_b, members_b, 50)):
        if name == "trading:orders":
            traded(firm, n // 2 if n > 5 else 3)
        else:
            routed(firm, members["advisor"], n)
        if name == "compliance:queue":
            with firm_scope(firm):
                from compliance.models import ComplianceReview

                ComplianceReview.objects.update(status="flagged")
        client = login(members["firm_admin"])
        shown = client.get(reverse(name), {"all": "1", "status": ""}).content.decode()
        assert shown.count("<tr>") >= min(n, 5), name
        counts.append(
            _queries(client, reverse(name), {"all": "1", "status": "", "sort": "-number"})
        )
    assert counts[0] == counts[1], f"{name}: {counts[0]} queries for 5 rows, {counts[1]} for 50"


def test_a_bulk_form_takes_at_most_ids_max_ids():
    from django.test import RequestFactory

    from core.lists import selected_ids

    request = RequestFactory().post(
        "/", {"ids": [str(i) for i in range(IDS_MAX + 10)] + ["x", "1"]}
    )
    assert selected_ids(request) == list(range(IDS_MAX))


def test_the_proposals_list_filters_by_several_statuses_and_the_status_date(
    login, firm_a, members_a
):
    from drift.models import Proposal

    _book, approvals = routed(firm_a, members_a["advisor"], 3)
    with firm_scope(firm_a):
        Proposal.objects.filter(pk=approvals[0].proposal_id).update(status="blocked")
        Proposal.objects.filter(pk=approvals[1].proposal_id).update(
            status="flagged", trade_value="99999.00"
        )
    client = login(members_a["advisor"])
    url = reverse("dashboard:proposals")
    rows = _rows(client.get(url, {"status": ["blocked", "flagged"], "export": "csv"}))
    assert sorted(r[4] for r in rows[1:]) == [
        "Blocked by compliance",
        "Flagged for compliance review",
    ]
    rows = _rows(client.get(url, {"sort": "-trades", "export": "csv"}))
    assert rows[1][6] == "99999.00"  # largest trade value first; a number stays a number
    assert len(_rows(client.get(url, {"since": "2999-01-01", "export": "csv"}))) == 1
    body = client.get(url, {"status": "awaiting_approval"}).content.decode()
    assert "1 row matches the filters" in body


def test_decided_approvals_are_listed_and_link_to_their_page(login, firm_a, members_a):
    from approvals.models import Approval

    _book, approvals = routed(firm_a, members_a["advisor"], 2)
    with firm_scope(firm_a):
        Approval.objects.filter(pk=approvals[0].pk).update(status="declined")
    client = login(members_a["advisor"])
    body = client.get(reverse("approvals:list"), {"status": "declined"}).content.decode()
    assert reverse("approvals:approval", args=[approvals[0].pk]) in body
    assert reverse("approvals:approval", args=[approvals[1].pk]) not in body
    rows = _rows(
        client.get(
            reverse("approvals:list"), {"step": "advisor", "status": "pending", "export": "csv"}
        )
    )
    assert len(rows) == 2 and rows[1][4] == "Advisor pre-approval"


def test_the_orders_list_searches_by_symbol_filters_by_side_and_totals_fees(
    login, firm_a, members_a
):
    traded(firm_a, 2)
    client = login(members_a["firm_admin"])
    url = reverse("trading:orders")
    rows = _rows(client.get(url, {"q": "VTI", "export": "csv"}))
    assert len(rows) == 3 and {r[3] for r in rows[1:]} == {"VTI"}
    rows = _rows(client.get(url, {"side": "sell", "export": "csv"}))
    assert {r[4] for r in rows[1:]} == {"Sell"}
    body = client.get(url).content.decode()
    assert "Total: 4 orders" in body
