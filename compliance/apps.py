from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"

    def ready(self):
        from .import_kinds import register
        from .receivers import connect

        connect()
        register()
