"""The book's REST API: token per firm, scoped, documented."""

import pytest

from firms.services.api_tokens import api_token_create
from firms.services.tenancy import firm_scope
from tests.factories import make_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(firm_a, firm_b, members_a, members_b):
    with firm_scope(firm_a):
        a = make_book(firm_a, accounts=2)
    with firm_scope(firm_b):
        b = make_book(firm_b, accounts=3)
    return a, b


def _token_client(client, membership):
    token = api_token_create(membership.user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    return client


def test_a_firm_token_lists_only_that_firms_accounts(client, members_a, books):
    a, b = books
    data = _token_client(client, members_a["ops"]).get("/api/book/accounts/").json()
    assert {r["number"] for r in data["results"]} == {acct.number for acct in a["accounts"]}
    assert data["results"][0]["positions"][0]["quantity"] in ("660.000000", "680.000000")


def test_a_firm_token_gets_404_for_another_firms_account(client, members_a, books):
    _, b = books
    response = _token_client(client, members_a["ops"]).get(
        f"/api/book/accounts/{b['accounts'][0].pk}/"
    )
    assert response.status_code == 404


def test_without_a_token_the_api_refuses(client, books):
    assert client.get("/api/book/accounts/").status_code in (401, 403)


def test_a_bad_date_filter_is_a_clear_400(client, members_a, books):
    response = _token_client(client, members_a["ops"]).get(
        "/api/book/prices/", {"date": "2026-02-30"}
    )
    assert response.status_code == 400 and "is not a date" in response.json()["date"]


def test_the_openapi_schema_is_served(client, members_a):
    response = client.get("/api/schema/")
    assert response.status_code == 200 and b"/api/book/accounts/" in response.content
