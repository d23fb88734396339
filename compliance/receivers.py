"""What compliance hears from earlier stages. Each receiver only enqueues a task of this app once
the sender's transaction has committed; the five-minute sweep (tasks.unchecked_sweep) finds
drafts never checked and reviews older than a household's imported history."""

from firms.tasks import enqueue_after_commit


def proposals_check_enqueue(sender, firm_id: int, proposal_ids: list[int], **kwargs) -> None:
    """drift.proposals_created → check the new versions (proposals_check_task)."""
    from .tasks import proposals_check_task

    ids = list(map(int, proposal_ids))
    enqueue_after_commit(proposals_check_task, firm_id=firm_id, proposal_ids=ids)


def recheck_imported(sender, firm_id: int, account_ids: list[int], **kwargs) -> None:
    """portfolios.transactions_imported → re-check the households' reviewed proposals (a loss
    sale in the history may now make a proposed buy a wash sale)."""
    from .tasks import households_recheck_task

    ids = list(map(int, account_ids))
    enqueue_after_commit(households_recheck_task, firm_id=firm_id, account_ids=ids)


def defaults_seed(sender, firm_id: int, **kwargs) -> dict[str, int]:
    """firms.firm_defaults_wanted → every compliance rule kind with its default parameters."""
    from .services.rules import compliance_rules_ensure_defaults

    return {"compliance_rules": compliance_rules_ensure_defaults(firm_id=firm_id)}


def connect() -> None:
    from drift.signals import proposals_created
    from firms.signals import firm_defaults_wanted
    from portfolios.signals import transactions_imported

    proposals_created.connect(
        proposals_check_enqueue, dispatch_uid="compliance.proposals_check_enqueue"
    )
    transactions_imported.connect(recheck_imported, dispatch_uid="compliance.recheck_imported")
    firm_defaults_wanted.connect(defaults_seed, dispatch_uid="compliance.defaults_seed")
