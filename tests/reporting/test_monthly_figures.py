"""The report's figures against the hand-computed values of tests/reporting/helpers.py."""

from decimal import Decimal

import pytest

from firms.services.tenancy import firm_scope
from reporting.calc.months import month_window
from reporting.selectors.monthly import monthly_figures

from .conftest import OCTOBER

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(firm_a, month_a):
    with firm_scope(firm_a):
        return monthly_figures(window=month_window(OCTOBER))


def test_approval_rate_by_advisor_is_approved_over_decided(figures):
    rates = {r["group"]: r["approval_rate"] for r in figures["rates"]["by_advisor"]}
    assert rates == {"A advisor": Decimal("100.0"), "A senior_advisor": Decimal("33.3")}


def test_approval_rate_by_account_type(figures):
    rates = {
        r["group"]: (r["decided"], r["approval_rate"]) for r in figures["rates"]["by_account_type"]
    }
    assert rates == {
        "Taxable (individual/joint)": (3, Decimal("66.7")),
        "Traditional IRA": (2, Decimal("50.0")),
    }


def test_average_drift_before_and_after_counts_executed_proposals_only(figures):
    assert figures["activity"]["avg_drift_before"] == Decimal("7.000")
    assert figures["activity"]["avg_drift_after"] == Decimal("1.500")


def test_frequency_timing_timeouts_and_escalations(figures):
    a, p = figures["activity"], figures["approvals"]
    assert (a["proposals"], a["executions"], a["accounts_total"]) == (5, 2, 4)
    assert (a["proposals_per_account"], a["executions_per_account"]) == (
        Decimal("1.25"),
        Decimal("0.50"),
    )
    assert p["median_hours_to_approve"] == Decimal("4.0")
    assert (p["decided"], p["approved"], p["timeouts"], p["escalations"]) == (5, 3, 1, 1)


def test_overrides_carry_their_reason_and_flags_are_counted(figures):
    assert [o["reason"] for o in figures["compliance"]["overrides"]] == [
        '=HYPERLINK("http://evil.test","click")'
    ]
    assert [(f["kind"], f["n"]) for f in figures["compliance"]["flags"]] == [("concentration", 1)]


def test_another_month_is_empty(firm_a, month_a):
    with firm_scope(firm_a):
        figures = monthly_figures(window=month_window(OCTOBER.replace(month=9)))
    assert figures["activity"]["proposals"] == 0 and figures["approvals"]["approval_rate"] is None
