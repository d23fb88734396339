"""The drift stage: rules, the after-close scan, snapshots, harvesting and proposals."""

from django.apps import AppConfig


class DriftConfig(AppConfig):
    name = "drift"

    def ready(self):
        from .import_kinds import register
        from .receivers import connect

        connect()
        register()
