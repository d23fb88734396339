"""The firms app: tenants, their members, the audit log, and tenancy in PostgreSQL."""

from django.apps import AppConfig


class FirmsConfig(AppConfig):
    name = "firms"
    verbose_name = "Firms and tenancy"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from firms import receivers  # noqa: F401  (login audit receivers)
        from firms.services import db_security

        connection_created.connect(db_security.on_connection_created)
        post_migrate.connect(db_security.apply_grants_and_policies, sender=self)
