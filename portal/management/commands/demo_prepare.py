"""What `make demo` runs before it starts the site, in one process: migrate, seed_demo (the
firms' histories side by side, a process each), then each firm's latest day through the
pipeline's commands (scan, compliance, routing, the last closed month's report: no-ops after
a history, real work when the demo is prepared again on a later day). Idempotent."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from portfolios.services.demo import FIRMS

HISTORY_JOBS = 2  # one process per demo firm (the machine this is measured on has two cores)


class Command(BaseCommand):
    help = "Migrate, seed the demo and bring each demo firm to its latest day."

    def handle(self, *args, **options):
        started = time.monotonic()
        self._step("migrate", interactive=False)
        self._step("seed_demo", jobs=HISTORY_JOBS)
        for spec in FIRMS:
            self._step("drift_scan", spec.slug, latest_prices=True)
            self._step("compliance_check", spec.slug)
            self._step("approvals_route_pending", spec.slug)
            self._step("monthly_report", spec.slug, if_missing=True)
        self.stdout.write(f"demo prepared in {time.monotonic() - started:.1f}s")

    def _step(self, name: str, *args, **options) -> None:
        started = time.monotonic()
        call_command(name, *args, stdout=self.stdout, stderr=self.stderr, **options)
        label = " ".join([name, *args])
        self.stdout.write(f"demo_prepare: {label} … {time.monotonic() - started:.1f}s")
