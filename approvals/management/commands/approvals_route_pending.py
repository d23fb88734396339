"""Route every CHECKED proposal of a firm now (the demo and ops use it; the sweep does it too)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from firms.selectors import firm_by_slug
from firms.services.tenancy import firm_scope


class Command(BaseCommand):
    help = "Start approval routing for every checked proposal of the firm <slug>."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug: str, **options):
        from approvals.services import approvals_start

        firm = firm_by_slug(slug)
        with firm_scope(firm):
            ids = approvals_start(firm_id=firm.pk, now=timezone.now())
        self.stdout.write(self.style.SUCCESS(f"Routed {len(ids)} proposal(s) of {firm.name}."))
