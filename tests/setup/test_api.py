"""The set-up REST endpoints: an allowed role creates, lists and updates (through the same
forms and audited services as the pages); a disallowed role gets 403 and changes nothing;
another firm's token lists nothing of this firm and gets 404 for its ids."""

import pytest

from drift.models import AccountDriftSettings, ComplianceRule, DriftRule
from firms.choices import Role
from firms.models import AuditEntry
from firms.services.api_tokens import api_token_create
from firms.services.tenancy import firm_scope
from notifications.models import NotificationTemplate
from portfolios import models as pm
from portfolios.importer import book_import
from tests.setup.helpers import sample_files, seeded, setup_state, with_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def firm(firm_a):
    return with_book(seeded(firm_a))


def auth(member) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {api_token_create(member.user)}"}


def _audits(firm, event) -> int:
    with firm_scope(firm):
        return AuditEntry.objects.filter(event=event).count()


def _first(firm, model, **filters):
    with firm_scope(firm):
        return model.objects.filter(**filters).order_by("pk").first()


# (list path, allowed role, refused role, body to create or None, object to update, change,
#  audit event of a write)
def _cases(firm):
    return [
        (
            "/api/book/custodians/",
            Role.OPS,
            Role.ADVISOR,
            {
                "code": "fidelity",
                "name": "Fidelity",
                "fee_per_trade": "0",
                "fee_bps": "0",
                "spread_bps": "2",
            },
            _first(firm, pm.Custodian, code="simulated"),
            {"name": "Simulated (renamed)"},
            "custodian.changed",
        ),
        (
            "/api/drift/rules/",
            Role.COMMITTEE_MEMBER,
            Role.SENIOR_ADVISOR,
            {
                "name": "HNW",
                "segment": "high_net_worth",
                "threshold_pp": "4",
                "rebalance_to": "target",
                "min_trade_value": "100",
                "cash_floor_pct": "1",
                "band_alternatives": "9",
            },
            _first(firm, DriftRule, name="Growth"),
            {"threshold_pp": "6.5", "band_cash": "2"},
            "drift_rule.changed",
        ),
        (
            "/api/compliance/rules/",
            Role.COMPLIANCE_OFFICER,
            Role.OPS,
            None,
            _first(firm, ComplianceRule, kind="liquidity"),
            {"min_cash_pct": "1.5"},
            "compliance.rule_saved",
        ),
        (
            "/api/compliance/substitutes/",
            Role.COMPLIANCE_OFFICER,
            Role.ADVISOR,
            {"security": "VTI", "substitute": "ITOT", "rank": 1},
            None,
            None,
            "compliance.substitute_added",
        ),
        (
            "/api/compliance/identical-pairs/",
            Role.FIRM_ADMIN,
            Role.SENIOR_ADVISOR,
            {"first": "VOO", "second": "IVV", "note": "S&P 500"},
            None,
            None,
            "compliance.pair_added",
        ),
        (
            "/api/approvals/routing-rules/",
            Role.FIRM_ADMIN,
            Role.COMPLIANCE_OFFICER,
            None,  # the defaults cover every value: a new tier would overlap (tested apart)
            _first(firm, __import__("approvals.models").models.RoutingRule, kind="institutional"),
            {"window_amount": 3},
            "approvals.rule_saved",
        ),
        (
            "/api/notifications/templates/",
            Role.FIRM_ADMIN,
            Role.ADVISOR,
            None,
            _first(firm, NotificationTemplate, kind="reminder"),
            {"subject": "Still waiting: {{Account.Number}}"},
            "notification.template_saved",
        ),
    ]


