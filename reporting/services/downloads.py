"""Handing out a stored report file: audited, and checked against its recorded hash."""

import hashlib

from firms.services.audit import audit_record

from ..models import MonthlyReport


class ReportTampered(Exception):
    """The stored file no longer matches the SHA-256 recorded when it was written."""


def report_file_read(*, report: MonthlyReport, kind: str, actor) -> bytes:
    field, expected = (
        (report.pdf, report.pdf_sha256) if kind == "pdf" else (report.csv, report.csv_sha256)
    )
    with field.open("rb") as fh:
        data = fh.read()
    if hashlib.sha256(data).hexdigest() != expected:
        raise ReportTampered(
            f"The stored {kind.upper()} of {report} does not match its recorded SHA-256."
        )
    audit_record(
        firm_id=report.firm_id,
        event="reporting.monthly_downloaded",
        actor=actor,
        obj=report,
        payload={
            "kind": kind,
            "month": report.month.isoformat(),
            "version": report.version,
            "sha256": expected,
        },
    )
    return data
