"""What approvals hears from earlier stages. Each receiver only enqueues a task of this app
once the sender's transaction has committed; the minute sweep (approvals.services.sweep) is the
safety net for an enqueue that is lost."""

from firms.tasks import enqueue_after_commit


def route_cleared(sender, firm_id: int, proposal_ids: list[int], **kwargs) -> None:
    """compliance.proposals_cleared → route the cleared proposals (approvals_start)."""
    from .tasks import approvals_start_task

    ids = list(map(int, proposal_ids))
    enqueue_after_commit(approvals_start_task, firm_id=firm_id, proposal_ids=ids)


def void_replaced(sender, firm_id: int, proposal_ids: list[int], to: str, **kwargs) -> None:
    """drift.proposals_moved to superseded (a newer version, or prices moved), flagged or
    blocked (a compliance re-check) → void the approvals of those proposals."""
    from .tasks import VOIDING_STATUSES, approvals_void_task

    if to in VOIDING_STATUSES:
        enqueue_after_commit(approvals_void_task, firm_id=firm_id, status=str(to))


def defaults_seed(sender, firm_id: int, **kwargs) -> dict[str, int]:
    """firms.firm_defaults_wanted → the default routing tiers and the approval settings."""
    from .selectors import approval_settings_get
    from .services.routing_rules import routing_rules_ensure_defaults

    approval_settings_get(firm_id=firm_id)
    return {"routing_rules": routing_rules_ensure_defaults(firm_id=firm_id)}


def connect() -> None:
    from compliance.signals import proposals_cleared
    from drift.signals import proposals_moved
    from firms.signals import firm_defaults_wanted

    proposals_cleared.connect(route_cleared, dispatch_uid="approvals.route_cleared")
    proposals_moved.connect(void_replaced, dispatch_uid="approvals.void_replaced")
    firm_defaults_wanted.connect(defaults_seed, dispatch_uid="approvals.defaults_seed")
