"""Staff see, on every page, that the firm's automated execution is paused."""

import pytest
from django.urls import reverse

from firms.services.tenancy import firm_scope
from trading.choices import PauseScope
from trading.models import ExecutionPause

pytestmark = pytest.mark.django_db


def test_every_staff_page_says_when_execution_is_paused_for_the_firm(
    login, firm_a, firm_b, members_a, members_b
):
    with firm_scope(firm_a):
        pause = ExecutionPause.objects.create(
            firm=firm_a, scope=PauseScope.FIRM, reason="Flash crash review"
        )
    page = login(members_a["advisor"]).get(reverse("portfolios:accounts")).content.decode()
    assert "Automated execution is paused" in page and "Flash crash review" in page
    other_firm = login(members_b["advisor"]).get(reverse("portfolios:accounts")).content.decode()
    assert "Automated execution is paused" not in other_firm
    with firm_scope(firm_a):
        pause.resumed_at = pause.paused_at
        pause.save()
    assert (
        "Automated execution is paused"
        not in login(members_a["advisor"]).get(reverse("portfolios:accounts")).content.decode()
    )


def test_ops_pause_accounts_from_the_admin_account_list(login, firm_a, members_a):
    from tests.factories import make_book
    from trading.models import ExecutionPause

    with firm_scope(firm_a):
        book = make_book(firm_a, accounts=2)
    client = login(members_a["ops"])
    response = client.post(
        reverse("admin:portfolios_account_changelist"),
        {"action": "pause_accounts", "_selected_action": [book["accounts"][0].pk]},
    )
    assert response.status_code == 302
    with firm_scope(firm_a):
        pause = ExecutionPause.objects.get()
        assert (pause.scope, pause.account_id, pause.paused_by_id) == (
            "account",
            book["accounts"][0].pk,
            members_a["ops"].pk,
        )
