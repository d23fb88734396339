"""The approvals API: read-only, the caller's firm only, steps included."""

import pytest

from approvals.services import approvals_start
from firms.services.api_tokens import api_token_create
from firms.services.tenancy import firm_scope
from tests.approvals.helpers import NOW, checked

pytestmark = pytest.mark.django_db


def _routed(firm, n):
    """Route `n` checked proposals of `firm`; returns their proposal ids."""
    checked(firm, n=n)
    with firm_scope(firm):
        return approvals_start(firm_id=firm.pk, now=NOW)


def _api(client, membership):
    token = api_token_create(membership.user)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {token}"
    return client


def test_staff_list_their_firms_approvals_with_steps(client, firm_a, firm_b, members_a):
    mine = _routed(firm_a, 2)
    _routed(firm_b, 3)
    data = (
        _api(client, members_a["advisor"])
        .get("/api/approvals/approvals/", {"status": "pending"})
        .json()
    )
    assert sorted(r["proposal"] for r in data["results"]) == sorted(mine)
    # make_book accounts are worth exactly $100,000.00: the middle tier, advisor then client.
    assert [s["role"] for s in data["results"][0]["steps"]] == ["advisor", "client"]


def test_another_firms_approval_is_404_and_nothing_can_be_written(
    client, firm_a, firm_b, members_a
):
    from approvals.models import Approval

    _routed(firm_b, 1)
    with firm_scope(firm_b):
        theirs = Approval.objects.get().pk
    api = _api(client, members_a["firm_admin"])
    assert api.get(f"/api/approvals/approvals/{theirs}/").status_code == 404
    _routed(firm_a, 1)
    with firm_scope(firm_a):
        mine = Approval.objects.get().pk
    assert api.get(f"/api/approvals/approvals/{mine}/").status_code == 200
    assert api.post("/api/approvals/approvals/", {}).status_code == 405
    assert api.patch(f"/api/approvals/approvals/{mine}/", {"status": "approved"}).status_code == 405
