"""Celery tasks of compliance: thin wrappers around services."""

import logging

from celery import shared_task

from firms.enqueue import enqueue_after_commit
from firms.tasks import FirmTask

log = logging.getLogger(__name__)


@shared_task(base=FirmTask, name="compliance.tasks.proposals_check_task")
def proposals_check_task(*, firm_id: int, proposal_ids: list[int]) -> dict:
    from .services.checks import proposals_check

    return {
        str(k): v for k, v in proposals_check(firm_id=firm_id, proposal_ids=proposal_ids).items()
    }


def proposals_check_enqueue(*, firm_id: int, proposal_ids: list[int], **kwargs) -> None:
    """Receiver of drift's proposals_created: check the new versions once committed."""
    ids = list(map(int, proposal_ids))
    enqueue_after_commit(proposals_check_task, firm_id=firm_id, proposal_ids=ids)


@shared_task(base=FirmTask, name="compliance.tasks.proposals_recheck_task")
def proposals_recheck_task(*, firm_id: int, proposal_ids: list[int]) -> dict:
    from .services.recheck import proposals_recheck

    return {
        str(k): v for k, v in proposals_recheck(firm_id=firm_id, proposal_ids=proposal_ids).items()
    }


def recheck_imported(sender, firm_id: int, account_ids: list[int], **kwargs) -> None:
    """Receiver of portfolios' transactions_imported (sent after the import commits): re-check
    the households' reviewed proposals at once, so a proposal the new history blocks has left
    the approval path before the import answers. A failure must not fail the committed import:
    the routable gate refuses stale reviews and the sweep below re-checks them."""
    from firms.tenancy import firm_scope

    from .services.recheck import proposals_recheck_households

    try:
        with firm_scope(firm_id):
            proposals_recheck_households(firm_id=firm_id, account_ids=account_ids)
    except Exception:  # noqa: BLE001
        log.exception(
            "re-checking the proposals of firm %s after an import failed; the sweep will retry",
            firm_id,
        )


def unchecked_enqueue() -> list[int]:
    """For every firm with drafts never checked (a lost enqueue), enqueue a check; with reviews
    older than an imported transaction of the household (a lost re-check), a re-check. Listing
    firms is a platform act (owner role, as in the drift scan check)."""
    from drift.choices import RECHECKABLE_STATUSES
    from firms.platform import firm_ids_all
    from firms.tenancy import firm_scope

    from .services.checks import proposals_unchecked_ids
    from .services.guard import proposals_review_stale

    enqueued = []
    for firm_id in firm_ids_all():
        with firm_scope(firm_id):
            ids = proposals_unchecked_ids()
            stale = proposals_review_stale(firm_id=firm_id, statuses=RECHECKABLE_STATUSES)
        if ids:
            enqueued.append(firm_id)
            proposals_check_enqueue(firm_id=firm_id, proposal_ids=ids)
        if stale:
            enqueue_after_commit(proposals_recheck_task, firm_id=firm_id, proposal_ids=stale)
    return enqueued


@shared_task(name="compliance.tasks.unchecked_sweep")
def unchecked_sweep() -> list[int]:
    return unchecked_enqueue()
