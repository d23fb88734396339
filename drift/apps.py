"""The drift stage: rules, the after-close scan, snapshots, harvesting and proposals."""

from django.apps import AppConfig


class DriftConfig(AppConfig):
    name = "drift"
