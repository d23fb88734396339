"""Routing rules: the defaults (calc.routing.DEFAULT_RULES) at every tier boundary, complexity
flags, exception-first."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.calc.routing import DEFAULT_RULES, route_for
from approvals.choices import StepRole as R
from approvals.models import Approval, RoutingRule
from approvals.selectors import routing_rules_get
from approvals.services import approvals_start
from drift.models import Proposal
from firms.services.tenancy import firm_scope
from portfolios.calc.market_calendar import NEW_YORK

from .helpers import NOW, checked

pytestmark = pytest.mark.django_db
RULES = [SimpleNamespace(**r) for r in DEFAULT_RULES]


def _proposal(value, registration="taxable", flags=None, trade_value="1000"):
    return SimpleNamespace(
        total_value=Decimal(value),
        trade_value=Decimal(trade_value),
        flags=flags or {},
        account=SimpleNamespace(registration=registration),
    )


def _settings(**kw):
    return SimpleNamespace(
        **{
            "exception_first": False,
            "exception_max_value": Decimal("250000"),
            "exception_max_turnover_pct": Decimal("10"),
            **kw,
        }
    )


@pytest.mark.parametrize(
    "value, steps, window",
    [
        ("0.01", (R.CLIENT,), 72),
        ("99999.99", (R.CLIENT,), 72),
        ("100000.00", (R.ADVISOR, R.CLIENT), 48),
        ("500000.00", (R.ADVISOR, R.CLIENT), 48),
        ("500000.01", (R.SENIOR, R.CLIENT), 24),
        ("9000000.00", (R.SENIOR, R.CLIENT), 24),
    ],
)
def test_each_tier_boundary_routes_to_its_tier(value, steps, window):
    route = route_for(proposal=_proposal(value), rules=RULES, settings=_settings())
    assert route.steps == steps and route.rule.window_amount == window


@pytest.mark.parametrize("flag", ["tlh", "alternatives"])
@pytest.mark.parametrize("value", ["5000.00", "250000.00", "800000.00"])
def test_tlh_or_alternatives_go_through_senior_review_whatever_the_size(flag, value):
    route = route_for(
        proposal=_proposal(value, flags={flag: True}), rules=RULES, settings=_settings()
    )
    assert route.steps == (R.SENIOR, R.CLIENT) and "senior" in route.note


def test_institutional_accounts_go_to_the_committee_for_five_business_days():
    route = route_for(
        proposal=_proposal("50000", registration="institutional"), rules=RULES, settings=_settings()
    )
    assert route.steps == (R.COMMITTEE,) and (route.rule.window_amount, route.rule.window_unit) == (
        5,
        "business_days",
    )


def test_exception_first_skips_internal_review_but_keeps_the_client():
    small_turnover = _proposal("200000", trade_value="10000")  # 5% turnover
    settings = _settings(exception_first=True)
    assert route_for(proposal=small_turnover, rules=RULES, settings=settings).steps == (R.CLIENT,)
    assert route_for(
        proposal=_proposal("200000", trade_value="40000"), rules=RULES, settings=settings
    ).steps == (R.ADVISOR, R.CLIENT)
    assert route_for(
        proposal=_proposal("300000", trade_value="100"), rules=RULES, settings=settings
    ).steps == (R.ADVISOR, R.CLIENT)
    flagged = _proposal("200000", trade_value="100", flags={"gains_budget": "warn"})
    assert route_for(proposal=flagged, rules=RULES, settings=settings).steps == (
        R.ADVISOR,
        R.CLIENT,
    )


def _route_counting(firm, n):
    _, ids = checked(firm, n=n, value="99999.99")
    with firm_scope(firm):
        routing_rules_get(firm_id=firm.pk)
        with CaptureQueriesContext(connection) as queries:
            routed = approvals_start(firm_id=firm.pk, now=NOW)
    assert sorted(routed) == ids
    return len(queries)


def test_starting_routes_in_bulk_with_the_same_queries_for_2_or_6_proposals(firm_a, firm_b, sent):
    assert _route_counting(firm_a, 2) == _route_counting(firm_b, 6)
    assert [m["kind"] for m in sent] == ["proposal"] * 8 and all(
        m["link"].startswith("http://") for m in sent
    )


def test_starting_writes_the_defaults_freezes_the_hash_and_is_a_no_op_twice(firm_a, sent):
    _, ids = checked(firm_a, n=2, value="99999.99")
    with firm_scope(firm_a):
        approvals_start(firm_id=firm_a.pk, now=NOW)
        assert RoutingRule.objects.count() == 4
        assert set(Proposal.objects.values_list("status", flat=True)) == {"awaiting_approval"}
        approval = Approval.objects.get(proposal_id=ids[0])
        assert (
            approval.tier == "Under $100,000"
            and approval.content_hash == approval.proposal.content_hash
        )
        assert (approval.deadline - approval.started_at).total_seconds() == 72 * 3600
        assert approvals_start(firm_id=firm_a.pk, now=NOW) == []
        assert Approval.objects.count() == 2


def test_a_proposal_compliance_has_not_cleared_is_not_routed(firm_a, sent):
    _, ids = checked(firm_a)
    with firm_scope(firm_a):
        from compliance.models import ComplianceReview

        ComplianceReview.objects.update(status="flagged")
        assert approvals_start(firm_id=firm_a.pk, now=NOW) == []


def test_a_firm_edits_its_tiers_and_new_routes_follow(firm_a, sent):
    _, ids = checked(firm_a, value="150000.00")
    with firm_scope(firm_a):
        from approvals.selectors import routing_rules_get

        routing_rules_get(firm_id=firm_a.pk)
        RoutingRule.objects.filter(name="$100,000 – $500,000").update(
            steps=[R.CLIENT], window_amount=12
        )
        approvals_start(firm_id=firm_a.pk, now=NOW)
        approval = Approval.objects.get()
        assert [s.role for s in approval.steps.all()] == [R.CLIENT]
        assert (approval.deadline - NOW).total_seconds() == 12 * 3600


def test_a_five_business_day_window_from_wednesday_skips_thanksgiving(firm_a, sent):
    _, ids = checked(firm_a, registration="institutional")
    with firm_scope(firm_a):
        approvals_start(firm_id=firm_a.pk, now=NOW)
        approval = Approval.objects.get()
    assert approval.deadline.astimezone(NEW_YORK).date() == date(2026, 12, 3)
    assert sent == []  # the committee decides first; no client email


def test_proposals_not_checked_are_not_routed(firm_a, sent):
    _, ids = checked(firm_a)
    with firm_scope(firm_a):
        Proposal.objects.update(status="draft")
        assert approvals_start(firm_id=firm_a.pk, now=NOW) == []
