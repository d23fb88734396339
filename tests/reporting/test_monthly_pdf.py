"""The PDF's content: cover, totals, charts and tables. Set REPORT_PDF_OUT to keep a copy
for looking at (pdftoppm -png)."""

import os

import pytest

from firms.services.tenancy import firm_scope
from reporting.calc.months import month_window
from reporting.selectors.monthly import monthly_figures
from reporting.services.monthly_render import monthly_html

from .conftest import OCTOBER

pytestmark = pytest.mark.django_db


def test_the_pdf_has_a_cover_totals_charts_and_escaped_reasons(firm_a, month_a, report_a):
    with firm_scope(firm_a):
        html = monthly_html(
            monthly_figures(window=month_window(OCTOBER)), firm_name=firm_a.name, version=1
        )
        if os.environ.get("REPORT_PDF_OUT"):
            with report_a.pdf.open("rb") as fh, open(os.environ["REPORT_PDF_OUT"], "wb") as out:
                out.write(fh.read())
    assert "Monthly compliance report" in html and "October 2026" in html
    assert html.count("<svg") >= 4  # drift before/after, daily drift, two approval-rate charts
    assert "&quot;http://evil.test&quot;" in html  # a reason is text, never markup
