"""Ops admin: endpoints and the delivery log, read-only (the webhooks pages change them, and
never show a secret again)."""

from django.contrib import admin

from firms.admin import ReadOnlyFirmModelAdmin, firm_admin_site
from firms.choices import Role

from .models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint, site=firm_admin_site)
class WebhookEndpointAdmin(ReadOnlyFirmModelAdmin):
    view_roles = frozenset({Role.FIRM_ADMIN})
    list_display = ("url", "description", "status", "created_at")
    list_filter = ("status",)
    exclude = ("firm", "secret", "previous_secret")


@admin.register(WebhookDelivery, site=firm_admin_site)
class WebhookDeliveryAdmin(ReadOnlyFirmModelAdmin):
    view_roles = frozenset({Role.FIRM_ADMIN})
    list_display = ("created_at", "event", "endpoint", "status", "attempts", "last_status_code")
    list_filter = ("status", "endpoint")
    list_select_related = ("event", "endpoint")
    exclude = ("firm",)
