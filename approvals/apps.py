"""The approvals app; on start-up it connects its receivers to the earlier stages' signals."""

from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"

    def ready(self):
        from .import_kinds import register
        from .receivers import connect

        connect()
        register()
