"""Check every draft proposal of a firm that compliance has not checked yet (normally the
worker does this as proposals are created; this is for a person, or a demo without a worker)."""

from django.core.management.base import BaseCommand

from firms.selectors import firm_by_slug
from firms.services.tenancy import firm_scope


class Command(BaseCommand):
    help = "Run the compliance checks on a firm's unchecked draft proposals."

    def add_arguments(self, parser):
        parser.add_argument("firm_slug")

    def handle(self, *args, firm_slug: str, **options):
        from datetime import timedelta

        from compliance.services.checks import proposals_check, proposals_unchecked_ids

        firm = firm_by_slug(firm_slug)
        with firm_scope(firm):
            ids = proposals_unchecked_ids(older_than=timedelta(0))
            outcomes = proposals_check(firm_id=firm.pk, proposal_ids=ids) if ids else {}
        counts = {s: list(outcomes.values()).count(s) for s in sorted(set(outcomes.values()))}
        self.stdout.write(
            f"{firm.name}: {len(outcomes)} proposals checked "
            + ", ".join(f"{n} {s}" for s, n in counts.items())
        )
