"""Create the demo firms, their staff and books, then each later stage's demo set-up, in stage
order (this app may import them all). Safe to run again: firms that exist are left as they
are, and the logins are printed either way."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from compliance.services.rules import compliance_demo_seed
from firms.services.tenancy import firm_scope
from portfolios.services.demo import (
    DEFAULT_ACCOUNTS_PER_FIRM,
    DEFAULT_HISTORY_DAYS,
    DEMO_PASSWORD,
    LOGIN_PATH,
    demo_firm_find,
    demo_logins,
    demo_seed,
)


class Command(BaseCommand):
    help = "Seed deterministic demo data: two firms, staff of every role, prices, accounts, lots."

    def add_arguments(self, parser):
        parser.add_argument(
            "--accounts", type=int, default=DEFAULT_ACCOUNTS_PER_FIRM, help="accounts per firm"
        )
        parser.add_argument(
            "--history-days", type=int, default=DEFAULT_HISTORY_DAYS, help="calendar days of prices"
        )

    def handle(self, *args, accounts: int, history_days: int, **options):
        started = time.monotonic()
        results = demo_seed(
            accounts_per_firm=accounts, history_days=history_days, log=self.stdout.write
        )
        for result in results:
            firm = demo_firm_find(result.slug)
            with firm_scope(firm):
                compliance_demo_seed(firm_id=firm.pk)  # the default rules, shown on their page
        created = [r.name for r in results if r.created]
        summary = f"seeded {', '.join(created)}" if created else "demo data already present"
        self.stdout.write(self.style.SUCCESS(f"{summary} ({time.monotonic() - started:.1f}s)"))
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(
            f"\nLog in at {settings.SITE_URL}{LOGIN_PATH} (every password: {DEMO_PASSWORD})\n"
        )
        rows = [("firm", "role", "email", "password")]
        rows += [(login.firm, login.role, login.email, DEMO_PASSWORD) for login in demo_logins()]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
            )
