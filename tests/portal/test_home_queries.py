"""The portal home reads a fixed number of queries whatever the number of the client's accounts
(no query per account card)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from firms.models import Membership
from firms.services.tenancy import firm_scope
from portal.services.link_sessions import client_user_ensure
from portfolios import models as pm
from tests.factories import AccountFactory, make_book

pytestmark = pytest.mark.django_db


def test_the_portal_home_runs_a_constant_number_of_queries(firm_a, login):
    with firm_scope(firm_a):
        book = make_book(firm_a, accounts=1)
        account = book["accounts"][0]
        user = client_user_ensure(client=account.client)
    with firm_scope(firm_a):
        membership = Membership.objects.get(user=user)
    client = login(membership)
    with CaptureQueriesContext(connection) as one:
        response = client.get("/portal/")
    assert response.status_code == 200 and response.content.count(b'aria-labelledby="acct-') == 1
    with firm_scope(firm_a):
        for _ in range(4):
            extra = AccountFactory(
                firm=firm_a,
                client=account.client,
                custodian=book["custodian"],
                model=book["model"],
            )
            pm.Position.objects.create(
                firm=firm_a, account=extra, security=book["stock"], quantity=10
            )
    with CaptureQueriesContext(connection) as five:
        response = client.get("/portal/")
    assert response.content.count(b'aria-labelledby="acct-') == 5
    assert len(one) == len(five)
