"""The portfolios app's configuration; on start-up it connects its receivers."""

from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    name = "portfolios"
    verbose_name = "Book of business"

    def ready(self):
        from .receivers import connect

        connect()
