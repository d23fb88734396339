"""Inputs that answered 500 become a 400, a 404
or a form error, each at its root: NUL anywhere in a query string (middleware), ids beyond
bigint in page URLs, NaN / nested JSON in drift class overrides, a routing window of
2,147,483,647 hours (bounded; and routing survives one stored anyway), a threshold review
before the market calendar's first day."""

from datetime import timedelta

import pytest
from django.urls import reverse

from approvals.models import RoutingRule
from approvals.selectors import routing_rules_get
from approvals.services import approvals_start
from drift.models import DriftRule, Proposal
from firms.services.tenancy import firm_scope
from tests.approvals.helpers import NOW, checked, route_emails_to

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/book/prices/", {"symbol": "a\x00b"}),
        ("/api/approvals/approvals/", {"status": "\x00"}),
        ("/admin/portfolios/account/", {"registration__exact": "a\x00b"}),
        ("/admin/drift/proposal/", {"q": "\x00"}),
        ("/book/", {"q\x00": "x"}),
    ],
)
def test_nul_in_a_query_string_is_a_400_for_pages_api_and_admin(login, members_a, path, params):
    response = login(members_a["firm_admin"]).get(path, params)
    assert response.status_code == 400
    assert b"NUL" in response.content
    assert (
        "default-src 'self'" in response["Content-Security-Policy"]
    )  # refused inside the security headers


@pytest.mark.parametrize(
    "name",
    [
        "drift:account",
        "drift:proposal",
        "drift:rule_edit",
        "approvals:approval",
        "compliance:review",
        "approvals:rule_edit",
        "compliance:rule_edit",
    ],
)
@pytest.mark.parametrize("pk", [2**63, 10**30])
def test_an_id_beyond_bigint_in_a_page_url_is_a_404(login, members_a, name, pk):
    assert login(members_a["firm_admin"]).get(reverse(name, args=[pk])).status_code == 404


