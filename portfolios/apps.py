"""The portfolios app's configuration."""

from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    name = "portfolios"
    verbose_name = "Book of business"
