"""Celery tasks of reporting: thin wrappers around services."""

from datetime import date, datetime

from celery import shared_task
from django.utils import timezone

from firms.tasks import FirmTask, enqueue_after_commit


@shared_task(base=FirmTask, name="reporting.tasks.monthly_report_firm")
def monthly_report_firm(*, firm_id: int, month: str) -> int | None:
    from .services.monthly import monthly_report_ensure

    report = monthly_report_ensure(firm_id=firm_id, month=date.fromisoformat(month))
    return report.pk if report else None


def reports_enqueue_due(*, now: datetime) -> list[int]:
    """For every firm without a report for the due month, enqueue its generation. Listing
    firms is a platform act (owner role, the one named place); each check runs in the firm's
    scope. A doubled beat enqueues twice at worst; the task's unique version 1 keeps one."""
    from firms.selectors import firm_ids_where

    from .calc.months import report_month_due
    from .models import MonthlyReport

    month = report_month_due(now)
    if month is None:
        return []
    due = firm_ids_where(lambda: not MonthlyReport.objects.filter(month=month).exists())
    for firm_id in due:
        enqueue_after_commit(monthly_report_firm, firm_id=firm_id, month=month.isoformat())
    return due


@shared_task(name="reporting.tasks.monthly_report_due_check")
def monthly_report_due_check() -> list[int]:
    return reports_enqueue_due(now=timezone.now())
