"""Writing monthly reports: render outside any transaction, then store the files and insert
the row once. A report is never changed; regenerating writes version n+1."""

import hashlib
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from core import locks
from firms.models import Firm
from firms.services.audit import audit_head_publish, audit_record
from webhooks.choices import EventType
from webhooks.services.emit import webhook_emit_many

from ..calc.months import month_first, month_window
from ..models import MonthlyReport, ReportTrigger
from ..selectors.monthly import monthly_figures
from .monthly_render import monthly_csv_bytes, monthly_pdf_bytes


class ReportRefused(Exception):
    """A report that may not be generated (a month not over yet)."""


def _store(name: str, data: bytes) -> tuple[str, str]:
    """Save under MEDIA_ROOT with a name never used before (the storage adds a suffix rather
    than overwrite), and return (stored name, SHA-256)."""
    return default_storage.save(name, ContentFile(data)), hashlib.sha256(data).hexdigest()


def _totals(figures: dict) -> dict:
    a, p = figures["activity"], figures["approvals"]
    return {
        "proposals": a["proposals"],
        "executions": a["executions"],
        "approval_rate": p["approval_rate"],
        "median_hours_to_approve": p["median_hours_to_approve"],
        "avg_drift_before": a["avg_drift_before"],
        "avg_drift_after": a["avg_drift_after"],
        "timeouts": p["timeouts"],
        "escalations": p["escalations"],
    }


def _next_version(firm_id: int, month: date) -> int:
    return (MonthlyReport.objects.filter(month=month).aggregate(v=Max("version"))["v"] or 0) + 1


def monthly_report_generate(
    *,
    firm_id: int,
    month: date,
    trigger: str = ReportTrigger.MANUAL,
    actor=None,
    today: date | None = None,
) -> MonthlyReport:
    """Render and store a new version of the firm's report for `month` (any day of it)."""
    month = month_first(month)
    if month >= month_first(today or timezone.localdate()):
        raise ReportRefused(
            f"{month:%B %Y} is not over yet; its report can be made from the 1st of next month."
        )
    firm = Firm.objects.get(pk=firm_id)
    figures = monthly_figures(window=month_window(month))
    # The report carries the firm's signed audit head, published now: one more copy of the
    # anchor outside the database.
    figures["audit_head"] = audit_head_publish(firm_id=firm_id)
    version = 1 if trigger == ReportTrigger.SCHEDULE else _next_version(firm_id, month)
    # Rendering is slow: it runs before any transaction or lock is taken.
    pdf = monthly_pdf_bytes(figures, firm_name=firm.name, version=version)
    csv = monthly_csv_bytes(figures, firm_name=firm.name)
    files = _store_files(firm_id, month, pdf, csv)
    fixed = 1 if trigger == ReportTrigger.SCHEDULE else None
    try:
        return _insert(
            firm_id=firm_id,
            month=month,
            version=fixed,
            trigger=trigger,
            actor=actor,
            files=files,
            totals=_totals(figures),
        )
    except Exception:
        for name in (files["pdf"], files["csv"]):
            default_storage.delete(name)  # the row was refused: leave no orphan file behind
        raise


def _store_files(firm_id: int, month: date, pdf: bytes, csv: bytes) -> dict:
    stem = f"reports/monthly/{month:%Y/%m}/firm{firm_id}-{month:%Y-%m}"
    pdf_name, pdf_sha = _store(f"{stem}.pdf", pdf)
    csv_name, csv_sha = _store(f"{stem}.csv", csv)
    return {"pdf": pdf_name, "pdf_sha256": pdf_sha, "csv": csv_name, "csv_sha256": csv_sha}


def _insert(
    *, firm_id, month, version: int | None, trigger, actor, files: dict, totals: dict
) -> MonthlyReport:
    """One INSERT under the firm's report lock; `version` None = the next free one."""
    with transaction.atomic():
        locks.xact_lock(locks.MONTHLY_REPORT, firm_id)
        report = MonthlyReport.objects.create(
            firm_id=firm_id,
            month=month,
            version=version or _next_version(firm_id, month),
            trigger=trigger,
            created_by=getattr(actor, "membership", None) if actor is not None else None,
            created_at=timezone.now(),
            totals=_json(totals),
            **files,
        )
        audit_record(
            firm_id=firm_id,
            event="reporting.monthly_generated",
            actor=actor,
            obj=report,
            payload={
                "month": month.isoformat(),
                "version": report.version,
                "pdf_sha256": files["pdf_sha256"],
                "csv_sha256": files["csv_sha256"],
            },
        )
        webhook_emit_many(firm_id=firm_id, event_type=EventType.REPORT_READY, ids=[report.pk])
    return report


def _json(totals: dict) -> dict:
    return {
        k: (str(v) if v is not None and not isinstance(v, int) else v) for k, v in totals.items()
    }


def monthly_report_ensure(
    *, firm_id: int, month: date, today: date | None = None
) -> MonthlyReport | None:
    """The scheduled run: make version 1 unless a report for the month exists. Safe to run
    twice or concurrently: the unique (firm, month, version) key admits one version 1."""
    month = month_first(month)
    if MonthlyReport.objects.filter(month=month).exists():
        return None
    try:
        return monthly_report_generate(
            firm_id=firm_id, month=month, trigger=ReportTrigger.SCHEDULE, today=today
        )
    except IntegrityError:
        return None
