"""The gate later stages call before routing a proposal or sending it to a client or a
custodian: only a proposal compliance cleared (or an officer overrode) may go on."""

from django.db import connection

from drift.choices import ProposalStatus
from drift.models import Proposal
from portfolios.selectors import household_group_sql

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
        raise ProposalNotRoutable(
            "Compliance blocked this proposal; it can never be routed or sent. "
            "Use the suggested fix to make a new version."
        )
    if review.status == ReviewStatus.FLAGGED:
        raise ProposalNotRoutable(
            "Compliance flagged this proposal; it waits for a compliance officer's review."
        )
    if review.status == ReviewStatus.REJECTED:
        raise ProposalNotRoutable("A compliance officer rejected this proposal.")
    status = Proposal.objects.filter(pk=proposal.pk).values_list("status", flat=True).get()
    if status == ProposalStatus.BLOCKED or review.status not in ROUTABLE_REVIEWS:
        raise ProposalNotRoutable("Compliance has not cleared this proposal.")
    if proposals_review_stale([proposal.pk]):
        raise ProposalNotRoutable(STALE)


REASONS = {
    None: "Compliance has not checked this proposal yet.",
    ReviewStatus.BLOCKED: "Compliance blocked this proposal; it can never be routed or sent.",
    ReviewStatus.FLAGGED: (
        "Compliance flagged this proposal; it waits for a compliance officer's review."
    ),
    ReviewStatus.REJECTED: "A compliance officer rejected this proposal.",
}


STALE = (
    "Transactions of the household were imported after compliance reviewed this proposal; "
    "it waits for the re-check with the new history."
)


def proposals_not_routable(proposal_ids) -> dict[int, str]:
    """Bulk form of the gate, in two queries: proposal id → why it may not go on (absent =
    routable)."""
    ids = list(map(int, proposal_ids))
    reviews = dict(
        ComplianceReview.objects.filter(proposal_id__in=ids).values_list("proposal_id", "status")
    )
    refused = {
        pid: REASONS.get(reviews.get(pid), "Compliance has not cleared this proposal.")
        for pid in ids
        if reviews.get(pid) not in ROUTABLE_REVIEWS
    }
    cleared = [pid for pid in ids if pid not in refused]
    return refused | dict.fromkeys(proposals_review_stale(cleared), STALE)


# A review is stale when a transaction reached the household's book after it (same household,
# or the same client when it has none). The backstop of the re-check on import.
_SAME_GROUP = f"{household_group_sql('tc')} = {household_group_sql('c')}"
_STALE_SQL = """
SELECT p.id FROM drift_proposal p JOIN compliance_compliancereview r ON r.proposal_id = p.id
JOIN portfolios_account a ON a.id = p.account_id JOIN portfolios_client c ON c.id = a.client_id
WHERE {where} AND EXISTS (
  SELECT 1 FROM portfolios_transaction t JOIN portfolios_account ta ON ta.id = t.account_id
  JOIN portfolios_client tc ON tc.id = ta.client_id
  WHERE t.firm_id = p.firm_id AND t.imported_at > r.checked_at
    AND {same_group})
ORDER BY p.id"""


def proposals_review_stale(
    proposal_ids=None, *, firm_id: int | None = None, statuses=()
) -> list[int]:
    """Proposals (of `proposal_ids`, or every one of `firm_id` in `statuses`) whose compliance
    review predates a transaction imported into their household (RLS keeps it to the firm)."""
    if proposal_ids is not None:
        ids = list(map(int, proposal_ids))
        if not ids:
            return []
        where, params = "p.id = ANY(%s::bigint[])", [ids]
    else:
        where, params = "p.firm_id = %s AND p.status = ANY(%s)", [firm_id, sorted(statuses)]
    with connection.cursor() as cur:
        cur.execute(_STALE_SQL.format(where=where, same_group=_SAME_GROUP), params)
        return [row[0] for row in cur.fetchall()]
