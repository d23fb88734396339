"""An import that brings a loss sale into a household re-checks the household's approved
proposals: a buy of the same fund leaves the approval path (approval void, officer's queue) and
the batch does not send it; a gain sale changes nothing; another firm is untouched."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from approvals.choices import ApprovalStatus
from approvals.models import Approval
from approvals.services import approval_client_approve, approvals_start
from approvals.services.decisions import Evidence
from approvals.tasks import approvals_void_task
from compliance.choices import ReviewStatus
from compliance.models import ComplianceReview
from compliance.selectors import review_queue
from compliance.services.checks import proposals_check
from compliance.services.guard import STALE, proposals_not_routable
from compliance.services.recheck import proposals_recheck
from compliance.tasks import households_recheck_task
from drift.models import ComplianceRule, Proposal
from drift.services.scan import drift_scan_run
from firms.models import AuditEntry
from firms.services.tenancy import firm_scope
from portfolios import models as pm
from portfolios.importer.service import book_import
from tests.approvals.helpers import _client_user
from tests.factories import make_book
from tests.handoff import tasks_run_inline
from tests.trading.helpers import run_batch

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 24)
TRADE_DAY = date(2026, 11, 25)
SALE_DAY = DAY - timedelta(days=4)  # inside the 30-day window of the trade day


def approved_vti_buy(firm) -> Proposal:
    """An account under its VTI target (54/46 against 60/40): its proposal buys VTI, passes
    compliance on the history known then, is routed and approved by the client."""
    with firm_scope(firm):
        book = make_book(firm)
        pm.Security.objects.update(diversified=True)
        pm.Account.objects.update(segment="conservative")
        pm.Position.objects.filter(security=book["stock"]).update(quantity=Decimal("540"))
        pm.Position.objects.filter(security=book["bond"]).update(quantity=Decimal("920"))
        for pos in pm.Position.objects.all():
            pm.TaxLot.objects.create(
                firm=firm,
                account_id=pos.account_id,
                security_id=pos.security_id,
                acquired_on=date(2024, 1, 2),
                quantity=pos.quantity,
                cost_basis=pos.quantity * 40,
            )
            pm.CustodianSecurity.objects.create(
                firm=firm, custodian=book["custodian"], security_id=pos.security_id
            )
        drift_scan_run(firm_id=firm.pk, as_of=DAY)
        proposal = Proposal.objects.get()
        assert proposal.trades.filter(security=book["stock"], side="buy").exists()
        Proposal.objects.filter(pk=proposal.pk).update(
            total_value=Decimal("50000.00")
        )  # the client alone approves
        assert proposals_check(firm_id=firm.pk, proposal_ids=[proposal.pk]) == {
            proposal.pk: ReviewStatus.CLEAR
        }
        _client_user(firm, proposal.account.client)
        now = timezone.now()
        approvals_start(firm_id=firm.pk, now=now)
        approval = Approval.objects.select_related("proposal__account__client").get()
        approval_client_approve(
            approval_id=approval.pk,
            user=approval.proposal.account.client.user,
            now=now,
            evidence=Evidence(
                typed_name=approval.proposal.account.client.name,
                ip_address="203.0.113.9",
                user_agent="pytest",
                auth_method="email_link",
                shown_hash=approval.content_hash,
            ),
        )
        proposal.refresh_from_db()
        assert proposal.status == "approved" and not proposals_not_routable([proposal.pk])
    return proposal


def import_sale(firm, proposal, *, gain: str, capture):
    csv = (
        "account_number,date,symbol,side,quantity,price,realized_gain\n"
        f"{proposal.account.number},{SALE_DAY.isoformat()},VTI,sell,10,95,{gain}\n"
    ).encode()
    # The re-check and the voiding are compliance's and approvals' tasks, enqueued on commit.
    with (
        firm_scope(firm),
        tasks_run_inline(households_recheck_task, approvals_void_task),
        capture(execute=True),
    ):
        result = book_import(firm=firm, files={"transactions": csv}, source="command")
    assert result.ok, result.errors


def sent_proposals(firm) -> set[int]:
    from trading.models import Order

    run_batch(firm, day=TRADE_DAY)
    with firm_scope(firm):
        return set(Order.objects.values_list("proposal_id", flat=True))


def test_an_imported_loss_sale_takes_the_approved_buy_off_the_approval_path(
    firm_a, firm_b, scoped, django_capture_on_commit_callbacks
):
    mine, other = approved_vti_buy(firm_a), approved_vti_buy(firm_b)
    import_sale(firm_a, mine, gain="-50.00", capture=django_capture_on_commit_callbacks)
    with firm_scope(firm_a):
        mine.refresh_from_db()
        review = ComplianceReview.objects.get(proposal=mine)
        assert mine.status in ("flagged", "blocked") and review.status == mine.status
        assert mine.pk in proposals_not_routable([mine.pk])
        approval = Approval.objects.get(proposal=mine)
        assert approval.status == ApprovalStatus.VOID and "compliance" in approval.reason
        void = AuditEntry.objects.filter(event="approval.void").latest("pk")
        assert void.payload["ids"] == [approval.pk] and void.payload["was"] == {
            str(approval.pk): "approved"
        }
        finding = review.proposal.check_results.get(kind="wash_sale", passed=False)
        assert "VTI" in finding.message
        assert mine.pk in {r.proposal_id for r in review_queue()}  # the officer sees it
    with firm_scope(firm_b):  # the other firm's approved buy is untouched
        other.refresh_from_db()
        assert (
            other.status == "approved"
            and Approval.objects.get(proposal=other).status == ApprovalStatus.APPROVED
        )
    assert mine.pk not in sent_proposals(firm_a)
    assert other.pk in sent_proposals(firm_b)


def test_an_imported_gain_sale_leaves_the_approval_alone(
    firm_a, scoped, django_capture_on_commit_callbacks
):
    mine = approved_vti_buy(firm_a)
    with firm_scope(firm_a):
        before = ComplianceReview.objects.get(proposal=mine).checked_at
    import_sale(firm_a, mine, gain="120.00", capture=django_capture_on_commit_callbacks)
    with firm_scope(firm_a):
        mine.refresh_from_db()
        review = ComplianceReview.objects.get(proposal=mine)
        assert (
            mine.status == "approved"
            and review.status == ReviewStatus.CLEAR
            and review.checked_at > before
        )
        assert Approval.objects.get(proposal=mine).status == ApprovalStatus.APPROVED
        assert not proposals_not_routable([mine.pk])
    assert mine.pk in sent_proposals(firm_a)


def test_a_lost_recheck_keeps_the_proposal_out_of_the_batch_until_it_runs(firm_a, scoped):
    """Without the after-commit re-check (the callbacks never run here) the gate refuses the
    stale review; the re-check the sweep runs then decides."""
    mine = approved_vti_buy(firm_a)
    with firm_scope(firm_a):
        result = book_import(
            firm=firm_a,
            files={
                "transactions": (
                    "account_number,date,symbol,side,quantity,price,realized_gain\n"
                    f"{mine.account.number},{SALE_DAY.isoformat()},VTI,sell,10,95,-50.00\n"
                ).encode()
            },
            source="command",
        )
        assert result.ok
        assert proposals_not_routable([mine.pk]) == {mine.pk: STALE}
    assert mine.pk not in sent_proposals(firm_a)
    with firm_scope(firm_a):
        outcomes = proposals_recheck(firm_id=firm_a.pk, proposal_ids=[mine.pk])
        assert outcomes[mine.pk] in (ReviewStatus.FLAGGED, ReviewStatus.BLOCKED)


def test_the_sweep_finds_stale_reviews_in_its_firm_only_and_a_withdrawn_one_cannot_be_rerouted(
    firm_a, firm_b, members_a, scoped, django_capture_on_commit_callbacks
):
    from compliance.services.guard import proposals_review_stale
    from compliance.services.review import ReviewRefused, review_override, review_reject
    from drift.choices import RECHECKABLE_STATUSES

    mine = approved_vti_buy(firm_a)
    approved_vti_buy(firm_b)
    with firm_scope(firm_a):
        ComplianceRule.objects.filter(kind="wash_sale").update(
            severity="flag"
        )  # an officer may decide it
        book_import(
            firm=firm_a,
            files={
                "transactions": (
                    "account_number,date,symbol,side,quantity,price,realized_gain\n"
                    f"{mine.account.number},{SALE_DAY.isoformat()},VTI,sell,10,95,-50.00\n"
                ).encode()
            },
            source="command",
        )
        assert proposals_review_stale(firm_id=firm_a.pk, statuses=RECHECKABLE_STATUSES) == [mine.pk]
    with firm_scope(firm_b):
        assert proposals_review_stale(firm_id=firm_b.pk, statuses=RECHECKABLE_STATUSES) == []
        assert (
            proposals_review_stale([mine.pk]) == []
        )  # RLS: firm A's proposal is not seen from firm B
    with firm_scope(firm_a):
        proposals_recheck(firm_id=firm_a.pk, proposal_ids=[mine.pk])
        assert proposals_review_stale(firm_id=firm_a.pk, statuses=RECHECKABLE_STATUSES) == []
        review = ComplianceReview.objects.get(proposal=mine)
        assert (
            review.status == ReviewStatus.FLAGGED
            and Proposal.objects.get(pk=mine.pk).status == "flagged"
        )
        with pytest.raises(ReviewRefused, match="approval is void"):
            review_override(
                review=review, officer=members_a["compliance_officer"], reason="client insists"
            )
        review_reject(review=review, officer=members_a["compliance_officer"], reason="wash sale")
        mine.refresh_from_db()
        assert mine.status == "declined"
