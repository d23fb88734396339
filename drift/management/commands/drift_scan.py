"""`manage.py drift_scan <firm> [date]`: run one firm's drift scan by hand."""

from datetime import date

from django.core.management.base import BaseCommand

from firms.selectors import firm_by_slug
from firms.services.tenancy import firm_scope


class Command(BaseCommand):
    help = "Run the drift scan of one firm for a date (default: the latest completed NYSE session)."

    def add_arguments(self, parser):
        parser.add_argument("firm_slug")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
        parser.add_argument(
            "--latest-prices",
            action="store_true",
            help="scan the latest day that has closing prices (demo data)",
        )

    def handle(self, *args, firm_slug, as_of, latest_prices=False, **options):
        from django.utils import timezone

        from drift.services.scan import drift_scan_run
        from portfolios.calc.market_calendar import latest_completed_session

        firm = firm_by_slug(firm_slug)
        with firm_scope(firm):
            if latest_prices:
                from portfolios.selectors import latest_price_date

                as_of = latest_price_date()
            as_of = as_of or latest_completed_session(timezone.now())
            self.stdout.write(f"Scanning {firm.name} as of {as_of}…")
            run = drift_scan_run(
                firm_id=firm.pk, as_of=as_of, progress=lambda m: self.stdout.write(f"  {m}")
            )
        self.stdout.write(self.style.SUCCESS(f"Done: {run.counts}"))
