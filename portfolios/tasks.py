"""Celery tasks of portfolios: thin wrappers around its selectors."""

from celery import shared_task

from firms.tasks import FirmTask


@shared_task(base=FirmTask, name="portfolios.tasks.firm_summary")
def firm_summary(*, firm_id: int) -> dict:
    """Counts of a firm's book, computed in the firm's scope (used by ops and tests)."""
    from .selectors import book_counts

    return book_counts()
