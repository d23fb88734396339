"""`python manage.py monthly_report <firm-slug> [--month YYYY-MM] [--if-missing]`: a new version
of a firm's monthly compliance report."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from firms.selectors import firm_by_slug
from firms.services.tenancy import firm_scope


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise CommandError(f"--month must be YYYY-MM, not {value!r}.") from exc


class Command(BaseCommand):
    help = (
        "Write a new version of a firm's monthly compliance report (default: last month); "
        "prints path and SHA-256."
    )

    def add_arguments(self, parser):
        parser.add_argument("firm_slug")
        parser.add_argument(
            "--month", default=None, help="YYYY-MM (default: the month before this one)"
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="only when the month has no report yet (as the schedule does)",
        )

    def handle(self, *args, firm_slug, month=None, if_missing=False, **options):
        from reporting.calc.months import previous_month
        from reporting.models import ReportTrigger
        from reporting.services.monthly import (
            ReportRefused,
            monthly_report_ensure,
            monthly_report_generate,
        )

        firm = firm_by_slug(firm_slug)
        first = _month(month) if month else previous_month(timezone.localdate().replace(day=1))
        with firm_scope(firm):
            try:
                if if_missing:
                    report = monthly_report_ensure(firm_id=firm.pk, month=first)
                    if report is None:
                        self.stdout.write(f"{firm.name} {first:%Y-%m}: a report exists already")
                        return
                else:
                    report = monthly_report_generate(
                        firm_id=firm.pk, month=first, trigger=ReportTrigger.COMMAND
                    )
            except ReportRefused as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(f"{firm.name} {report.month:%Y-%m} v{report.version}")
        self.stdout.write(f"pdf {report.pdf.path} sha256 {report.pdf_sha256}")
        self.stdout.write(f"csv {report.csv.path} sha256 {report.csv_sha256}")
