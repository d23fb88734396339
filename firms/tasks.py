"""Firms' Celery tasks and the base class every firm task uses."""
from celery import Task, shared_task
from django.db import close_old_connections

from .tenancy import firm_scope


class FirmTask(Task):
    """A task that takes `firm_id` and runs inside that firm's scope (app filter + RLS).

    Tasks take ids, never objects; the scope is entered fresh for each run and left on exit,
    so nothing of one firm's run can leak into the next task on the same worker connection.
    """

    def __call__(self, *args, **kwargs):
        firm_id = kwargs.get("firm_id")
        if firm_id is None:
            raise TypeError(f"{self.name} needs firm_id= (a firm task never runs unscoped)")
        close_old_connections()
        with firm_scope(int(firm_id)):
            return super().__call__(*args, **kwargs)


@shared_task(name="firms.tasks.heartbeat")
def heartbeat() -> str:
    """A periodic no-op that lets ops see beat and workers are alive."""
    return "ok"


@shared_task(base=FirmTask, name="firms.tasks.firm_summary")
def firm_summary(*, firm_id: int) -> dict:
    """Counts of a firm's book, computed in the firm's scope (used by ops and tests)."""
    from portfolios.selectors import book_counts

    return book_counts()
