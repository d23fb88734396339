"""The client portal: where a client reads and decides the proposals waiting for them."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
