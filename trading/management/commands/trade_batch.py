"""Run a firm's trade batch now, from the command line (the same service the beat runs)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from firms.selectors import firm_by_slug
from firms.services.tenancy import firm_scope


class Command(BaseCommand):
    help = "Run (or resume) a firm's trade batch for a date (default: today's New York date)."

    def add_arguments(self, parser):
        parser.add_argument("firm_slug")
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
        parser.add_argument(
            "--again", action="store_true", help="run a finished batch again (new approvals)"
        )

    def handle(self, *args, firm_slug, date=None, again=False, **options):
        from portfolios.calc.market_calendar import NEW_YORK, is_trading_day
        from trading.choices import BatchTrigger
        from trading.services.batch import BatchBusy, batch_run

        firm = firm_by_slug(firm_slug)
        day = date or timezone.now().astimezone(NEW_YORK).date()
        if not is_trading_day(day):
            raise CommandError(f"{day} is not an NYSE trading day: no batch.")
        with firm_scope(firm):
            self.stdout.write(f"Trade batch of {firm.name} for {day}…")
            try:
                batch = batch_run(
                    firm_id=firm.pk, trade_date=day, trigger=BatchTrigger.COMMAND, again=again
                )
            except BatchBusy as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"{batch.get_status_display()}: {batch.note or batch.counts}")
        )
