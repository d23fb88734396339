"""The ops admin is scoped to the operator's firm: lists, filters, FK widgets, autocomplete."""

import pytest
from django.urls import reverse

from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
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
    body = (
        login(members_a["ops"]).get(reverse("admin:portfolios_account_changelist")).content.decode()
    )
    assert a["accounts"][0].number in body and b["accounts"][0].number not in body


def test_the_advisor_list_filter_offers_only_the_firms_members(login, members_a, members_b, books):
    body = (
        login(members_a["ops"]).get(reverse("admin:portfolios_account_changelist")).content.decode()
    )
    assert members_a["advisor"].user.email in body or "A advisor" in body
    assert members_b["advisor"].user.email not in body and "B advisor" not in body


def test_foreign_key_widgets_list_only_the_firms_objects(login, members_a, books):
    a, b = books
    body = (
        login(members_a["ops"])
        .get(reverse("admin:portfolios_account_change", args=[a["accounts"][0].pk]))
        .content.decode()
    )
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
    response = login(members_a["ops"]).get(
        reverse("admin:portfolios_account_change", args=[b["accounts"][0].pk])
    )
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
        {
            "code": "new-cust",
            "name": "New Custodian",
            "fee_per_trade": "1.00",
            "fee_bps": "0",
            "spread_bps": "2",
            "adapter": "simulated",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with firm_scope(firm_a):
        assert Custodian.objects.get(code="new-cust").firm_id == firm_a.pk


def test_ops_see_but_cannot_change_the_firms_security_settings(login, members_a, firm_a, books):
    """Ops could otherwise switch MFA off for the whole firm."""
    client = login(members_a["ops"])
    assert client.get(reverse("admin:firms_firm_change", args=[firm_a.pk])).status_code == 200
    response = client.post(
        reverse("admin:firms_firm_change", args=[firm_a.pk]),
        {"name": "Alpha Advisors", "require_mfa_for_staff": "on", "brand_color": "#1f4e79"},
    )
    assert response.status_code == 403
    with firm_scope(firm_a):
        firm_a.refresh_from_db()
    assert not firm_a.require_mfa_for_staff


def test_a_firm_admin_can_require_mfa_for_their_firm_and_see_no_other_firm(
    login, members_a, firm_a, firm_b, books
):
    client = login(members_a["firm_admin"])
    changelist = client.get(reverse("admin:firms_firm_changelist")).content.decode()
    assert "Alpha Advisors" in changelist and "Bravo Wealth" not in changelist
    assert client.get(reverse("admin:firms_firm_change", args=[firm_b.pk])).status_code == 302
    response = client.post(
        reverse("admin:firms_firm_change", args=[firm_a.pk]),
        {"name": "Alpha Advisors", "require_mfa_for_staff": "on", "brand_color": "#1f4e79"},
    )
    assert response.status_code == 302
    with firm_scope(firm_a):
        firm_a.refresh_from_db()
    assert firm_a.require_mfa_for_staff
    with firm_scope(firm_a):
        entry = AuditEntry.objects.filter(event="admin.changed").last()
    assert entry.payload["model"] == "firms.firm" and entry.payload["changed"] == {
        "require_mfa_for_staff": True
    }


def test_ops_change_no_control_in_the_admin(login, members_a, firm_a, books):
    """The wash-sale rule, identical pairs, widenings and drift bands are
    changed on their own pages (role-checked, audited), never through the admin."""
    from compliance.services.rules import compliance_rules_ensure_defaults
    from drift.models import ComplianceRule, DriftRule
    from drift.services.rules import drift_rules_ensure_defaults
    from portfolios.models import SubstantiallyIdenticalPair

    with firm_scope(firm_a):
        compliance_rules_ensure_defaults(firm_id=firm_a.pk)
        drift_rules_ensure_defaults(firm_id=firm_a.pk)
        wash = ComplianceRule.objects.get(kind="wash_sale")
        pair = SubstantiallyIdenticalPair.objects.create(
            firm=firm_a, security_a=books[0]["stock"], security_b=books[0]["bond"]
        )
        band = DriftRule.objects.order_by("pk").first()
    for role in ("ops", "firm_admin"):
        client = login(members_a[role])
        assert (
            client.post(
                reverse("admin:drift_compliancerule_change", args=[wash.pk]),
                {"kind": "wash_sale", "severity": "block", "params": "{}"},
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse("admin:portfolios_substantiallyidenticalpair_delete", args=[pair.pk]),
                {"post": "yes"},
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse("admin:drift_tolerancewidening_add"),
                {"factor": "5", "start": "2026-01-01", "end": "2099-12-31", "reason": "x"},
            ).status_code
            == 403
        )
        assert (
            client.post(
                reverse("admin:drift_driftrule_change", args=[band.pk]), {"threshold_pp": "25"}
            ).status_code
            == 403
        )
    # The rule moved to drift (the proposal builder reads it); the old admin address leads there.
    old = client.get(f"/admin/compliance/compliancerule/{wash.pk}/change/")
    assert old.status_code == 302
    assert old["Location"] == f"/admin/drift/compliancerule/{wash.pk}/change/"
    with firm_scope(firm_a):
        assert ComplianceRule.objects.get(pk=wash.pk).enabled
        assert SubstantiallyIdenticalPair.objects.filter(pk=pair.pk).exists()
        assert DriftRule.objects.get(pk=band.pk).threshold_pp == band.threshold_pp


def test_a_control_without_a_page_is_changed_by_a_firm_admin_only_and_audited(
    login, members_a, firm_a, books
):
    from drift.models import HarvestRule

    data = {
        "segment": "",
        "enabled": "on",
        "min_loss_pct": "50",
        "min_loss_dollars": "100000",
        "swap_back": "on",
    }
    assert (
        login(members_a["ops"]).post(reverse("admin:drift_harvestrule_add"), data).status_code
        == 403
    )
    assert (
        login(members_a["firm_admin"])
        .post(reverse("admin:drift_harvestrule_add"), data)
        .status_code
        == 302
    )
    with firm_scope(firm_a):
        rule = HarvestRule.objects.get()
        entry = AuditEntry.objects.filter(event="admin.added").last()
    assert entry.object_id == str(rule.pk) and entry.payload["model"] == "drift.harvestrule"
    assert (
        entry.payload["changed"]["min_loss_pct"] == "50"
        and entry.actor_id == members_a["firm_admin"].user_id
    )


def test_ops_edits_of_the_book_are_audited(login, members_a, firm_a, books):
    account = books[0]["accounts"][0]
    response = login(members_a["ops"]).post(
        reverse("admin:portfolios_account_delete", args=[account.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    with firm_scope(firm_a):
        entry = AuditEntry.objects.get(event="admin.deleted")
    assert entry.object_id == str(account.pk) and entry.payload["model"] == "portfolios.account"


def test_monthly_report_records_are_for_those_who_may_list_reports(login, members_a):
    """Ops could read monthly report records in the admin."""
    url = reverse("admin:reporting_monthlyreport_changelist")
    ops = login(members_a["ops"])
    assert ops.get(url).status_code == 403
    assert "monthlyreport" not in ops.get(reverse("admin:index")).content.decode().lower()
    assert login(members_a["firm_admin"]).get(url).status_code == 200
