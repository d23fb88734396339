"""The end of a window (firm policy: expire, or escalate to the advisor) and voiding
approvals whose proposal a newer version replaced."""
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from drift.choices import ProposalStatus
from firms.audit import audit_record

from .. import notify
from ..choices import ApprovalStatus
from ..models import Approval, PortalLink
from .common import ApprovalRefused, Result, locked_approval
from .finish import approval_close


def approval_expire(*, approval_id: int, now: datetime) -> Result:
    with transaction.atomic():
        approval = locked_approval(approval_id)
        if approval.status == ApprovalStatus.EXPIRED:
            return Result(approval, False, "Already expired.")
        if approval.status != ApprovalStatus.PENDING:
            raise ApprovalRefused(f"An approval that is {approval.get_status_display().lower()} cannot expire.")
        if now < approval.deadline:
            raise ApprovalRefused("The approval window is still open.")
        approval_close(approval=approval, status=ApprovalStatus.EXPIRED, now=now, reason="window closed without a decision")
        notify.decision_receipt(approval=approval, client=approval.proposal.account.client, outcome="expired")
    return Result(approval, True, "Expired.")


def approval_escalate(*, approval_id: int, now: datetime) -> Result:
    """The window closed: flag it for the advisor's manual follow-up (the proposal is not traded)."""
    with transaction.atomic():
        approval = locked_approval(approval_id)
        if approval.escalated_at is not None:
            return Result(approval, False, "Already escalated.")
        if approval.status != ApprovalStatus.PENDING or now < approval.deadline:
            raise ApprovalRefused("Only an open approval whose window has closed can be escalated.")
        approval.escalated_at = now
        approval.save(update_fields=["escalated_at"])
        audit_record(firm_id=approval.firm_id, event="approval.escalated", obj=approval, payload={"proposal": approval.proposal_id})
        advisor = approval.proposal.account.advisor
        if advisor is not None:
            notify.escalation(approval=approval, advisor_email=advisor.user.email)
    return Result(approval, True, "Escalated to the advisor.")


def approvals_void_superseded(*, firm_id: int, now: datetime | None = None) -> list[int]:
    """Bulk: open approvals whose proposal version was superseded become void; their links die."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(Approval.objects.select_for_update(of=("self",)).filter(
            status=ApprovalStatus.PENDING, proposal__status=ProposalStatus.SUPERSEDED).values_list("pk", flat=True))
        if not ids:
            return []
        Approval.objects.filter(pk__in=ids).update(status=ApprovalStatus.VOID, decided_at=now, reason="a newer version replaced it")
        PortalLink.objects.filter(approval_id__in=ids, expires_at__gt=now).update(expires_at=now)
        audit_record(firm_id=firm_id, event="approval.void", payload={"ids": ids, "reason": "proposal superseded"})
    return ids
