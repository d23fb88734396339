"""The monthly report as a PDF (weasyprint): cover, totals, inline-SVG charts, tables."""

from django.template.loader import render_to_string
from django.utils import timezone

from .. import charts


def monthly_html(figures: dict, *, firm_name: str, version: int) -> str:
    return render_to_string(
        "reporting/monthly_report_pdf.html",
        {
            "f": figures,
            "firm_name": firm_name,
            "version": version,
            "generated_at": timezone.now(),
            "daily_chart": charts.daily_drift_chart(figures["daily_drift"]),
            "drift_chart": charts.drift_before_after_chart(figures["activity"]),
            "advisor_chart": charts.rate_chart(
                figures["rates"]["by_advisor"], title="Approval rate by advisor"
            ),
            "type_chart": charts.rate_chart(
                figures["rates"]["by_account_type"], title="Approval rate by account type"
            ),
        },
    )


def monthly_pdf_bytes(figures: dict, *, firm_name: str, version: int) -> bytes:
    from weasyprint import HTML

    return HTML(string=monthly_html(figures, firm_name=firm_name, version=version)).write_pdf()
