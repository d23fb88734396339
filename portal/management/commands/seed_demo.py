"""Create the demo firms, their staff and books, then each later stage's demo set-up, in stage
order (this app may import them all). Safe to run again: firms that exist are left as they
are, and the logins are printed either way.

`--jobs 2` lives the firms' histories in a process each (`demo_history`), side by side: each
firm's history is its own transaction in its own scope, so they do not wait on each other.
The processes use the DATABASE_URL this one was started with, so --jobs is for a real
database (`make demo`), not for a test's."""

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from compliance.services.rules import compliance_demo_seed
from firms.services.tenancy import firm_scope
from portal.services.demo_history import (
    DEFAULT_HISTORY_SESSIONS,
    demo_history_due,
    demo_history_of,
)
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
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="firms whose histories are lived at once, a process each (default 1: in this one)",
        )

    def handle(self, *args, accounts: int, history_days: int, sessions: int, jobs: int, **options):
        started = time.monotonic()
        results = demo_seed(
            accounts_per_firm=accounts, history_days=history_days, log=self.stdout.write
        )
        due = []
        for spec in FIRMS:
            firm = demo_firm_find(spec.slug)
            with firm_scope(firm):
                compliance_demo_seed(firm_id=firm.pk)  # the default rules, shown on their page
                if demo_history_due(sessions=sessions):
                    due.append((spec, firm))
        if jobs > 1 and len(due) > 1:
            self._histories_in_processes([spec for spec, _ in due], sessions, jobs)
        else:
            for spec, firm in due:
                demo_history_of(spec, firm=firm, sessions=sessions, log=self.stdout.write)
        created = [r.name for r in results if r.created]
        summary = f"seeded {', '.join(created)}" if created else "demo data already present"
        self.stdout.write(self.style.SUCCESS(f"{summary} ({time.monotonic() - started:.1f}s)"))
        self._print_logins()

    def _histories_in_processes(self, specs, sessions: int, jobs: int) -> None:
        manage = str(settings.BASE_DIR / "manage.py")

        def live(spec) -> tuple[str, subprocess.CompletedProcess]:
            argv = [sys.executable, manage, "demo_history", spec.slug, f"--sessions={sessions}"]
            return spec.name, subprocess.run(argv, capture_output=True, text=True)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            done = list(pool.map(live, specs))
        for name, run in done:
            self.stdout.write(run.stdout.rstrip())
            if run.returncode:
                self.stderr.write(run.stderr)
                raise CommandError(f"{name}: the history failed (exit {run.returncode})")

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
