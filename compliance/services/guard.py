"""The gate later stages call before routing a proposal or sending it to a client or a
custodian: only a proposal compliance cleared (or an officer overrode) may go on."""
from drift.choices import ProposalStatus
from drift.models import Proposal

from ..choices import ReviewStatus
from ..models import ComplianceReview

ROUTABLE_REVIEWS = frozenset({ReviewStatus.CLEAR, ReviewStatus.OVERRIDDEN})


class ProposalNotRoutable(Exception):
    """The proposal may not be routed or sent; the message says why."""


def proposal_assert_routable(proposal: Proposal) -> None:
    review = ComplianceReview.objects.filter(proposal_id=proposal.pk).only("status").first()
    if review is None:
        raise ProposalNotRoutable("Compliance has not checked this proposal yet.")
    if review.status == ReviewStatus.BLOCKED:
        raise ProposalNotRoutable("Compliance blocked this proposal; it can never be routed or sent. Use the suggested fix to make a new version.")
    if review.status == ReviewStatus.FLAGGED:
        raise ProposalNotRoutable("Compliance flagged this proposal; it waits for a compliance officer's review.")
    if review.status == ReviewStatus.REJECTED:
        raise ProposalNotRoutable("A compliance officer rejected this proposal.")
    status = Proposal.objects.filter(pk=proposal.pk).values_list("status", flat=True).get()
    if status == ProposalStatus.BLOCKED or review.status not in ROUTABLE_REVIEWS:
        raise ProposalNotRoutable("Compliance has not cleared this proposal.")


REASONS = {
    None: "Compliance has not checked this proposal yet.",
    ReviewStatus.BLOCKED: "Compliance blocked this proposal; it can never be routed or sent.",
    ReviewStatus.FLAGGED: "Compliance flagged this proposal; it waits for a compliance officer's review.",
    ReviewStatus.REJECTED: "A compliance officer rejected this proposal.",
}


def proposals_not_routable(proposal_ids) -> dict[int, str]:
    """Bulk form of the gate, in one query: proposal id → why it may not go on (absent = routable)."""
    ids = list(map(int, proposal_ids))
    reviews = dict(ComplianceReview.objects.filter(proposal_id__in=ids).values_list("proposal_id", "status"))
    return {pid: REASONS.get(reviews.get(pid), "Compliance has not cleared this proposal.")
            for pid in ids if reviews.get(pid) not in ROUTABLE_REVIEWS}
