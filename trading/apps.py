"""The trading app: batches of orders sent to custodians, fills booked back."""

from django.apps import AppConfig


class TradingConfig(AppConfig):
    name = "trading"
