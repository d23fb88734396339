"""Recompute every firm's audit hash chain and report the first break, if any: HMAC of
every keyed entry, links, sequence, and every signed head published for the firm (its table
rows and its file under AUDIT_HEAD_DIR) — see firms.services.audit."""

from django.core.management.base import BaseCommand, CommandError

from firms.models import Firm
from firms.selectors import firm_by_slug, firm_ids_all
from firms.services.audit import audit_verify
from firms.services.tenancy import firm_scope


class Command(BaseCommand):
    help = "Verify the audit log's hash chain (all firms, or --firm SLUG)."

    def add_arguments(self, parser):
        parser.add_argument("--firm", help="slug of one firm")

    def handle(self, *args, firm=None, **options):
        if firm:
            firms = [firm_by_slug(firm)]
        else:
            firms = []
            for firm_id in firm_ids_all():  # each chain is read in its own firm's scope
                with firm_scope(firm_id):
                    firms.append(Firm.objects.get(pk=firm_id))
        broken = 0
        for f in firms:
            with firm_scope(f):
                report = audit_verify(firm_id=f.pk)
            if report.ok:
                self.stdout.write(
                    f"{f.slug}: {report.entries} entries, chain intact"
                    f" (checked against {report.heads} published head(s))"
                )
            else:
                broken += 1
                self.stderr.write(f"{f.slug}: BROKEN at entry #{report.broken_at}: {report.reason}")
        if broken:
            raise CommandError(f"{broken} firm chain(s) broken")
