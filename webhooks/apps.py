"""The webhooks app: a firm's endpoints, the events they subscribe to, and signed deliveries."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
