"""Re-checking reviewed proposals when the facts their review read change: an import wrote
transactions into a household (a loss sale may now make a buy a wash sale). The same rules as
the first check (checks.rules_evaluate); a proposal that is still clear keeps its place on the
approval path (only its review's date moves), one that is now flagged or blocked leaves it
through the lifecycle (approvals hears of the move and voids its approval) and waits in the
officer's queue."""

from django.db import transaction
from django.utils import timezone

from core.pgcopy import frame_from_sql
from drift.choices import RECHECKABLE_STATUSES
from drift.models import Proposal
from drift.services.transitions import proposals_transition
from firms.services.audit import audit_record
from portfolios.selectors import household_group_sql

from ..choices import ReviewStatus
from ..models import CheckResult, ComplianceReview
from .check_errors import check_errors_announce
from .checks import TO_STATUS, rules_evaluate, webhooks_emit_outcomes
from .rules import compliance_rules_ensure_defaults

REASON = "compliance re-check: the household's imported transactions changed the findings"

_HOUSEHOLD_PROPOSALS_SQL = f"""
SELECT p.id FROM drift_proposal p JOIN portfolios_account a ON a.id = p.account_id
JOIN portfolios_client c ON c.id = a.client_id
WHERE p.firm_id = %(f)s AND p.status = ANY(%(statuses)s) AND {household_group_sql()} IN (
  SELECT {household_group_sql()} FROM portfolios_account a
  JOIN portfolios_client c ON c.id = a.client_id
  WHERE a.firm_id = %(f)s AND a.id = ANY(%(ids)s::bigint[]))
ORDER BY p.id"""


def proposals_recheck_households(*, firm_id: int, account_ids) -> dict[int, str]:
    """Re-check every reviewed, not yet queued proposal of the households of `account_ids`."""
    frame = frame_from_sql(
        _HOUSEHOLD_PROPOSALS_SQL,
        {
            "f": firm_id,
            "ids": list(map(int, account_ids)),
            "statuses": sorted(RECHECKABLE_STATUSES),
        },
    )
    ids = [int(i) for i in frame["id"]] if len(frame) else []
    return proposals_recheck(firm_id=firm_id, proposal_ids=ids) if ids else {}


def proposals_recheck(*, firm_id: int, proposal_ids) -> dict[int, str]:
    """Run the rules again on reviewed proposals not yet in a batch. Returns proposal id → the
    new review status. Findings replace the earlier ones (the audit keeps both)."""
    compliance_rules_ensure_defaults(firm_id=firm_id)
    with transaction.atomic():
        locked = dict(
            Proposal.objects.select_for_update(of=("self",))
            .filter(
                id__in=list(map(int, proposal_ids)),
                status__in=RECHECKABLE_STATUSES,
                compliance_review__isnull=False,
            )
            .order_by("id")
            .values_list("id", "status")
        )
        if not locked:
            return {}
        ids = sorted(locked)
        results, outcomes, errors = rules_evaluate(firm_id, ids)
        reviews = {
            r.proposal_id: r
            for r in ComplianceReview.objects.select_for_update().filter(proposal_id__in=ids)
        }
        was = {pid: reviews[pid].status for pid in ids}
        _store(results, outcomes, reviews)
        audit_record(
            firm_id=firm_id,
            event="compliance.rechecked",
            payload={
                "ids": ids,
                "was": {str(k): v for k, v in was.items()},
                "outcomes": {str(k): v for k, v in outcomes.items()},
                "failed": {str(r.proposal_id): r.kind for r in results if not r.passed},
                **({"could_not_run": {k: sorted(v) for k, v in errors.items()}} if errors else {}),
            },
        )
        # A check that could not run flags the proposal and tells the officers, as in
        # proposals_check.
        if errors:
            check_errors_announce(firm_id=firm_id, errors=errors)
        _move(firm_id, outcomes, locked)
    return outcomes


def _store(
    results: list[CheckResult], outcomes: dict[int, str], reviews: dict[int, ComplianceReview]
) -> None:
    now = timezone.now()
    CheckResult.objects.bulk_create(
        results,
        update_conflicts=True,
        unique_fields=["firm", "proposal", "kind"],
        update_fields=["severity", "passed", "message", "figures", "suggestion", "checked_at"],
    )
    for pid, review in reviews.items():
        review.checked_at = now
        if outcomes[pid] != ReviewStatus.CLEAR:
            # New facts: an earlier officer decision was about other facts; the officer
            # decides again.
            review.status, review.officer, review.reason, review.decided_at = (
                outcomes[pid],
                None,
                "",
                None,
            )
    ComplianceReview.objects.bulk_update(
        list(reviews.values()), ["status", "checked_at", "officer", "reason", "decided_at"]
    )


def _move(firm_id: int, outcomes: dict[int, str], statuses: dict[int, str]) -> None:
    """Flagged or blocked now → the proposal leaves the approval path; still clear → stays."""
    for review_status in (ReviewStatus.FLAGGED, ReviewStatus.BLOCKED):
        to = TO_STATUS[review_status]
        ids = [pid for pid, s in outcomes.items() if s == review_status and statuses[pid] != to]
        if ids:
            proposals_transition(ids=ids, to=to, reason=REASON)
            webhooks_emit_outcomes(firm_id=firm_id, outcomes=dict.fromkeys(ids, review_status))
