"""Celery tasks of compliance: thin wrappers around services."""

from celery import shared_task

from firms.tasks import FirmTask, enqueue_after_commit


@shared_task(base=FirmTask, name="compliance.tasks.proposals_check_task")
def proposals_check_task(*, firm_id: int, proposal_ids: list[int]) -> dict:
    from .services.checks import proposals_check

    return {
        str(k): v for k, v in proposals_check(firm_id=firm_id, proposal_ids=proposal_ids).items()
    }


@shared_task(base=FirmTask, name="compliance.tasks.proposals_recheck_task")
def proposals_recheck_task(*, firm_id: int, proposal_ids: list[int]) -> dict:
    from .services.recheck import proposals_recheck

    return {
        str(k): v for k, v in proposals_recheck(firm_id=firm_id, proposal_ids=proposal_ids).items()
    }


@shared_task(base=FirmTask, name="compliance.tasks.households_recheck_task")
def households_recheck_task(*, firm_id: int, account_ids: list[int]) -> dict:
    """Enqueued when imported transactions commit: re-check the reviewed proposals of the
    households concerned (the routable gate refuses stale reviews meanwhile; the sweep below
    re-checks any this misses)."""
    from .services.recheck import proposals_recheck_households

    outcomes = proposals_recheck_households(firm_id=firm_id, account_ids=account_ids)
    return {str(k): v for k, v in outcomes.items()}


def unchecked_enqueue() -> list[int]:
    """For every firm with drafts never checked (a lost enqueue), enqueue a check; with reviews
    older than an imported transaction of the household (a lost re-check), a re-check. Listing
    firms is a platform act (owner role, as in the drift scan check)."""
    from drift.choices import RECHECKABLE_STATUSES
    from firms.selectors import firm_ids_all
    from firms.services.tenancy import firm_scope

    from .services.checks import proposals_unchecked_ids
    from .services.guard import proposals_review_stale

    enqueued = []
    for firm_id in firm_ids_all():
        with firm_scope(firm_id):
            ids = proposals_unchecked_ids()
            stale = proposals_review_stale(firm_id=firm_id, statuses=RECHECKABLE_STATUSES)
        if ids:
            enqueued.append(firm_id)
            enqueue_after_commit(proposals_check_task, firm_id=firm_id, proposal_ids=ids)
        if stale:
            enqueue_after_commit(proposals_recheck_task, firm_id=firm_id, proposal_ids=stale)
    return enqueued


@shared_task(name="compliance.tasks.unchecked_sweep")
def unchecked_sweep() -> list[int]:
    return unchecked_enqueue()
