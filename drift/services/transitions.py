"""The proposal state machine: one function per transition, each a no-op when repeated,
refused when not allowed, and audited."""
from django.db import transaction
from django.utils import timezone

from firms.audit import audit_record

from ..choices import TRANSITIONS, ProposalStatus
from ..models import Proposal


class TransitionNotAllowed(Exception):
    pass


def proposal_transition(*, proposal: Proposal, to: str, actor=None, reason: str = "") -> Proposal:
    """Move `proposal` to `to` under a row lock. Already there: nothing happens."""
    with transaction.atomic():
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.status == to:
            return locked
        if to not in TRANSITIONS[locked.status]:
            raise TransitionNotAllowed(
                f"A proposal that is {locked.get_status_display().lower()} cannot become "
                f"{ProposalStatus(to).label.lower()}."
            )
        before = locked.status
        locked.status, locked.status_changed_at = to, timezone.now()
        locked.save(update_fields=["status", "status_changed_at"])
        audit_record(firm_id=locked.firm_id, event=f"proposal.{to}", actor=actor, obj=locked,
                     payload={"from": before, "to": to, "version": locked.version, "hash": locked.content_hash, "reason": reason})
    return locked


def _to(status: str):
    def transition(*, proposal: Proposal, actor=None, reason: str = "") -> Proposal:
        return proposal_transition(proposal=proposal, to=status, actor=actor, reason=reason)

    transition.__name__ = f"proposal_mark_{status}"
    return transition


proposal_mark_checked = _to(ProposalStatus.CHECKED)
proposal_mark_awaiting_approval = _to(ProposalStatus.AWAITING_APPROVAL)
proposal_mark_approved = _to(ProposalStatus.APPROVED)
proposal_mark_declined = _to(ProposalStatus.DECLINED)
proposal_mark_expired = _to(ProposalStatus.EXPIRED)
proposal_mark_queued = _to(ProposalStatus.QUEUED)
proposal_mark_submitted = _to(ProposalStatus.SUBMITTED)
proposal_mark_executed = _to(ProposalStatus.EXECUTED)
proposal_mark_failed = _to(ProposalStatus.FAILED)
proposal_mark_superseded = _to(ProposalStatus.SUPERSEDED)


def proposals_supersede_open(*, account_ids, actor=None, reason: str) -> int:
    """Bulk: proposals not yet approved of these accounts become superseded (a newer version
    replaces them). One UPDATE and one audit entry listing the ids."""
    movable = [s for s, targets in TRANSITIONS.items() if ProposalStatus.SUPERSEDED in targets]
    with transaction.atomic():
        qs = Proposal.objects.select_for_update().filter(account_id__in=list(account_ids), status__in=movable)
        ids = list(qs.values_list("id", flat=True))
        if not ids:
            return 0
        Proposal.objects.filter(id__in=ids).update(status=ProposalStatus.SUPERSEDED, status_changed_at=timezone.now())
        firm_id = Proposal.objects.filter(id=ids[0]).values_list("firm_id", flat=True).get()
        audit_record(firm_id=firm_id, event="proposal.superseded", actor=actor, payload={"ids": ids, "reason": reason})
    return len(ids)
