"""Ops admin: the outbox with status/kind filters and a "retry" action; settings; templates
read-only (they are edited in the dashboard editor, which validates merge fields)."""

from django.contrib import admin, messages

from firms.admin import ControlFirmModelAdmin, ReadOnlyFirmModelAdmin, firm_admin_site

from .models import NotificationSettings, NotificationTemplate, OutboundMessage
from .services.outbox import outbound_message_retry


@admin.register(OutboundMessage, site=firm_admin_site)
class OutboundMessageAdmin(ReadOnlyFirmModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "kind")
    search_fields = ("recipient", "subject")
    exclude = ("firm", "body_html", "secret_ref")
    actions = ["retry"]

    @admin.action(description="Retry the selected failed messages")
    def retry(self, request, queryset):
        done = sum(
            outbound_message_retry(message_id=pk, actor=request.user)
            for pk in queryset.values_list("pk", flat=True)
        )
        messages.success(
            request,
            f"{done} message(s) queued again; messages not in 'failed' were left as they were.",
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        return actions if self._is_ops(request) else {}


@admin.register(NotificationTemplate, site=firm_admin_site)
class NotificationTemplateAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("kind", "subject", "updated_by", "updated_at")
    list_filter = ("kind",)


@admin.register(NotificationSettings, site=firm_admin_site)
class NotificationSettingsAdmin(ControlFirmModelAdmin):
    list_display = ("advisors_may_edit_templates",)
