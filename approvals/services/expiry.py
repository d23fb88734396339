"""The end of a window (firm policy: expire, or escalate to the advisor) and voiding
approvals whose proposal a newer version replaced."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from drift.choices import ProposalStatus
from firms.services.audit import audit_record

from ..choices import ApprovalStatus, StepRole, StepStatus
from ..models import Approval, ApprovalStep, CommitteeVote, PortalLink
from . import notify
from .common import ApprovalRefused, Result, locked_approval
from .finish import approval_close


def approval_expire(*, approval_id: int, now: datetime) -> Result:
    with transaction.atomic():
        approval = locked_approval(approval_id)
        if approval.status == ApprovalStatus.EXPIRED:
            return Result(approval, False, "Already expired.")
        if approval.status != ApprovalStatus.PENDING:
            raise ApprovalRefused(
                f"An approval that is {approval.get_status_display().lower()} cannot expire."
            )
        if now < approval.deadline:
            raise ApprovalRefused("The approval window is still open.")
        approval_close(
            approval=approval,
            status=ApprovalStatus.EXPIRED,
            now=now,
            reason="window closed without a decision",
        )
        notify.decision_receipt(
            approval=approval, client=approval.proposal.account.client, outcome="expired"
        )
        notify.advisor_decision(approval=approval, outcome="expired")
    return Result(approval, True, "Expired.")


def approval_escalate(*, approval_id: int, now: datetime) -> Result:
    """The window closed: flag it for the advisor's manual follow-up (the proposal is not
    traded)."""
    with transaction.atomic():
        approval = locked_approval(approval_id)
        if approval.escalated_at is not None:
            return Result(approval, False, "Already escalated.")
        if approval.status != ApprovalStatus.PENDING or now < approval.deadline:
            raise ApprovalRefused("Only an open approval whose window has closed can be escalated.")
        approval.escalated_at = now
        approval.save(update_fields=["escalated_at"])
        audit_record(
            firm_id=approval.firm_id,
            event="approval.escalated",
            obj=approval,
            payload={"proposal": approval.proposal_id},
        )
        advisor = approval.proposal.account.advisor
        if advisor is not None:
            notify.escalation(approval=approval, advisor_email=advisor.user.email)
    return Result(approval, True, "Escalated to the advisor.")


def approvals_void_superseded(*, firm_id: int, now: datetime | None = None) -> list[int]:
    """Bulk: pending and approved approvals whose proposal version was superseded become void;
    their links die, and the client and every approver who acted are told."""
    ids = _void(
        firm_id,
        now,
        [ProposalStatus.SUPERSEDED],
        reason="a newer version replaced it",
        audit_reason="proposal superseded",
    )
    if ids:
        _tell_replaced(ids)
    return ids


def approvals_void_withdrawn(*, firm_id: int, now: datetime | None = None) -> list[int]:
    """Bulk: pending and approved approvals whose proposal compliance flagged or blocked on a
    re-check (new facts, such as an imported loss sale) become void and their links die: the
    proposal waits in the officer's queue, off the approval path. The client and every approver
    who acted are told it is on hold."""
    ids = _void(
        firm_id,
        now,
        [ProposalStatus.FLAGGED, ProposalStatus.BLOCKED],
        reason="compliance withdrew it on a re-check",
        audit_reason="compliance re-check",
    )
    if ids:
        _tell_replaced(ids, withdrawn=True)
    return ids


def _void(
    firm_id: int,
    now: datetime | None,
    proposal_statuses: list[str],
    *,
    reason: str,
    audit_reason: str,
) -> list[int]:
    now = now or timezone.now()
    with transaction.atomic():
        voided = list(
            Approval.objects.select_for_update(of=("self",))
            .filter(
                status__in=[ApprovalStatus.PENDING, ApprovalStatus.APPROVED],
                proposal__status__in=proposal_statuses,
            )
            .values_list("pk", "status")
        )
        if not voided:
            return []
        ids = [pk for pk, _s in voided]
        Approval.objects.filter(pk__in=ids).update(
            status=ApprovalStatus.VOID, decided_at=now, reason=reason
        )
        PortalLink.objects.filter(approval_id__in=ids, expires_at__gt=now).update(expires_at=now)
        audit_record(
            firm_id=firm_id,
            event="approval.void",
            payload={
                "ids": ids,
                "reason": audit_reason,
                "was": {str(pk): status for pk, status in voided},
            },
        )
    return ids


def _tell_replaced(approval_ids: list[int], *, withdrawn: bool = False) -> None:
    """One email per voided approval and person: the client once their step was reached (they
    hold the proposal), and each staff member or committee voter who approved a step."""
    told: dict[int, dict[str, str]] = {pk: {} for pk in approval_ids}
    steps = list(
        ApprovalStep.objects.filter(approval_id__in=approval_ids).values_list(
            "approval_id", "role", "status", "actor__email"
        )
    )
    for approval_id, role, status, actor_email in steps:
        if role != StepRole.CLIENT and status == StepStatus.APPROVED and actor_email:
            told[approval_id][actor_email.lower()] = "approved"
    votes = CommitteeVote.objects.filter(
        step__approval_id__in=approval_ids, approve=True
    ).values_list("step__approval_id", "member__user__email")
    for approval_id, email in votes:
        told[approval_id][email.lower()] = "approved"
    reached = {
        approval_id: status for approval_id, role, status, _e in steps if role == StepRole.CLIENT
    }
    for approval in (
        Approval.objects.filter(pk__in=approval_ids)
        .select_related("proposal__account__client")
        .order_by("pk")
    ):
        client_step = reached.get(approval.pk)
        if client_step in (StepStatus.ACTIVE, StepStatus.APPROVED):
            told[approval.pk][approval.proposal.account.client.email.lower()] = (
                "approved" if client_step == StepStatus.APPROVED else "were asked to review"
            )
        for email, acted in sorted(told[approval.pk].items()):
            notify.replaced(approval=approval, to=email, acted=acted, withdrawn=withdrawn)
