"""Closing an approval whole (all or nothing): every step, the links and the proposal."""
from datetime import datetime

from django.db.models import Q

from drift.services.transitions import (TransitionNotAllowed, proposal_mark_approved, proposal_mark_declined,
                                        proposal_mark_expired)
from firms.audit import audit_record

from ..choices import ApprovalStatus, StepStatus
from ..models import Approval, PortalLink
from .common import ApprovalRefused

_PROPOSAL_MOVE = {ApprovalStatus.APPROVED: proposal_mark_approved, ApprovalStatus.DECLINED: proposal_mark_declined,
                  ApprovalStatus.EXPIRED: proposal_mark_expired}


def approval_close(*, approval: Approval, status: str, now: datetime, actor=None, reason: str = "") -> None:
    """Call with the approval locked. Moves the proposal through drift's transition function."""
    try:
        _PROPOSAL_MOVE[status](proposal=approval.proposal, actor=actor, reason=reason)
    except TransitionNotAllowed as exc:
        raise ApprovalRefused(f"{exc} Nothing was changed.") from exc
    approval.status, approval.decided_at, approval.reason = status, now, reason
    approval.save(update_fields=["status", "decided_at", "reason"])
    approval.steps.filter(Q(status=StepStatus.ACTIVE) | Q(status=StepStatus.WAITING)).update(status=StepStatus.CLOSED)
    PortalLink.objects.filter(approval=approval, expires_at__gt=now).update(expires_at=now)
    audit_record(firm_id=approval.firm_id, event=f"approval.{status}", actor=actor, obj=approval,
                 payload={"proposal": approval.proposal_id, "version": approval.version, "hash": approval.content_hash,
                          "reason": reason})
