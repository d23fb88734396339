"""Closing an approval whole (all or nothing): every step, the links and the proposal."""

from datetime import datetime

from django.db.models import Q

from drift.choices import ProposalStatus
from drift.services.transitions import TransitionNotAllowed, proposals_transition
from firms.services.audit import audit_record
from webhooks.choices import EventType
from webhooks.services.emit import webhook_emit_many

from ..choices import ApprovalStatus, StepStatus
from ..models import Approval, PortalLink
from .common import ApprovalRefused

_PROPOSAL_STATUS = {
    ApprovalStatus.APPROVED: ProposalStatus.APPROVED,
    ApprovalStatus.DECLINED: ProposalStatus.DECLINED,
    ApprovalStatus.EXPIRED: ProposalStatus.EXPIRED,
}


def approval_close(
    *, approval: Approval, status: str, now: datetime, actor=None, reason: str = ""
) -> None:
    """Call with the approval locked. Moves the proposal through drift's transition function."""
    try:
        proposals_transition(
            ids=[approval.proposal_id], to=_PROPOSAL_STATUS[status], actor=actor, reason=reason
        )
    except TransitionNotAllowed as exc:
        raise ApprovalRefused(f"{exc} Nothing was changed.") from exc
    approval.status, approval.decided_at, approval.reason = status, now, reason
    approval.save(update_fields=["status", "decided_at", "reason"])
    approval.steps.filter(Q(status=StepStatus.ACTIVE) | Q(status=StepStatus.WAITING)).update(
        status=StepStatus.CLOSED
    )
    PortalLink.objects.filter(approval=approval, expires_at__gt=now).update(expires_at=now)
    audit_record(
        firm_id=approval.firm_id,
        event=f"approval.{status}",
        actor=actor,
        obj=approval,
        payload={
            "proposal": approval.proposal_id,
            "version": approval.version,
            "hash": approval.content_hash,
            "reason": reason,
        },
    )
    webhook_emit_many(
        firm_id=approval.firm_id,
        event_type=EventType.APPROVAL_EXPIRED
        if status == ApprovalStatus.EXPIRED
        else EventType.APPROVAL_DECIDED,
        ids=[approval.pk],
    )
