"""What every approval transition shares: the refusal, the result and the row lock."""

from dataclasses import dataclass

from django.utils import timezone

from ..choices import ApprovalStatus
from ..models import Approval


class ApprovalRefused(Exception):
    """The transition is not allowed; str(exc) says why, in words for the person who tried."""


@dataclass
class Result:
    approval: Approval
    changed: bool
    message: str


def locked_approval(approval_id: int) -> Approval:
    """The approval under a row lock (proposal joined but not locked: its own transition
    locks it)."""
    return (
        Approval.objects.select_for_update(of=("self",))
        .select_related("proposal__account__client")
        .get(pk=approval_id)
    )


def when(moment) -> str:
    return timezone.localtime(moment).strftime("%b %d, %Y at %I:%M %p %Z")


def refuse_closed(approval: Approval, now) -> None:
    """Raise unless the approval is open for decisions at `now`."""
    proposal = approval.proposal
    if approval.status == ApprovalStatus.VOID or proposal.status == "superseded":
        raise ApprovalRefused(
            "A newer version of this proposal replaced it; nothing was changed. Please review the "
            "new version."
        )
    if approval.status == ApprovalStatus.EXPIRED or (
        approval.status == ApprovalStatus.PENDING and now >= approval.deadline
    ):
        raise ApprovalRefused(
            f"The approval window closed on {when(approval.deadline)}; nothing was changed."
        )
    if approval.status != ApprovalStatus.PENDING:
        raise ApprovalRefused(
            f"This proposal was already {approval.get_status_display().lower()}"
            f"{' on ' + when(approval.decided_at) if approval.decided_at else ''}; nothing was "
            "changed."
        )
    if approval.content_hash != proposal.content_hash:
        raise ApprovalRefused(
            "The proposal's content no longer matches the version sent for approval; nothing was "
            "changed."
        )
