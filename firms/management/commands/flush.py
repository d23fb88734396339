"""`flush` (used by the test runner between transactional tests), run as the schema owner.

The audit table refuses TRUNCATE by trigger; only this command sets the one setting that
lets the trigger pass, as the owner — the app role has no TRUNCATE privilege at all."""
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections

from firms.db_security import owner_role


class Command(DjangoFlush):
    def handle(self, **options):
        with owner_role():
            with connections[options["database"]].cursor() as cur:
                cur.execute("SELECT set_config('rebalance.audit_truncate', 'allow', false)")
            try:
                return super().handle(**options)
            finally:
                with connections[options["database"]].cursor() as cur:
                    cur.execute("SELECT set_config('rebalance.audit_truncate', '', false)")
