"""No compliance parameter can stop the firm. Non-finite, huge and
nested values are refused by the one validation (form, admin, service); a rule or check that
raises anyway marks the proposals it could not judge (flagged, officer emailed) and every
other proposal is checked as usual."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from compliance.models import CheckResult, ComplianceReview
from compliance.services.checks import proposals_check
from compliance.services.rules import compliance_rule_save, compliance_rules_ensure_defaults
from drift.calc.rule_params import params_validate
from drift.models import ComplianceRule
from firms.choices import Role
from firms.services.tenancy import firm_scope
from notifications.models import OutboundMessage
from notifications.services.check_errors import check_errors_notify
from notifications.tasks import check_errors_notify_task
from tests.compliance.helpers import account_for, book, proposal, security
from tests.conftest import _member

pytestmark = pytest.mark.django_db
NON_FINITE = [
    "Infinity",
    "-Infinity",
    "1E+999999",
    "NaN",
    "sNaN",
    float("inf"),
    float("nan"),
    True,
    [1],
    {"a": 1},
]


@pytest.mark.parametrize("value", NON_FINITE)
@pytest.mark.parametrize(
    "kind, key",
    [("liquidity", "min_cash_amount"), ("liquidity", "min_cash_pct"), ("concentration", "max_pct")],
)
def test_a_non_finite_or_non_number_parameter_is_refused_naming_the_field(kind, key, value):
    params = {"min_cash_amount": "0", "min_cash_pct": "1", "max_pct": "10"}
    with pytest.raises(ValidationError, match=key):
        params_validate(kind, {**params, key: value})


@pytest.mark.parametrize("value", ["1000000000.01", "1E+12", "-0.01"])
def test_the_minimum_cash_amount_is_bounded(value):
    with pytest.raises(ValidationError, match="from 0 to 1000000000"):
        params_validate("liquidity", {"min_cash_amount": value, "min_cash_pct": "1"})


@pytest.mark.parametrize(
    "band", [["NaN", "40"], ["10", "Infinity"], ["10", [40]], ["1E+999999", "1E+999999"]]
)
def test_a_non_finite_suitability_band_is_refused(band):
    from drift.calc.rule_params import DEFAULTS

    bands = dict(DEFAULTS["suitability"][1]["bands"], conservative=band)
    with pytest.raises(ValidationError, match="conservative"):
        params_validate("suitability", {"bands": bands})


@pytest.mark.parametrize("days", [True, 0, 91, 2147483647, "30", 30.0])
def test_the_wash_sale_window_is_a_whole_number_of_days_from_1_to_90(days):
    with pytest.raises(ValidationError, match="window_days"):
        params_validate("wash_sale", {"window_days": days})


def test_a_nested_security_types_list_is_refused_not_a_500():
    with pytest.raises(ValidationError, match="security_types"):
        params_validate("concentration", {"max_pct": "10", "security_types": [["stock"]]})


def test_the_service_refuses_what_the_form_refuses(scoped):
    compliance_rules_ensure_defaults(firm_id=scoped.pk)
    rule = ComplianceRule.objects.get(kind="liquidity")
    rule.params = {"min_cash_amount": "Infinity", "min_cash_pct": "1"}
    with pytest.raises(ValidationError, match="min_cash_amount"):
        compliance_rule_save(rule=rule)
    assert ComplianceRule.objects.get(kind="liquidity").params["min_cash_amount"] == "0.00"


def test_the_model_clean_used_by_the_admin_validates_the_parameters(scoped):
    compliance_rules_ensure_defaults(firm_id=scoped.pk)
    rule = ComplianceRule.objects.get(kind="concentration")
    rule.params = {"max_pct": "NaN"}
    with pytest.raises(ValidationError, match="max_pct"):
        rule.full_clean()


@pytest.mark.parametrize(
    "amount, pct, message",
    [
        ("NaN", "1", "Enter a number"),
        ("Infinity", "1", "Enter a number"),
        ("1E+999999", "1", "no more than 18 digits"),
        ("2000000000", "1", "from 0 to 1000000000"),
        ("0", "101", "from 0 to 100"),
        ("-1", "1", "from 0 to 1000000000"),
    ],
)
def test_the_rule_page_answers_a_form_error_for_bad_values(login, firm_a, amount, pct, message):
    officer = _member(firm_a, Role.COMPLIANCE_OFFICER, "c")
    with firm_scope(firm_a):
        compliance_rules_ensure_defaults(firm_id=firm_a.pk)
        rule = ComplianceRule.objects.get(kind="liquidity")
    response = login(officer).post(
        reverse("compliance:rule_edit", args=[rule.pk]),
        {"severity": "block", "enabled": "on", "min_cash_amount": amount, "min_cash_pct": pct},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    with firm_scope(firm_a):
        assert ComplianceRule.objects.get(pk=rule.pk).params["min_cash_amount"] == "0.00"


@pytest.fixture
def two_proposals(scoped):
    b = book(scoped)
    stk = security(scoped, "STK", 1, security_type="stock")
    first = proposal(scoped, b["accounts"][0], [(stk, "buy", 100, 1, 0)])
    second = proposal(scoped, account_for(scoped, b), [(stk, "buy", 100, 1, 0)])
    _member(scoped, Role.COMPLIANCE_OFFICER, "officer")
    return first, second


@pytest.mark.parametrize("bad", ["Infinity", "1E+999999", "NaN"])
def test_a_stored_non_finite_parameter_flags_the_batch_and_the_officer_is_emailed(
    two_proposals, scoped, firm_b, bad, django_capture_on_commit_callbacks
):
    """Stored around the validation (before it existed, or by SQL): the check still runs. Only
    this firm's officer is told."""
    first, second = two_proposals
    _member(firm_b, Role.COMPLIANCE_OFFICER, "other")
    compliance_rules_ensure_defaults(firm_id=scoped.pk)
    ComplianceRule.objects.filter(kind="liquidity").update(
        params={"min_cash_amount": bad, "min_cash_pct": "0.5"}
    )
    # The email is notifications' task, enqueued once the check commits.
    with (
        mock.patch.object(check_errors_notify_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        outcomes = proposals_check(firm_id=scoped.pk, proposal_ids=[first.pk, second.pk])
    delay.assert_called_once()
    check_errors_notify(**delay.call_args.kwargs)  # the task's body, in this firm's scope
    assert outcomes == {first.pk: "flagged", second.pk: "flagged"}
    error = CheckResult.objects.get(proposal=first, kind="liquidity")
    assert not error.passed and error.severity == "flag" and "could not run" in error.message
    assert "min_cash_amount" in error.figures["check_error"]
    assert CheckResult.objects.get(proposal=first, kind="suitability").passed  # the other rules ran
    mail = OutboundMessage.objects.get()
    assert mail.recipient == "officer-compliance_officer@alpha.test"
    assert "liquidity check could not run on 2 proposals" in mail.subject
    with firm_scope(firm_b):
        assert not OutboundMessage.objects.exists()


def test_a_check_that_raises_for_one_proposal_marks_only_that_proposal(
    two_proposals, scoped, monkeypatch
):
    from compliance import calc

    first, second = two_proposals
    real = calc.CHECKS["concentration"]

    def fragile(inputs, params, after=None):
        if first.pk in set(inputs.proposals["proposal_id"]):
            raise ArithmeticError("bad figure in this proposal")
        return real(inputs, params, after)

    monkeypatch.setitem(calc.CHECKS, "concentration", fragile)
    outcomes = proposals_check(firm_id=scoped.pk, proposal_ids=[first.pk, second.pk])
    assert outcomes[first.pk] == "flagged"
    assert (
        "bad figure in this proposal"
        in CheckResult.objects.get(proposal=first, kind="concentration").message
    )
    judged = CheckResult.objects.get(proposal=second, kind="concentration")
    assert "check_error" not in judged.figures and "could not run" not in judged.message
    assert not CheckResult.objects.filter(proposal=second, figures__has_key="check_error").exists()
    assert ComplianceReview.objects.count() == 2


def test_valid_parameters_keep_their_decimal_places(scoped):
    assert params_validate("liquidity", {"min_cash_amount": "2500.50", "min_cash_pct": "0.5"}) == {
        "min_cash_amount": "2500.50",
        "min_cash_pct": "0.5",
    }
    assert Decimal(params_validate("concentration", {"max_pct": 12.5})["max_pct"]) == Decimal(
        "12.5"
    )
