"""A volatile-market widening in force makes the scan apply wider bands."""

from datetime import date
from decimal import Decimal

import pytest

from drift.models import DriftSnapshot, Proposal, ToleranceWidening
from drift.services.scan import drift_scan_run
from firms.services.tenancy import firm_scope
from portfolios.models import Account
from tests.factories import make_book

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 24)


def _scan_66_34(firm, widen_by=None):
    with firm_scope(firm):
        make_book(firm, accounts=1, day=DAY)
        Account.objects.update(segment="conservative")  # 5-point band; the account is 6 points off
        if widen_by:
            ToleranceWidening.objects.create(
                firm=firm,
                factor=widen_by,
                start=date(2026, 11, 20),
                end=date(2026, 11, 30),
                reason="Volatile week",
            )
        drift_scan_run(firm_id=firm.pk, as_of=DAY)
        return DriftSnapshot.objects.get().breached, Proposal.objects.count()


def test_without_a_widening_the_6_point_drift_breaches_the_5_point_band(firm_a):
    assert _scan_66_34(firm_a) == (True, 1)


def test_a_1_5x_widening_in_force_turns_the_5_point_band_into_7_5(firm_a):
    assert _scan_66_34(firm_a, widen_by=Decimal("1.5")) == (False, 0)


def test_another_firms_widening_does_not_widen_this_firms_bands(firm_a, firm_b):
    with firm_scope(firm_b):
        ToleranceWidening.objects.create(
            firm=firm_b,
            factor=Decimal("3"),
            start=date(2026, 11, 20),
            end=date(2026, 11, 30),
            reason="B only",
        )
    assert _scan_66_34(firm_a) == (True, 1)
