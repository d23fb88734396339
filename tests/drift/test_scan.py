"""The scan against PostgreSQL: snapshots, breaches, stale/missing prices, idempotency."""

from datetime import date
from decimal import Decimal

import pytest

from drift.models import DriftRule, DriftSnapshot, Proposal, ProposalTrade, ScanRun
from drift.services.scan import drift_scan_run
from portfolios import models as pm
from tests.factories import make_book

DAY = date(2026, 11, 24)
pytestmark = pytest.mark.django_db


def conservative_book(firm, **kw):
    """make_book's 60/40 accounts at 66/34, in the conservative segment (5-point band)."""
    book = make_book(firm, **kw)
    pm.Account.objects.update(segment="conservative")
    return book


def test_the_scan_writes_a_snapshot_per_account_and_a_proposal_for_each_breach(scoped):
    book = conservative_book(scoped, accounts=3)
    run = drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    assert run.status == "done" and run.counts["breached"] == 3 and run.counts["proposals"] == 3
    snap = DriftSnapshot.objects.get(account=book["accounts"][0], as_of=DAY)
    assert snap.breached and snap.status == "ok"
    assert snap.total_value == Decimal("100000.00")
    assert snap.portfolio_drift == Decimal("6.000") and snap.max_drift == Decimal("6.000")
    assert snap.detail["us_equity"] == [66.0, 60.0, 5.0] and snap.detail["fixed_income"] == [
        34.0,
        40.0,
        5.0,
    ]
    assert snap.rule.segment == "conservative"


def test_the_scan_runs_under_debug_too(scoped, settings):
    # DJANGO_DEBUG=1 (the demo) wraps cursors in Django's debug wrapper, whose copy() takes
    # the statement only (no parameters): the streamed COPY must work through it.
    settings.DEBUG = True
    conservative_book(scoped, accounts=2)
    run = drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    assert run.counts["snapshots_written"] == 2 and run.counts["proposals"] == 2


def test_growth_accounts_at_six_points_of_drift_stay_inside_their_seven_point_band(scoped):
    make_book(scoped, accounts=2)  # segment growth
    run = drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    assert run.counts["breached"] == 0 and not Proposal.objects.exists()
    assert DriftSnapshot.objects.filter(breached=False).count() == 2


def test_re_running_a_scan_writes_no_duplicate_snapshots_and_no_second_proposal(scoped):
    conservative_book(scoped, accounts=2)
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    before = (
        DriftSnapshot.objects.count(),
        Proposal.objects.count(),
        ProposalTrade.objects.count(),
    )
    run = drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    assert (
        DriftSnapshot.objects.count(),
        Proposal.objects.count(),
        ProposalTrade.objects.count(),
    ) == before
    assert run.counts["snapshots_written"] == 0 and run.counts["proposals"] == 0
    assert ScanRun.objects.filter(as_of=DAY).count() == 1


def test_a_missing_close_marks_the_account_and_proposes_nothing(scoped):
    book = conservative_book(scoped, accounts=1)
    pm.Price.objects.filter(security=book["bond"]).delete()
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    snap = DriftSnapshot.objects.get(account=book["accounts"][0])
    assert snap.status == "missing_price" and not snap.breached
    assert not Proposal.objects.exists()


def test_an_older_close_marks_the_account_stale_and_a_rerun_after_the_close_arrives_fixes_it(
    scoped,
):
    book = conservative_book(scoped, accounts=1, day=date(2026, 11, 23))
    pm.Price.objects.create(firm=scoped, security=book["stock"], date=DAY, close=Decimal("100"))
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    snap = DriftSnapshot.objects.get(account=book["accounts"][0])
    assert snap.status == "stale_price" and not snap.breached and not Proposal.objects.exists()
    pm.Price.objects.create(firm=scoped, security=book["bond"], date=DAY, close=Decimal("50"))
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    snap.refresh_from_db()
    assert snap.status == "ok" and snap.breached and Proposal.objects.count() == 1


def test_an_empty_account_gets_an_empty_snapshot(scoped):
    book = make_book(scoped, accounts=1)
    pm.Position.objects.all().delete()
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    assert DriftSnapshot.objects.get(account=book["accounts"][0]).status == "empty"


def test_the_scan_ships_the_default_rules(scoped):
    drift_scan_run(firm_id=scoped.pk, as_of=DAY)
    rules = {r.segment: r for r in DriftRule.objects.all()}
    assert rules[None].threshold_pp == 5 and rules["conservative"].threshold_pp == 5
    assert rules["growth"].threshold_pp == 7 and rules["growth"].class_overrides == {
        "alternatives": 10
    }
    assert rules["tax_sensitive"].threshold_pp == 3


def test_the_scan_sees_only_its_own_firm(scoped, firm_b):
    from firms.services.tenancy import firm_scope

    conservative_book(scoped, accounts=2)
    with firm_scope(firm_b):
        make_book(firm_b, accounts=1)
        run = drift_scan_run(firm_id=firm_b.pk, as_of=DAY)
        assert run.counts["accounts"] == 1
        assert DriftSnapshot.objects.count() == 1
