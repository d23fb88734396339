"""`migrate`, run as the schema owner (the app's login may not change the schema): on the
owner's connection (DATABASE_URL), whichever --database is named (both name one database)."""

from django.core.management.commands.migrate import Command as DjangoMigrate

from firms.services.db_security import OWNER_ALIAS, owner_role


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        options["database"] = OWNER_ALIAS
        with owner_role():
            return super().handle(*args, **options)
