"""The compliance officer's decisions: override a flagged proposal with a written reason (it
becomes checked, ready for routing), or reject a flagged or blocked one. Both audited."""

from django.db import transaction
from django.utils import timezone

from drift.choices import ProposalStatus
from drift.models import Proposal
from drift.services.transitions import TransitionNotAllowed, proposals_transition
from firms.models import Membership
from firms.services.audit import audit_record

from ..choices import ReviewStatus
from ..models import ComplianceReview
from ..signals import proposals_cleared


class ReviewRefused(Exception):
    """The decision is not allowed; the message says why."""


def _failing(review: ComplianceReview) -> dict:
    rows = review.proposal.check_results.filter(passed=False).values_list(
        "kind", "severity", "message"
    )
    return {kind: {"severity": severity, "message": message} for kind, severity, message in rows}


def _decide(
    *, review: ComplianceReview, officer: Membership, reason: str, status: str, allowed: tuple
) -> ComplianceReview:
    locked = (
        ComplianceReview.objects.select_for_update().select_related("proposal").get(pk=review.pk)
    )
    if locked.status not in allowed:  # decided meanwhile by another officer
        raise ReviewRefused(f"This proposal is already {locked.get_status_display().lower()}.")
    locked.status, locked.officer, locked.reason, locked.decided_at = (
        status,
        officer,
        reason,
        timezone.now(),
    )
    locked.save(update_fields=["status", "officer", "reason", "decided_at"])
    return locked


def _move(review: ComplianceReview, to: str, officer: Membership, reason: str) -> None:
    """The proposal follows the decision; a version a newer one replaced meanwhile refuses it."""
    try:
        proposals_transition(ids=[review.proposal_id], to=to, actor=officer.user, reason=reason)
    except TransitionNotAllowed as exc:
        raise ReviewRefused(f"{exc} Nothing was changed.") from exc


def review_override(
    *, review: ComplianceReview, officer: Membership, reason: str
) -> ComplianceReview:
    """Clear a flagged proposal. A blocked one cannot be overridden."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewRefused("An override needs a written reason.")
    if review.status == ReviewStatus.BLOCKED:
        raise ReviewRefused(
            "A blocked proposal cannot be overridden; "
            "it can only be rejected or replaced by a new version."
        )
    if review.status != ReviewStatus.FLAGGED:
        raise ReviewRefused(
            "Only a flagged proposal can be overridden; "
            f"this one is {review.get_status_display().lower()}."
        )
    if Proposal.objects.filter(pk=review.proposal_id, approval__isnull=False).exists():
        # Flagged by a re-check after it was routed: its one approval is void, so it cannot go
        # back to the client; rejecting it lets the next scan build a version on the new history.
        raise ReviewRefused(
            "This proposal was already routed for approval when a re-check flagged it, "
            "and that approval is void; it cannot be routed again. "
            "Reject it: the next scan builds a new version."
        )
    with transaction.atomic():
        locked = _decide(
            review=review,
            officer=officer,
            reason=reason,
            status=ReviewStatus.OVERRIDDEN,
            allowed=(ReviewStatus.FLAGGED,),
        )
        _move(locked, ProposalStatus.CHECKED, officer, f"compliance override: {reason}")
        audit_record(
            firm_id=locked.firm_id,
            event="compliance.override",
            actor=officer.user,
            obj=locked.proposal,
            payload={
                "reason": reason,
                "failing": _failing(locked),
                "version": locked.proposal.version,
            },
        )
        firm_id, ids = locked.firm_id, [locked.proposal_id]
        transaction.on_commit(
            lambda: proposals_cleared.send(sender=Proposal, firm_id=firm_id, proposal_ids=ids)
        )
    return locked


def review_reject(
    *, review: ComplianceReview, officer: Membership, reason: str = ""
) -> ComplianceReview:
    if review.status not in (ReviewStatus.FLAGGED, ReviewStatus.BLOCKED):
        raise ReviewRefused(
            "Only a flagged or blocked proposal can be rejected; "
            f"this one is {review.get_status_display().lower()}."
        )
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _decide(
            review=review,
            officer=officer,
            reason=reason,
            status=ReviewStatus.REJECTED,
            allowed=(ReviewStatus.FLAGGED, ReviewStatus.BLOCKED),
        )
        _move(locked, ProposalStatus.DECLINED, officer, f"compliance rejection: {reason}")
        audit_record(
            firm_id=locked.firm_id,
            event="compliance.reject",
            actor=officer.user,
            obj=locked.proposal,
            payload={
                "reason": reason,
                "failing": _failing(locked),
                "version": locked.proposal.version,
            },
        )
    return locked
