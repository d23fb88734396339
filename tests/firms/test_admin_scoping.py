"""The ops admin is scoped to the operator's firm: lists, filters, FK widgets, autocomplete."""
import pytest
from django.urls import reverse

from firms.models import AuditEntry
from firms.tenancy import firm_scope
from tests.factories import make_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(firm_a, firm_b, members_a, members_b):
    with firm_scope(firm_a):
        a = make_book(firm_a, accounts=2, advisor=members_a["advisor"])
    with firm_scope(firm_b):
        b = make_book(firm_b, accounts=2, advisor=members_b["advisor"])
    return a, b


def test_ops_see_only_their_firms_rows_in_the_changelist(login, members_a, books):
    a, b = books
    body = login(members_a["ops"]).get(reverse("admin:portfolios_account_changelist")).content.decode()
    assert a["accounts"][0].number in body and b["accounts"][0].number not in body


def test_the_advisor_list_filter_offers_only_the_firms_members(login, members_a, members_b, books):
    body = login(members_a["ops"]).get(reverse("admin:portfolios_account_changelist")).content.decode()
    assert members_a["advisor"].user.email in body or "A advisor" in body
    assert members_b["advisor"].user.email not in body and "B advisor" not in body


def test_foreign_key_widgets_list_only_the_firms_objects(login, members_a, books):
    a, b = books
    body = login(members_a["ops"]).get(reverse("admin:portfolios_account_change", args=[a["accounts"][0].pk])).content.decode()
    assert f'value="{members_a["advisor"].pk}"' in body
    assert f'value="{members_a["ops"].pk}"' in body
    assert f'value="{b["accounts"][0].advisor_id}"' not in body


def test_autocomplete_answers_only_with_the_firms_objects(login, members_a, books):
    a, b = books
    response = login(members_a["ops"]).get(
        reverse("admin:autocomplete"),
        {"app_label": "portfolios", "model_name": "position", "field_name": "security", "term": ""},
    )
    ids = {int(r["id"]) for r in response.json()["results"]}
    assert ids == {a["stock"].pk, a["bond"].pk}


def test_another_firms_object_is_not_found_in_the_admin(login, members_a, books):
    _, b = books
    response = login(members_a["ops"]).get(reverse("admin:portfolios_account_change", args=[b["accounts"][0].pk]))
    assert response.status_code == 302  # the admin redirects "does not exist" to its index
    assert response["Location"] == reverse("admin:index")


@pytest.mark.parametrize("role", ["advisor", "compliance_officer", "senior_advisor"])
def test_non_ops_roles_cannot_enter_the_admin(login, members_a, role, books):
    response = login(members_a[role]).get(reverse("admin:portfolios_account_changelist"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_saving_in_the_admin_stamps_the_operators_firm(login, members_a, firm_a, books):
    from portfolios.models import Custodian

    response = login(members_a["ops"]).post(
        reverse("admin:portfolios_custodian_add"),
        {"code": "new-cust", "name": "New Custodian", "fee_per_trade": "1.00", "fee_bps": "0",
         "spread_bps": "2", "adapter": "simulated"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with firm_scope(firm_a):
        assert Custodian.objects.get(code="new-cust").firm_id == firm_a.pk


def test_ops_see_but_cannot_change_the_firms_security_settings(login, members_a, firm_a, books):
    """Ops could otherwise switch MFA off for the whole firm (issue 17, item 3)."""
    client = login(members_a["ops"])
    assert client.get(reverse("admin:firms_firm_change", args=[firm_a.pk])).status_code == 200
    response = client.post(reverse("admin:firms_firm_change", args=[firm_a.pk]),
                           {"name": "Alpha Advisors", "require_mfa_for_staff": "on", "brand_color": "#1f4e79"})
    assert response.status_code == 403
    with firm_scope(firm_a):
        firm_a.refresh_from_db()
    assert not firm_a.require_mfa_for_staff


def test_a_firm_admin_can_require_mfa_for_their_firm_and_see_no_other_firm(login, members_a, firm_a, firm_b, books):
    client = login(members_a["firm_admin"])
    changelist = client.get(reverse("admin:firms_firm_changelist")).content.decode()
    assert "Alpha Advisors" in changelist and "Bravo Wealth" not in changelist
    assert client.get(reverse("admin:firms_firm_change", args=[firm_b.pk])).status_code == 302
    response = client.post(reverse("admin:firms_firm_change", args=[firm_a.pk]),
                           {"name": "Alpha Advisors", "require_mfa_for_staff": "on", "brand_color": "#1f4e79"})
    assert response.status_code == 302
    with firm_scope(firm_a):
        firm_a.refresh_from_db()
    assert firm_a.require_mfa_for_staff
    with firm_scope(firm_a):
        entry = AuditEntry.objects.filter(event="admin.changed").last()
    assert entry.payload["model"] == "firms.firm" and entry.payload["changed"] == {"require_mfa_for_staff": True}
