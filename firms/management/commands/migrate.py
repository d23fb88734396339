"""`migrate`, run as the schema owner (the app role may not change the schema)."""
from django.core.management.commands.migrate import Command as DjangoMigrate

from firms.db_security import owner_role


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        with owner_role():
            return super().handle(*args, **options)