def test_each_endpoint_creates_lists_and_updates_for_an_allowed_role(
    client, firm, firm_b, members_a, members_b
):
    for path, allowed, refused, body, obj, change, event in _cases(firm):
        good, bad = auth(members_a[allowed]), auth(members_a[refused])
        listed = client.get(path, **bad)  # every staff member reads
        assert listed.status_code == 200, path
        count = listed.json()["count"]
        if body is not None:
            with firm_scope(firm):
                before = setup_state()
            assert client.post(path, body, format="json", **bad).status_code == 403, path
            with firm_scope(firm):
                assert setup_state() == before
            created = client.post(path, body, content_type="application/json", **good)
            assert created.status_code == 201, (path, created.content)
            assert client.get(path, **good).json()["count"] == count + 1
        if obj is not None:
            url = f"{path}{obj.pk}/"
            events = _audits(firm, event)
            refusal = client.patch(url, change, content_type="application/json", **bad)
            assert refusal.status_code == 403, path
            changed = client.patch(url, change, content_type="application/json", **good)
            assert changed.status_code == 200, (path, changed.content)
            for key, value in change.items():
                assert str(changed.json().get(key, value)).startswith(str(value).rstrip("0")), (
                    path,
                    changed.json(),
                )
            assert _audits(firm, event) == events + 1, path
            # Another firm: 404 for this firm's id whatever the role, and an empty list.
            other = auth(members_b[allowed])
            assert client.get(url, **other).status_code == 404, path
            assert (
                client.patch(url, change, content_type="application/json", **other).status_code
                == 404
            ), path
        assert client.get(path, **auth(members_b[allowed])).json()["count"] == 0, path


def test_a_bad_value_is_a_400_naming_the_field_and_writes_nothing(client, firm, members_a):
    rule = _first(firm, DriftRule, name="Growth")
    response = client.patch(
        f"/api/drift/rules/{rule.pk}/",
        {"band_alternatives": "150"},
        content_type="application/json",
        **auth(members_a[Role.FIRM_ADMIN]),
    )
    assert response.status_code == 400
    assert "band_alternatives" in response.json()
    assert _first(firm, DriftRule, name="Growth").class_overrides == {"alternatives": 10}


def test_an_overlapping_routing_tier_is_refused(client, firm, members_a):
    response = client.post(
        "/api/approvals/routing-rules/",
        {
            "name": "Middle",
            "kind": "value",
            "min_value": "50000",
            "max_value": "60000",
            "steps": ["client"],
            "window_amount": 24,
            "window_unit": "hours",
        },
        content_type="application/json",
        **auth(members_a[Role.FIRM_ADMIN]),
    )
    assert response.status_code == 400 and "overlap" in response.content.decode()


def test_account_settings_an_advisor_sets_only_their_own_accounts(client, firm, members_a):
    advisor = members_a[Role.ADVISOR]
    with firm_scope(firm):
        pm.Account.objects.filter(number="S-1001").update(advisor=advisor)
    body = {
        "account": "S-1001",
        "do_not_trade": True,
        "never_sell": "VTI",
        "gains_budget_mode": "warn",
    }
    mine = client.post(
        "/api/drift/account-settings/", body, content_type="application/json", **auth(advisor)
    )
    assert mine.status_code == 201, mine.content
    assert mine.json()["never_sell"] == ["VTI"] and mine.json()["do_not_trade"] is True
    theirs = client.post(
        "/api/drift/account-settings/",
        {**body, "account": "S-2001"},
        content_type="application/json",
        **auth(advisor),
    )
    assert theirs.status_code == 403
    with firm_scope(firm):
        assert not AccountDriftSettings.objects.filter(account__number="S-2001").exists()
    again = client.post(
        "/api/drift/account-settings/", body, content_type="application/json", **auth(advisor)
    )
    assert again.status_code == 400 and "already" in again.content.decode()


def test_the_set_up_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for path in (
        "/api/book/custodians/",
        "/api/drift/rules/{id}/",
        "/api/drift/account-settings/",
        "/api/drift/imports/{id}/rescan/",
        "/api/compliance/rules/{id}/",
        "/api/compliance/substitutes/{id}/",
        "/api/compliance/identical-pairs/",
        "/api/approvals/routing-rules/{id}/",
        "/api/notifications/templates/{id}/",
    ):
        assert path in paths, path


def test_list_endpoints_read_a_constant_number_of_queries(client, firm, members_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = auth(members_a[Role.FIRM_ADMIN])
    paths = ["/api/compliance/substitutes/", "/api/drift/account-settings/"]

    def counts():
        out = []
        for path in paths:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path, **headers).status_code == 200
            out.append(len(queries))
        return out

    def load(files):
        with firm_scope(firm):
            assert book_import(firm=firm, files=files, source="command").ok

    load(
        {
            "substitutes": b"symbol,substitute\nVTI,ITOT\n",
            "account_drift": b"account_number\nS-1001\n",
        }
    )
    counts()  # the token's first use records its last-used time (once a minute): not a list read
    few = counts()
    load(sample_files(["substitutes", "account_drift"]))
    assert counts() == few
