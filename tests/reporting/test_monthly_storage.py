"""Stored reports: files with their hashes, never changed, new versions on regeneration."""

import csv
import hashlib
import io
from datetime import date

import pytest
from django.db import DatabaseError, transaction

from firms.services.tenancy import firm_scope
from reporting.calc.safe_csv import safe_cell
from reporting.models import MonthlyReport
from reporting.services.monthly import ReportRefused, monthly_report_generate

from .conftest import OCTOBER, TODAY

pytestmark = pytest.mark.django_db


def _read(field) -> bytes:
    with field.open("rb") as fh:
        return fh.read()


def test_report_files_are_stored_with_their_sha256(firm_a, report_a):
    with firm_scope(firm_a):
        pdf, data = _read(report_a.pdf), _read(report_a.csv)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == report_a.pdf_sha256
    assert hashlib.sha256(data).hexdigest() == report_a.csv_sha256
    assert (report_a.version, report_a.totals["approval_rate"]) == (1, "60.0")


def test_the_database_refuses_to_change_a_report(firm_a, report_a):
    with firm_scope(firm_a):
        with pytest.raises(DatabaseError), transaction.atomic():
            MonthlyReport.objects.filter(pk=report_a.pk).update(pdf_sha256="0" * 64)
        with pytest.raises(DatabaseError), transaction.atomic():
            MonthlyReport.objects.filter(pk=report_a.pk).delete()
        assert MonthlyReport.objects.get(pk=report_a.pk).pdf_sha256 == report_a.pdf_sha256


def test_regenerating_writes_a_new_version_beside_the_old(firm_a, report_a):
    with firm_scope(firm_a):
        again = monthly_report_generate(firm_id=firm_a.pk, month=OCTOBER, today=TODAY)
        assert again.version == 2 and again.pdf.name != report_a.pdf.name
        assert _read(MonthlyReport.objects.get(pk=report_a.pk).pdf).startswith(b"%PDF")


def test_a_month_not_over_is_refused(firm_a):
    with firm_scope(firm_a), pytest.raises(ReportRefused, match="not over yet"):
        monthly_report_generate(firm_id=firm_a.pk, month=date(2026, 11, 1), today=TODAY)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (-3, "-3"),
        (None, ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_get_an_apostrophe(value, expected):
    assert safe_cell(value) == expected


def test_the_report_csv_neutralises_an_injected_override_reason(firm_a, report_a):
    with firm_scope(firm_a):
        rows = list(csv.reader(io.StringIO(_read(report_a.csv).decode())))
    cells = [c for row in rows for c in row]
    assert '\'=HYPERLINK("http://evil.test","click")' in cells
    assert not any(c.startswith("=") for c in cells)
