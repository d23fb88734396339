"""Recompute every firm's audit hash chain and report the first break, if any."""
from django.core.management.base import BaseCommand, CommandError

from firms.audit import audit_verify
from firms.db_security import owner_role
from firms.models import Firm
from firms.tenancy import firm_scope


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (all firms, or --firm SLUG)."

    def add_arguments(self, parser):
        parser.add_argument("--firm", help="slug of one firm")

    def handle(self, *args, firm=None, **options):
        with owner_role():  # listing firms is a platform act; each chain is read in its scope
            firms = list(Firm.objects.filter(slug=firm) if firm else Firm.objects.order_by("slug"))
        if firm and not firms:
            raise CommandError(f"No firm with slug {firm!r}")
        broken = 0
        for f in firms:
            with firm_scope(f):
                report = audit_verify(firm_id=f.pk)
            if report.ok:
                self.stdout.write(f"{f.slug}: {report.entries} entries, chain intact")
            else:
                broken += 1
                self.stderr.write(f"{f.slug}: BROKEN at entry #{report.broken_at}: {report.reason}")
        if broken:
            raise CommandError(f"{broken} firm chain(s) broken")