@pytest.mark.parametrize(
    "band, message",
    [
        ("NaN", "Enter a number"),
        ("Infinity", "Enter a number"),
        ("1E+999999", "no more than 7 digits"),
        ("0", "above 0 and at most 100"),
        ("100.5", "above 0 and at most 100"),
        ("ten", "Enter a number"),
    ],
)
def test_bad_class_bands_are_a_form_error(login, members_a, firm_a, band, message):
    response = login(members_a["firm_admin"]).post(
        reverse("drift:rule_new"),
        {
            "name": "Odd",
            "segment": "growth_income",
            "threshold_pp": "5",
            "band_alternatives": band,
            "rebalance_to": "target",
            "min_trade_value": "100",
            "cash_floor_pct": "1",
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    with firm_scope(firm_a):
        assert not DriftRule.objects.filter(name="Odd").exists()


def test_a_second_default_drift_rule_is_a_form_error_not_an_integrity_error(
    login, members_a, firm_a
):
    from drift.services.rules import drift_rules_ensure_defaults

    with firm_scope(firm_a):
        drift_rules_ensure_defaults(firm_id=firm_a.pk)
    response = login(members_a["firm_admin"]).post(
        reverse("drift:rule_new"),
        {
            "name": "Another default",
            "segment": "",
            "threshold_pp": "5",
            "class_overrides": "{}",
            "rebalance_to": "target",
            "min_trade_value": "100",
            "cash_floor_pct": "1",
        },
    )
    assert response.status_code == 200
    assert "The firm already has a default rule" in response.content.decode()


@pytest.mark.parametrize(
    "amount, unit, ok",
    [
        ("2147483647", "hours", False),
        ("2161", "hours", False),
        ("2160", "hours", True),
        ("61", "business_days", False),
        ("60", "business_days", True),
        ("0", "hours", False),
    ],
)
def test_the_routing_window_is_bounded_on_the_rules_page(
    login, members_a, firm_a, amount, unit, ok
):
    with firm_scope(firm_a):
        rule = routing_rules_get(firm_id=firm_a.pk)[0]
    response = login(members_a["firm_admin"]).post(
        reverse("approvals:rule_edit", args=[rule.pk]),
        {
            "name": rule.name,
            "kind": rule.kind,
            "min_value": rule.min_value or "",
            "max_value": rule.max_value or "",
            "steps": list(rule.steps),
            "window_amount": amount,
            "window_unit": unit,
        },
    )
    assert (response.status_code == 302) is ok, response.content.decode()[-600:]
    if not ok:
        assert "A window must be from 1 to" in response.content.decode()


def test_a_routing_rule_with_an_overflowing_window_stored_anyway_does_not_stop_the_firms_routing(
    firm_a, monkeypatch
):
    """Two proposals in different tiers: the one whose tier's window overflows stays checked
    (logged), the other is routed."""
    monkeypatch.setattr("approvals.services.notify._deliver", lambda **kw: None)
    route_emails_to(monkeypatch, lambda **kw: None)
    _, ids = checked(firm_a, n=2)
    with firm_scope(firm_a):
        routing_rules_get(firm_id=firm_a.pk)
        first, second = Proposal.objects.filter(pk__in=ids).order_by("pk")
        Proposal.objects.filter(pk=first.pk).update(total_value=50_000)
        Proposal.objects.filter(pk=second.pk).update(total_value=5_000_000)
        bad = next(
            r
            for r in RoutingRule.objects.filter(kind="value")
            if r.max_value and r.max_value >= 50_000 >= (r.min_value or 0)
        )
        RoutingRule.objects.filter(pk=bad.pk).update(
            window_amount=2_147_483_647, window_unit="hours"
        )
        routed = approvals_start(firm_id=firm_a.pk, now=NOW)
        assert routed == [second.pk]
        assert Proposal.objects.get(pk=first.pk).status == "checked"


def test_a_threshold_review_before_the_calendars_first_day_is_a_form_error(login, members_a):
    from portfolios.calc.market_calendar import CALENDAR_START

    response = login(members_a["compliance_officer"]).get(
        reverse("reporting:threshold_review"),
        {
            "segment": "growth",
            "thresholds": "3, 5",
            "start": (CALENDAR_START - timedelta(days=30)).isoformat(),
            "end": (CALENDAR_START + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "The market calendar starts on" in response.content.decode()


@pytest.mark.parametrize("param", ["account", "security"])
@pytest.mark.parametrize("value", ["NaN", "a\u00a0b", "1E+999999", str(2**63)])
def test_an_admin_add_page_with_a_bad_initial_value_in_the_query_answers_without_a_500(
    login, members_a, param, value
):
    response = login(members_a["firm_admin"]).get("/admin/portfolios/position/add/", {param: value})
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("path", ["/admin/portfolios/price/", "/admin/portfolios/transaction/"])
@pytest.mark.parametrize("value", [str(2**63), "9" * 40, "x"])
def test_an_absurd_date_hierarchy_year_in_the_admin_is_the_admins_bad_filter_answer(
    login, members_a, path, value
):
    """Found by the fuzz pass (RELIABILITY=1): `?date__year=2**63` raised OverflowError."""
    response = login(members_a["firm_admin"]).get(path, {"date__year": value})
    assert response.status_code == 302 and response["Location"] == f"{path}?e=1"


def test_a_real_date_hierarchy_year_still_filters(login, members_a):
    assert (
        login(members_a["firm_admin"])
        .get("/admin/portfolios/price/", {"date__year": "2024"})
        .status_code
        == 200
    )


@pytest.mark.parametrize("value", ["1E+999999", "NaN", "[[[[1]]]]"])
def test_an_admin_add_form_with_an_unreadable_autocomplete_value_is_shown_again_with_an_error(
    login, members_a, value
):
    """Found by the fuzz pass once it followed the admin's forms: Django's autocomplete widget
    looked the bad value up while re-showing the form (ValueError, a 500)."""
    response = login(members_a["firm_admin"]).post(
        "/admin/portfolios/price/add/", {"security": value, "date": "2024-01-02", "close": "1"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_a_second_per_firm_row_in_the_admin_is_a_form_error_not_an_integrity_error(
    login, members_a, firm_a
):
    """A control table a firm admin writes in the admin (drift rules have their own page and are
    read-only there): a second one-per-firm settings row is a form error, not a 500."""
    from notifications.models import NotificationSettings

    with firm_scope(firm_a):
        NotificationSettings.objects.create(firm=firm_a)
    client = login(members_a["firm_admin"])
    response = client.post(
        "/admin/notifications/notificationsettings/add/", {"advisors_may_edit_templates": "on"}
    )
    assert response.status_code == 200
    assert (
        "notification_settings_one_per_firm" in response.content.decode()
        or "already" in response.content.decode()
    )
    with firm_scope(firm_a):
        assert NotificationSettings.objects.count() == 1


def test_deeply_nested_json_in_an_admin_json_field_is_a_form_error(login, members_a, firm_a):
    from compliance.services.rules import compliance_rules_ensure_defaults
    from drift.models import ComplianceRule

    with firm_scope(firm_a):
        compliance_rules_ensure_defaults(firm_id=firm_a.pk)
        rule = ComplianceRule.objects.get(kind="liquidity")
    response = login(members_a["firm_admin"]).post(
        f"/admin/drift/compliancerule/{rule.pk}/change/",
        {
            "kind": "liquidity",
            "severity": "block",
            "enabled": "on",
            "params": "[" * 5000 + "]" * 5000,
        },
    )
    assert response.status_code in (200, 403)  # 403 if the admin makes control tables read-only
    if response.status_code == 200:
        assert "nested too deeply" in response.content.decode()
