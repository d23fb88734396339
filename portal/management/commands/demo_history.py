"""Live one demo firm's recent sessions (portal.services.demo_history): what `seed_demo --jobs`
runs in a process per firm. A firm that has scans already is left as it is."""

from django.core.management.base import BaseCommand, CommandError

from portal.services.demo_history import DEFAULT_HISTORY_SESSIONS, demo_history_of
from portfolios.services.demo import FIRMS, demo_firm_find


class Command(BaseCommand):
    help = "Live a seeded demo firm's last trading sessions through the pipeline."

    def add_arguments(self, parser):
        parser.add_argument("firm", choices=[spec.slug for spec in FIRMS])
        parser.add_argument("--sessions", type=int, default=DEFAULT_HISTORY_SESSIONS)

    def handle(self, *args, firm: str, sessions: int, **options):
        spec = next(s for s in FIRMS if s.slug == firm)
        found = demo_firm_find(spec.slug)
        if found is None:
            raise CommandError(f"{spec.name} is not seeded yet: run seed_demo first")
        demo_history_of(spec, firm=found, sessions=sessions, log=self.stdout.write)
