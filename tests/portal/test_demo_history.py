"""The demo's history: its last sessions lived through the pipeline's own services, so the
key screens have something to show (scan history, approvals of every outcome, executed
batches with partial fills and confirmations, a closed month's report), a committee that
can reach its quorum, and nothing added by a second run.

A small book (24 accounts a firm, 42 sessions) is seeded once for the module inside a
transaction rolled back at the end; each test runs in a savepoint within it."""

from datetime import date

import pytest
from django.db import transaction
from django.utils import timezone

from approvals.choices import ApprovalStatus, StepRole, StepStatus
from approvals.models import Approval, ApprovalStep, Signature
from approvals.selectors import approval_settings_get
from approvals.services.signed_pdf import PDF_RETRIES_PER_SWEEP
from approvals.services.sweep import approvals_sweep
from drift.models import DriftSnapshot, Proposal, ScanRun
from firms.choices import Role
from firms.models import AuditEntry, Membership
from firms.services.tenancy import firm_scope
from portal.services.demo_history import demo_history_once
from portfolios.calc.market_calendar import is_trading_day
from portfolios.services.demo import FIRMS, demo_firm_find, demo_seed
from reporting.models import MonthlyReport
from trading.choices import OrderStatus
from trading.models import Fill, Order, TradeConfirmationPending

AS_OF = date(2025, 12, 15)
SESSIONS = 42
SEED = {"accounts_per_firm": 24, "history_days": 90, "as_of": AS_OF}


def _live(spec):
    firm = demo_firm_find(spec.slug)
    with firm_scope(firm):
        return demo_history_once(
            firm=firm,
            sessions=SESSIONS,
            seed=spec.seed,
            expiry_policy=spec.expiry_policy,
            log=lambda line: None,
        )


@pytest.fixture(scope="module")
def lived(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo_seed(**SEED)
        stats = {spec.slug: _live(spec) for spec in FIRMS}
        yield stats
        transaction.set_rollback(True)


@pytest.fixture
def firms(lived, db):
    return {spec.slug: demo_firm_find(spec.slug) for spec in FIRMS}


def test_each_firm_scanned_every_session_of_the_history(firms):
    for firm in firms.values():
        with firm_scope(firm):
            days = sorted(set(ScanRun.objects.values_list("as_of", flat=True)))
            assert len(days) == SESSIONS
            assert days[-1] == AS_OF and all(is_trading_day(d) for d in days)
            # the history and metric charts: a snapshot per account and day, some breached
            assert DriftSnapshot.objects.values("as_of").distinct().count() == SESSIONS
            assert DriftSnapshot.objects.filter(breached=True).exists()
            # clients who never answer keep some accounts drifted to the last day
            assert DriftSnapshot.objects.filter(as_of=AS_OF, breached=True).exists()


def test_proposals_were_created_on_the_days_they_were_scanned(firms):
    for firm in firms.values():
        with firm_scope(firm):
            created = {p.created_at.date() for p in Proposal.objects.all()}
            scanned = set(ScanRun.objects.values_list("as_of", flat=True))
            assert len(created) > 1 and created <= scanned


def test_batches_executed_orders_with_partial_fills_and_confirmations(firms):
    for firm in firms.values():
        with firm_scope(firm):
            statuses = set(Order.objects.values_list("status", flat=True))
            assert {OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED} <= statuses
            assert Fill.objects.exists()
            assert TradeConfirmationPending.objects.exists()
            assert Proposal.objects.filter(status__in=["executed", "partially_executed"]).exists()


def test_approvals_end_every_way_a_firm_sees(firms):
    with firm_scope(firms["harbor"]):  # deadlines decline: proposals expire
        statuses = set(Approval.objects.values_list("status", flat=True))
        assert {ApprovalStatus.APPROVED, ApprovalStatus.DECLINED, ApprovalStatus.EXPIRED} <= (
            statuses
        )
        assert ApprovalStep.objects.filter(
            role=StepRole.CLIENT, status=StepStatus.DECLINED
        ).exists()
    with firm_scope(firms["summit"]):  # deadlines escalate to the advisor
        assert Approval.objects.filter(escalated_at__isnull=False).exists()
        assert Approval.objects.filter(status=ApprovalStatus.APPROVED).exists()


def test_the_committee_can_reach_its_quorum(firms):
    for firm in firms.values():
        with firm_scope(firm):
            quorum = approval_settings_get(firm_id=firm.pk).committee_quorum
            members = Membership.objects.filter(role=Role.COMMITTEE_MEMBER).count()
            assert members >= quorum
    committee_approved = 0
    for firm in firms.values():
        with firm_scope(firm):
            committee_approved += ApprovalStep.objects.filter(
                role=StepRole.COMMITTEE, status=StepStatus.APPROVED
            ).count()
    assert committee_approved > 0


def test_the_closed_month_has_its_report_with_figures(firms):
    for firm in firms.values():
        with firm_scope(firm):
            report = MonthlyReport.objects.get(month=date(2025, 11, 1))
            assert report.totals["proposals"] > 0
            assert report.totals["executions"] > 0


def test_a_second_run_adds_nothing(firms):
    with firm_scope(firms["harbor"]):
        before = (
            AuditEntry.objects.count(),
            Proposal.objects.count(),
            Order.objects.count(),
            ScanRun.objects.count(),
        )
    demo_seed(**SEED)
    assert [_live(spec) for spec in FIRMS] == [None, None]
    with firm_scope(firms["harbor"]):
        after = (
            AuditEntry.objects.count(),
            Proposal.objects.count(),
            Order.objects.count(),
            ScanRun.objects.count(),
        )
    assert after == before


def test_signed_pdfs_are_left_to_their_tasks_and_a_real_sweep_renders_them(firms):
    firm = firms["harbor"]
    with firm_scope(firm):
        signatures = Signature.objects.all()
        assert signatures.exists() and not signatures.exclude(pdf="").exists()
        # The history's own sweeps skipped them; the first sweep on the real clock renders
        # the oldest (a few per sweep) with their hash, as for a signature whose task failed.
        rendered = approvals_sweep(firm_id=firm.pk, now=timezone.now()).pdfs
        assert len(rendered) == min(PDF_RETRIES_PER_SWEEP, signatures.count())
        stored = Signature.objects.get(pk=rendered[0])
        assert stored.pdf and len(stored.pdf_sha256) == 64
