from django.contrib import admin

from .admin_site import FirmModelAdmin, ReadOnlyFirmModelAdmin, firm_admin_site
from .models import AuditEntry, Membership


@admin.register(Membership, site=firm_admin_site)
class MembershipAdmin(FirmModelAdmin):
    list_display = ("user_email", "role")
    list_filter = ("role",)
    search_fields = ("user__email", "user__first_name", "user__last_name")
    fields = ("role",)

    def has_add_permission(self, request):
        return False  # members are created with their user account (firms.services.member_create)

    @admin.display(description="Email", ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


@admin.register(AuditEntry, site=firm_admin_site)
class AuditEntryAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("seq", "created_at", "event", "actor_label", "object_type", "object_id")
    list_filter = ("event",)
    search_fields = ("event", "actor_label", "object_id")
    ordering = ("-seq",)
