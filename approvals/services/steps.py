"""Staff steps: advisor pre-approval, senior review, committee votes with their document."""

from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from firms.choices import Role
from firms.services.audit import audit_record
from firms.views import may_act_on_account

from ..choices import ApprovalStatus, StepRole, StepStatus
from ..models import ApprovalStep, CommitteeVote
from ..selectors import STEP_ACTORS
from . import notify
from .common import ApprovalRefused, Result, locked_approval, refuse_closed
from .finish import approval_close
from .links import portal_links_issue


def _step_for(approval, step_id: int, membership) -> ApprovalStep:
    step = approval.steps.get(pk=step_id)
    if membership.role not in STEP_ACTORS.get(step.role, ()):
        raise ApprovalRefused(
            f"{step.get_role_display()} needs one of: "
            f"{', '.join(Role(r).label for r in sorted(STEP_ACTORS.get(step.role, ())))}."
        )
    if not may_act_on_account(membership, approval.proposal.account.advisor_id):
        raise ApprovalRefused(
            "Only the account's own advisor (or a senior advisor) may decide this step; "
            "an account with no adviser is decided by a senior advisor."
        )
    return step


def _advance(approval, step, now, actor) -> None:
    """The step is done: open the next one, or approve the whole proposal if it was the last."""
    step.status, step.acted_at = StepStatus.APPROVED, now
    step.save(update_fields=["status", "acted_at", "actor", "comment", "document"])
    following = approval.steps.filter(position__gt=step.position).order_by("position").first()
    if following is None:
        approval_close(approval=approval, status=ApprovalStatus.APPROVED, now=now, actor=actor)
        return
    following.status = StepStatus.ACTIVE
    following.save(update_fields=["status"])
    if following.role == StepRole.CLIENT:
        url = portal_links_issue(approvals=[approval], now=now)[approval.pk]
        notify.proposal_ready(approval=approval, client=approval.proposal.account.client, link=url)


def _open_step(approval_id: int, step_id: int, membership, now):
    approval = locked_approval(approval_id)
    step = _step_for(approval, step_id, membership)
    return approval, step


def step_approve(
    *,
    approval_id: int,
    step_id: int,
    membership,
    now: datetime,
    comment: str = "",
    document: UploadedFile | None = None,
) -> Result:
    with transaction.atomic():
        approval, step = _open_step(approval_id, step_id, membership, now)
        if step.status == StepStatus.APPROVED:
            return Result(approval, False, "This step was already approved; nothing changed.")
        refuse_closed(approval, now)
        if step.status != StepStatus.ACTIVE:
            raise ApprovalRefused("This step is not yet due: an earlier step is still waiting.")
        if step.role == StepRole.COMMITTEE:
            return _committee_vote(approval, step, membership, now, comment, document)
        step.actor, step.comment = membership.user, comment
        audit_record(
            firm_id=approval.firm_id,
            event="approval.step_approved",
            actor=membership.user,
            obj=step,
            payload={"approval": approval.pk, "role": step.role, "comment": comment},
        )
        _advance(approval, step, now, membership.user)
    return Result(approval, True, f"{step.get_role_display()} recorded.")


def step_decline(
    *, approval_id: int, step_id: int, membership, now: datetime, comment: str = ""
) -> Result:
    if not comment.strip():
        raise ApprovalRefused(
            "A decline needs a written reason: say why the proposal should not be traded."
        )
    with transaction.atomic():
        approval, step = _open_step(approval_id, step_id, membership, now)
        if approval.status == ApprovalStatus.DECLINED:
            return Result(approval, False, "This proposal was already declined; nothing changed.")
        refuse_closed(approval, now)
        if step.status != StepStatus.ACTIVE:
            raise ApprovalRefused("This step is not waiting for a decision.")
        step.status, step.actor, step.acted_at, step.comment = (
            StepStatus.DECLINED,
            membership.user,
            now,
            comment,
        )
        step.save(update_fields=["status", "actor", "acted_at", "comment"])
        approval_close(
            approval=approval,
            status=ApprovalStatus.DECLINED,
            now=now,
            actor=membership.user,
            reason=comment,
        )
    return Result(approval, True, "Declined: the whole proposal will not be traded.")


def _committee_vote(approval, step, membership, now, comment, document) -> Result:
    vote, created = CommitteeVote.objects.get_or_create(
        step=step,
        member=membership,
        defaults={"firm_id": approval.firm_id, "approve": True, "comment": comment, "at": now},
    )
    if document is not None:
        step.document = document
        step.save(update_fields=["document"])
    if created:
        audit_record(
            firm_id=approval.firm_id,
            event="approval.committee_vote",
            actor=membership.user,
            obj=step,
            payload={"approval": approval.pk, "approve": True, "comment": comment},
        )
    return _committee_settle(approval, step, now, membership.user, created)


def _committee_settle(approval, step, now, actor, changed: bool) -> Result:
    approvals = step.votes.filter(approve=True).count()
    if approvals < step.quorum:
        return Result(
            approval, changed, f"Vote recorded: {approvals} of {step.quorum} committee approvals."
        )
    if not step.document:
        return Result(
            approval,
            changed,
            "Quorum reached; upload the committee's documentation to complete the approval.",
        )
    step.actor, step.comment = (
        actor,
        f"Quorum reached: {approvals} of {step.quorum} approving votes.",
    )
    _advance(approval, step, now, actor)
    return Result(approval, True, "Committee approval complete.")


def committee_document_attach(
    *, approval_id: int, step_id: int, membership, now: datetime, document: UploadedFile
) -> Result:
    with transaction.atomic():
        approval, step = _open_step(approval_id, step_id, membership, now)
        refuse_closed(approval, now)
        if step.role != StepRole.COMMITTEE or step.status != StepStatus.ACTIVE:
            raise ApprovalRefused(
                "Documents attach only to a committee step that is waiting for a decision."
            )
        step.document = document
        step.save(update_fields=["document"])
        audit_record(
            firm_id=approval.firm_id,
            event="approval.committee_document",
            actor=membership.user,
            obj=step,
            payload={"approval": approval.pk, "name": step.document.name},
        )
        return _committee_settle(approval, step, now, membership.user, True)
