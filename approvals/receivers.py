"""Routing starts as soon as compliance clears proposals (the minute sweep is the safety net),
and approvals of versions a newer version replaced are voided as soon as it exists."""

import logging

from django.utils import timezone

from firms.tenancy import firm_scope

log = logging.getLogger(__name__)


def route_cleared(sender, firm_id: int, proposal_ids: list[int], **kwargs) -> None:
    """A failure here must not break the sender's work; the next sweep retries."""
    from .services import approvals_start

    try:
        with firm_scope(firm_id):
            approvals_start(firm_id=firm_id, now=timezone.now(), proposal_ids=proposal_ids)
    except Exception:  # noqa: BLE001
        log.exception("routing cleared proposals of firm %s failed; the sweep will retry", firm_id)


def void_replaced(sender, firm_id: int, proposal_ids: list[int], to: str, **kwargs) -> None:
    """Proposals were superseded (a newer version, or prices moved), or a compliance re-check
    flagged or blocked them: void their approvals."""
    from drift.choices import ProposalStatus

    from .services import approvals_void_superseded, approvals_void_withdrawn

    voiders = {
        ProposalStatus.SUPERSEDED: approvals_void_superseded,
        ProposalStatus.FLAGGED: approvals_void_withdrawn,
        ProposalStatus.BLOCKED: approvals_void_withdrawn,
    }
    if to not in voiders:
        return

    try:
        with firm_scope(firm_id):
            voiders[to](firm_id=firm_id)
    except Exception:  # noqa: BLE001
        log.exception("voiding replaced approvals of firm %s failed; the sweep will retry", firm_id)


def connect() -> None:
    from compliance.signals import proposals_cleared
    from drift.signals import proposals_moved

    proposals_cleared.connect(route_cleared, dispatch_uid="approvals.route_cleared")
    proposals_moved.connect(void_replaced, dispatch_uid="approvals.void_replaced")
