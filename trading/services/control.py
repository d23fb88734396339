"""The kill switch and manual overrides: pause/resume execution for the firm, a custodian, a
model or an account; hold/release one approved proposal. Every act is audited."""

from django.db import transaction
from django.utils import timezone

from core import locks
from drift.choices import ProposalStatus
from drift.models import Proposal
from firms.models import Membership
from firms.services.audit import audit_record

from ..choices import PauseScope
from ..models import ExecutionPause, ProposalHold


class ControlRefused(Exception):
    pass


def execution_pause(*, by: Membership, scope: str, reason: str, target=None) -> ExecutionPause:
    if not reason.strip():
        raise ControlRefused("A pause needs a reason.")
    if (scope == PauseScope.FIRM) != (target is None):
        raise ControlRefused(
            "Pause the whole firm without a target, or a custodian, model or account with one."
        )
    with transaction.atomic():
        # Exclusive against the batch's block claims: a block being claimed goes out, every
        # later claim sees this pause.
        locks.xact_lock(locks.EXECUTION_PAUSE, by.firm_id)
        pause = ExecutionPause.objects.create(
            firm_id=by.firm_id,
            scope=scope,
            reason=reason.strip(),
            paused_by=by,
            **({scope: target} if target is not None else {}),
        )
        audit_record(
            firm_id=by.firm_id,
            event="trading.paused",
            actor=by.user,
            obj=pause,
            payload={"scope": scope, "target": getattr(target, "pk", None), "reason": pause.reason},
        )
    return pause


def execution_resume(*, by: Membership, pause: ExecutionPause) -> ExecutionPause:
    with transaction.atomic():
        if ExecutionPause.objects.filter(pk=pause.pk, resumed_at__isnull=True).update(
            resumed_at=timezone.now(), resumed_by=by
        ):
            audit_record(
                firm_id=by.firm_id,
                event="trading.resumed",
                actor=by.user,
                obj=pause,
                payload={"scope": pause.scope, "reason": pause.reason},
            )
    pause.refresh_from_db()
    return pause


def proposal_hold(*, by: Membership, proposal: Proposal, reason: str) -> ProposalHold:
    if proposal.status != ProposalStatus.APPROVED:
        raise ControlRefused(
            "Only an approved proposal that has not gone to the batch can be held."
        )
    if not reason.strip():
        raise ControlRefused("A hold needs a reason.")
    with transaction.atomic():
        hold, created = ProposalHold.objects.get_or_create(
            firm_id=by.firm_id,
            proposal=proposal,
            released_at__isnull=True,
            defaults={"reason": reason.strip(), "held_by": by},
        )
        if created:
            audit_record(
                firm_id=by.firm_id,
                event="trading.proposal_held",
                actor=by.user,
                obj=proposal,
                payload={"reason": hold.reason},
            )
    return hold


def proposal_release(*, by: Membership, proposal: Proposal) -> int:
    with transaction.atomic():
        released = ProposalHold.objects.filter(proposal=proposal, released_at__isnull=True).update(
            released_at=timezone.now(), released_by=by
        )
        if released:
            audit_record(
                firm_id=by.firm_id, event="trading.proposal_released", actor=by.user, obj=proposal
            )
    return released
