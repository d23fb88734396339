"""The notifications app; on start it connects its receivers (receivers.connect)."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        from .import_kinds import register
        from .receivers import connect

        connect()
        register()
