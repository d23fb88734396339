"""Celery tasks of compliance: thin wrappers around services."""
from celery import shared_task

from firms.enqueue import enqueue_after_commit
from firms.tasks import FirmTask


@shared_task(base=FirmTask, name="compliance.tasks.proposals_check_task")
def proposals_check_task(*, firm_id: int, proposal_ids: list[int]) -> dict:
    from .services.checks import proposals_check

    return {str(k): v for k, v in proposals_check(firm_id=firm_id, proposal_ids=proposal_ids).items()}


def proposals_check_enqueue(*, firm_id: int, proposal_ids: list[int], **kwargs) -> None:
    """Receiver of drift's proposals_created: check the new versions once committed."""
    ids = list(map(int, proposal_ids))
    enqueue_after_commit(proposals_check_task, firm_id=firm_id, proposal_ids=ids)


def unchecked_enqueue() -> list[int]:
    """For every firm with drafts never checked (a lost enqueue), enqueue a check. Listing
    firms is a platform act (owner role, as in the drift scan check)."""
    from firms.platform import firm_ids_all
    from firms.tenancy import firm_scope

    from .services.checks import proposals_unchecked_ids

    enqueued = []
    for firm_id in firm_ids_all():
        with firm_scope(firm_id):
            ids = proposals_unchecked_ids()
        if ids:
            enqueued.append(firm_id)
            proposals_check_enqueue(firm_id=firm_id, proposal_ids=ids)
    return enqueued


@shared_task(name="compliance.tasks.unchecked_sweep")
def unchecked_sweep() -> list[int]:
    return unchecked_enqueue()
