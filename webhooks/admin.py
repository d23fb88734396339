"""Ops admin: endpoints and the delivery log, read-only for ops and firm admins (the webhooks
pages, for firm admins, change them; no secret is shown here)."""

from django.contrib import admin

from firms.admin import ReadOnlyFirmModelAdmin, firm_admin_site

from .models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint, site=firm_admin_site)
class WebhookEndpointAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("url", "description", "status", "created_at")
    list_filter = ("status",)
    exclude = ("firm", "secret", "previous_secret")


@admin.register(WebhookDelivery, site=firm_admin_site)
class WebhookDeliveryAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("created_at", "event", "endpoint", "status", "attempts", "last_status_code")
    list_filter = ("status", "endpoint")
    list_select_related = ("event", "endpoint")
    exclude = ("firm",)
