"""Create the demo firms, their staff and books, then each later stage's demo set-up, in stage
order (this app may import them all). Safe to run again: firms that exist are left as they
are, and the logins are printed either way."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from compliance.services.rules import compliance_demo_seed
from firms.services.tenancy import firm_scope
from portal.services.demo_history import DEFAULT_HISTORY_SESSIONS, demo_history_once
from portfolios.services.demo import (
    DEFAULT_ACCOUNTS_PER_FIRM,
    DEFAULT_HISTORY_DAYS,
    DEMO_PASSWORD,
    FIRMS,
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
        parser.add_argument(
            "--sessions",
            type=int,
            default=DEFAULT_HISTORY_SESSIONS,
            help="recent trading days lived through the pipeline (scans, approvals, batches)",
        )

    def handle(self, *args, accounts: int, history_days: int, sessions: int, **options):
        started = time.monotonic()
        results = demo_seed(
            accounts_per_firm=accounts, history_days=history_days, log=self.stdout.write
        )
        for spec in FIRMS:
            firm = demo_firm_find(spec.slug)
            with firm_scope(firm):
                compliance_demo_seed(firm_id=firm.pk)  # the default rules, shown on their page
                demo_history_once(
                    firm=firm,
                    sessions=sessions,
                    seed=spec.seed,
                    expiry_policy=spec.expiry_policy,
                    log=self.stdout.write,
                )
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
