"""Staff pages of the book: role gates, another firm's ids, constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from firms.services.tenancy import firm_scope
from tests.factories import make_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book_a(firm_a, members_a):
    with firm_scope(firm_a):
        return make_book(firm_a, accounts=3, advisor=members_a["advisor"])


@pytest.fixture
def book_b(firm_b, members_b):
    with firm_scope(firm_b):
        return make_book(firm_b, accounts=2, advisor=members_b["advisor"])


def test_the_account_list_shows_the_firms_accounts_only(login, members_a, book_a, book_b):
    response = login(members_a["advisor"]).get(reverse("portfolios:accounts"))
    assert response.status_code == 200
    body = response.content.decode()
    assert all(a.number in body for a in book_a["accounts"])
    assert not any(a.number in body for a in book_b["accounts"])


def test_the_account_page_shows_current_against_target(login, members_a, book_a):
    account = book_a["accounts"][0]
    response = login(members_a["advisor"]).get(reverse("portfolios:account", args=[account.pk]))
    body = response.content.decode()
    # 660 × $100 = $66,000 and 680 × $50 = $34,000 → 66/34 against a 60/40 target.
    assert "66.00%" in body and "60.00%" in body and "34.00%" in body and "40.00%" in body
    assert "$100,000.00" in body and "<svg" in body


def test_another_firms_account_id_answers_404(login, members_a, book_b):
    response = login(members_a["advisor"]).get(
        reverse("portfolios:account", args=[book_b["accounts"][0].pk])
    )
    assert response.status_code == 404


def test_filters_narrow_the_list(login, members_a, book_a):
    with firm_scope(members_a["advisor"].firm_id):
        account = book_a["accounts"][0]
        account.segment = "conservative"
        account.save()
    body = (
        login(members_a["advisor"])
        .get(reverse("portfolios:accounts"), {"segment": "conservative"})
        .content.decode()
    )
    assert account.number in body and book_a["accounts"][1].number not in body


def test_a_client_cannot_open_staff_pages(login, firm_a, book_a):
    from firms.services.members import member_create

    with firm_scope(firm_a):
        client_member = member_create(
            firm=firm_a, email="c@alpha.test", role="client", password="x-long-password-1"
        )
    assert login(client_member).get(reverse("portfolios:accounts")).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, book_a):
    response = client.get(reverse("portfolios:accounts"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_user_without_a_firm_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user(
        username="lost", email="lost@x.test", password="x-long-password-1"
    )
    client.force_login(user)
    assert client.get(reverse("portfolios:accounts")).status_code == 403
    assert client.get(reverse("home")).status_code == 403


def test_the_account_list_runs_a_constant_number_of_queries(login, firm_a, members_a):
    client = login(members_a["advisor"])
    url = reverse("portfolios:accounts")
    with firm_scope(firm_a):
        book = make_book(firm_a, accounts=3, advisor=members_a["advisor"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    from tests.factories import AccountFactory, ClientFactory

    with firm_scope(firm_a):
        for _ in range(40):
            AccountFactory(
                firm=firm_a,
                client=ClientFactory(firm=firm_a),
                custodian=book["custodian"],
                model=book["model"],
                advisor=members_a["advisor"],
            )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_a_client_sees_only_their_own_accounts_in_the_portal(login, firm_a, book_a):
    from firms.services.members import member_create

    mine, other = book_a["accounts"][0], book_a["accounts"][1]
    with firm_scope(firm_a):
        member = member_create(
            firm=firm_a, email="owner@alpha.test", role="client", password="x-long-password-1"
        )
        mine.client.user = member.user
        mine.client.save()
    client = login(member)
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("portal:home")
    body = client.get(reverse("portal:home")).content.decode()
    assert f"Account ending {mine.number[-4:]}" in body and "66.00%" in body
    assert f"Account ending {other.number[-4:]}" not in body


def test_staff_cannot_open_the_client_portal(login, members_a):
    assert login(members_a["advisor"]).get(reverse("portal:home")).status_code == 403
