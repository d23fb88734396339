"""The set-up pages: plain forms (no JSON on screen) for the roles allowed to change them,
GET and POST, another firm's rows never shown, list pages at a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from approvals.models import RoutingRule
from drift.models import AccountDriftSettings, ComplianceRule, DriftRule
from firms.choices import Role
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from portfolios.importer import book_import
from tests.setup.helpers import sample_files, seeded, with_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm(firm_a):
    return with_book(seeded(firm_a))


def _event(firm, event) -> int:
    with firm_scope(firm):
        return AuditEntry.objects.filter(event=event).count()


def test_custodians_page_lists_adds_and_edits(login, firm, firm_b, members_a, members_b):
    seeded(firm_b)
    with firm_scope(firm_b):
        pm.Custodian.objects.create(firm=firm_b, code="bravo-only", name="Bravo's own")
    ops = login(members_a[Role.OPS])
    page = ops.get(reverse("portfolios:custodians")).content.decode()
    assert "simulated" in page and "bravo-only" not in page
    response = ops.post(
        reverse("portfolios:custodians"),
        {
            "code": "Fidelity",
            "name": "Fidelity",
            "fee_per_trade": "0",
            "fee_bps": "0",
            "spread_bps": "2",
        },
    )
    assert response.status_code == 302
    with firm_scope(firm):
        fidelity = pm.Custodian.objects.get(code="fidelity")
    assert _event(firm, "custodian.created") == 1
    again = ops.post(
        reverse("portfolios:custodians"),
        {
            "code": "fidelity",
            "name": "Again",
            "fee_per_trade": "0",
            "fee_bps": "0",
            "spread_bps": "2",
        },
    )
    assert "Another custodian has that code" in again.content.decode()
    edit = reverse("portfolios:custodian_edit", args=[fidelity.pk])
    assert (
        ops.post(
            edit,
            {
                "code": "fidelity",
                "name": "Fidelity Inv.",
                "fee_per_trade": "1",
                "fee_bps": "0",
                "spread_bps": "-2",
            },
        ).status_code
        == 200
    )  # a negative spread is a form error
    advisor = login(members_a[Role.ADVISOR])
    assert advisor.get(reverse("portfolios:custodians")).status_code == 200  # reads
    assert (
        advisor.post(reverse("portfolios:custodians"), {"code": "x", "name": "x"}).status_code
        == 403
    )


def test_the_drift_rule_form_has_a_field_per_asset_class_and_no_json(login, firm, members_a):
    admin = login(members_a[Role.FIRM_ADMIN])
    form = admin.get(reverse("drift:rule_new")).content.decode()
    assert 'name="band_alternatives"' in form and "class_overrides" not in form
    assert "<textarea" not in form
    response = admin.post(
        reverse("drift:rule_new"),
        {
            "name": "HNW",
            "segment": "high_net_worth",
            "threshold_pp": "4",
            "rebalance_to": "target",
            "min_trade_value": "100",
            "cash_floor_pct": "1",
            "band_alternatives": "9",
            "band_cash": "2.5",
        },
    )
    assert response.status_code == 302
    with firm_scope(firm):
        assert DriftRule.objects.get(name="HNW").class_overrides == {
            "alternatives": "9",
            "cash": "2.5",
        }
    bad = admin.post(
        reverse("drift:rule_new"),
        {
            "name": "Odd",
            "segment": "institutional",
            "threshold_pp": "4",
            "rebalance_to": "target",
            "min_trade_value": "100",
            "cash_floor_pct": "1",
            "band_alternatives": "NaN",
            "band_cash": "0",
        },
    ).content.decode()
    assert "Enter a number" in bad and "above 0 and at most 100" in bad
    with firm_scope(firm):
        assert not DriftRule.objects.filter(name="Odd").exists()
    # Firm-wide rules: the administrator and the committee; an advisor reads them.
    advisor = login(members_a[Role.ADVISOR])
    assert advisor.get(reverse("drift:rules")).status_code == 200
    assert advisor.get(reverse("drift:rule_new")).status_code == 403


def test_the_set_up_list_pages_read_a_constant_number_of_queries(login, firm, members_a):
    admin = login(members_a[Role.FIRM_ADMIN])
    pages = ["drift:rules", "portfolios:custodians", "compliance:substitutes", "compliance:rules"]

    def queries():
        out = {}
        for name in pages:
            with CaptureQueriesContext(connection) as q:
                assert admin.get(reverse(name)).status_code == 200
            out[name] = len(q)
        return out

    def load(files):
        with firm_scope(firm):
            assert book_import(firm=firm, files=files, source="command").ok

    load(
        {
            "account_drift": b"account_number\nS-1001\n",
            "substitutes": b"symbol,substitute\nVTI,ITOT\n",
        }
    )
    one = queries()
    load(sample_files(["custodians", "drift_rules", "account_drift", "substitutes"]))
    assert queries() == one


def test_an_accounts_own_settings_page(login, firm, members_a):
    advisor = members_a[Role.ADVISOR]
    with firm_scope(firm):
        mine = pm.Account.objects.get(number="S-1001")
        mine.advisor = advisor
        mine.save(update_fields=["advisor"])
        theirs = pm.Account.objects.get(number="S-2001")
        growth = DriftRule.objects.get(name="Growth")
    client = login(advisor)
    url = reverse("drift:account_settings", args=[mine.pk])
    assert 'name="never_sell"' in client.get(url).content.decode()
    bad = client.post(url, {"never_sell": "VTI NOPE", "gains_budget_mode": "warn"})
    assert "Unknown symbol(s): NOPE" in bad.content.decode()
    response = client.post(
        url,
        {
            "rule": growth.pk,
            "never_sell": "vti",
            "never_buy": "",
            "gains_budget": "5000",
            "gains_budget_mode": "cap",
            "do_not_trade": "",
        },
    )
    assert response.status_code == 302
    with firm_scope(firm):
        saved = AccountDriftSettings.objects.get(account=mine)
    assert (saved.rule_id, saved.never_sell, saved.gains_budget_mode) == (growth.pk, ["VTI"], "cap")
    assert _event(firm, "drift.account_settings_created") == 1
    other = reverse("drift:account_settings", args=[theirs.pk])
    assert client.post(other, {"gains_budget_mode": "warn"}).status_code == 403


def test_compliance_rules_are_plain_fields(login, firm, members_a):
    officer = login(members_a[Role.COMPLIANCE_OFFICER])
    listing = officer.get(reverse("compliance:rules")).content.decode()
    assert "{&#x27;" not in listing and "{'" not in listing  # no Python dict on screen
    assert "Window (days before and after a loss sale): 30" in listing
    with firm_scope(firm):
        rules = {r.kind: r for r in ComplianceRule.objects.all()}
    url = reverse("compliance:rule_edit", args=[rules["suitability"].pk])
    form = officer.get(url).content.decode()
    assert 'name="growth_min"' in form and "<textarea" not in form
    data = {"severity": "flag", "enabled": "on"}
    for profile, (low, high) in {
        "conservative": (10, 40),
        "moderate": (25, 55),
        "balanced": (40, 70),
        "growth": (50, 90),
        "aggressive": (70, 100),
    }.items():
        data |= {f"{profile}_min": low, f"{profile}_max": high}
    assert officer.post(url, data).status_code == 302
    with firm_scope(firm):
        assert ComplianceRule.objects.get(kind="suitability").params["bands"]["growth"] == [
            "50",
            "90",
        ]
    backwards = officer.post(url, {**data, "growth_min": "95"}).content.decode()
    assert "runs backwards" in backwards
    url = reverse("compliance:rule_edit", args=[rules["concentration"].pk])
    response = officer.post(
        url,
        {
            "severity": "block",
            "enabled": "on",
            "max_pct": "12.5",
            "security_types": ["stock", "bond"],
            "exempt_diversified": "",
        },
    )
    assert response.status_code == 302
    with firm_scope(firm):
        params = ComplianceRule.objects.get(kind="concentration").params
    assert params == {
        "max_pct": "12.5",
        "security_types": ["stock", "bond"],
        "exempt_diversified": False,
    }
    assert login(members_a[Role.ADVISOR]).get(url).status_code == 403


def test_substitutes_page_adds_refuses_and_removes(login, firm, firm_b, members_a):
    seeded(firm_b)
    officer = login(members_a[Role.COMPLIANCE_OFFICER])
    with firm_scope(firm):
        ids = dict(pm.Security.objects.values_list("symbol", "id"))
    url = reverse("compliance:substitutes")
    assert (
        officer.post(
            url, {"security": ids["VTI"], "substitute": ids["ITOT"], "rank": 1}
        ).status_code
        == 302
    )
    wrong = officer.post(url, {"security": ids["VTI"], "substitute": ids["BND"], "rank": 1})
    assert "same asset class" in wrong.content.decode()
    with firm_scope(firm):
        row = pm.Substitute.objects.get()
    assert "ITOT" in officer.get(url).content.decode()
    assert officer.post(reverse("compliance:substitute_delete", args=[row.pk])).status_code == 302
    with firm_scope(firm):
        assert not pm.Substitute.objects.exists()
    assert _event(firm, "compliance.substitute_removed") == 1
    assert login(members_a[Role.ADVISOR]).get(url).status_code == 403


def test_a_new_routing_tier_from_the_rules_page(login, firm, members_a):
    admin = login(members_a[Role.FIRM_ADMIN])
    assert "New tier" in admin.get(reverse("approvals:rules")).content.decode()
    response = admin.post(
        reverse("approvals:rule_new"),
        {
            "name": "Institutional (fast)",
            "kind": "institutional",
            "steps": ["committee"],
            "window_amount": "2",
            "window_unit": "business_days",
        },
    )
    assert response.status_code == 302
    with firm_scope(firm):
        assert RoutingRule.objects.filter(name="Institutional (fast)").exists()
    overlapping = admin.post(
        reverse("approvals:rule_new"),
        {
            "name": "Middle",
            "kind": "value",
            "min_value": "1000",
            "max_value": "2000",
            "steps": ["client"],
            "window_amount": "24",
            "window_unit": "hours",
        },
    )
    assert "overlap" in overlapping.content.decode()
    assert (
        login(members_a[Role.SENIOR_ADVISOR]).get(reverse("approvals:rule_new")).status_code == 403
    )


def test_the_import_page_offers_every_file_and_its_sample(login, firm, members_a):
    client = login(members_a[Role.OPS])
    page = client.get(reverse("portfolios:import")).content.decode()
    for kind in ("securities", "custodians", "drift_rules", "routing_rules", "templates"):
        assert f'name="{kind}"' in page
        assert reverse("portfolios:import_sample", args=[kind]) in page
    sample = client.get(reverse("portfolios:import_sample", args=["drift_rules"]))
    assert sample.status_code == 200
    assert b"".join(sample.streaming_content).startswith(b"name,segment,threshold_pp")
    assert "attachment" in sample["Content-Disposition"]
    assert client.get("/book/import/samples/passwords.csv").status_code == 404
