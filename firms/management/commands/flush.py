"""`flush` (used by the test runner between transactional tests), run as the schema owner.

The audit table refuses TRUNCATE by trigger; only this command sets the one setting that
lets the trigger pass, as the owner — the app role has no TRUNCATE privilege at all."""

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DEFAULT_DB_ALIAS, connections

from firms.services.db_security import owner_role


class Command(DjangoFlush):
    def handle(self, **options):
        options["database"] = DEFAULT_DB_ALIAS  # stood in for by the owner's connection below
        with owner_role(fresh_connection=True):  # the app's login may not truncate; the owner may
            with connections[options["database"]].cursor() as cur:
                cur.execute("SELECT set_config('rebalance.audit_truncate', 'allow', false)")
            try:
                return super().handle(**options)
            finally:
                with connections[options["database"]].cursor() as cur:
                    cur.execute("SELECT set_config('rebalance.audit_truncate', '', false)")
