"""One routable gate: routing (approvals) and sending (trading) let through exactly the same
proposals, for every compliance outcome, and the batch sends only those."""

import pytest

from approvals.services.start import _routable_filter
from compliance.choices import ReviewStatus
from compliance.models import ComplianceReview
from compliance.services.guard import proposals_not_routable
from drift.models import Proposal
from firms.services.tenancy import firm_scope
from tests.trading.helpers import approved_book, run_batch
from trading.models import Order

pytestmark = pytest.mark.django_db
OUTCOMES = [None, *ReviewStatus.values]


@pytest.fixture(autouse=True)
def full_fills(settings):
    settings.TRADING_SIMULATED = {"seed": 1, "reject_rate": 0.0, "partial_rate": 0.0}


def test_routing_and_the_batch_apply_the_same_gate_to_every_compliance_outcome(firm_a):
    book = approved_book(firm_a, len(OUTCOMES))
    outcome = dict(zip(book["proposals"], OUTCOMES))
    with firm_scope(firm_a):
        for pid, status in outcome.items():
            if status is None:
                ComplianceReview.objects.filter(proposal_id=pid).delete()
            else:
                ComplianceReview.objects.filter(proposal_id=pid).update(status=status)
        routed = set(
            _routable_filter(Proposal.objects.filter(pk__in=list(outcome))).values_list(
                "pk", flat=True
            )
        )
        refused = proposals_not_routable(list(outcome))
    assert routed == set(outcome) - set(refused)
    assert routed == {
        pid for pid, s in outcome.items() if s in (ReviewStatus.CLEAR, ReviewStatus.OVERRIDDEN)
    }
    batch = run_batch(firm_a)
    with firm_scope(firm_a):
        assert set(Order.objects.values_list("proposal_id", flat=True)) == routed
    assert {s["proposal"] for s in batch.skipped} == set(refused)
