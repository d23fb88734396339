from django.contrib import admin

from .admin_site import FirmModelAdmin, ReadOnlyFirmModelAdmin, firm_admin_site
from .models import AuditEntry, Firm, Membership


@admin.register(Firm, site=firm_admin_site)
class FirmSettingsAdmin(admin.ModelAdmin):
    """The operator's own firm only (RLS shows no other): its settings, e.g. MFA for staff."""

    list_display = ("name", "slug", "require_mfa_for_staff")
    fields = ("name", "require_mfa_for_staff", "brand_color")

    def has_module_permission(self, request):
        return firm_admin_site.has_permission(request)

    has_view_permission = has_change_permission = lambda self, request, obj=None: firm_admin_site.has_permission(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk=request.firm.pk)


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
