from django import forms
from django.contrib import admin

from .admin_site import FirmModelAdmin, ReadOnlyFirmModelAdmin, admin_write_audit, firm_admin_site
from .models import AuditEntry, Firm, Membership
from .roles import ADMIN_CONTROL_ROLES, ROLE_EDITORS
from .services import (
    RoleChangeRefused,
    membership_remove,
    membership_role_change,
    membership_role_change_check,
)


@admin.register(Firm, site=firm_admin_site)
class FirmSettingsAdmin(admin.ModelAdmin):
    """The operator's own firm only (RLS shows no other): its settings, e.g. MFA for staff.
    Security settings: seen by the admin roles, changed by a firm administrator, audited."""

    list_display = ("name", "slug", "require_mfa_for_staff")
    fields = ("name", "require_mfa_for_staff", "brand_color")

    def has_module_permission(self, request):
        return firm_admin_site.has_permission(request)

    has_view_permission = lambda self, request, obj=None: firm_admin_site.has_permission(request)  # noqa: E731

    def has_change_permission(self, request, obj=None):
        return (
            firm_admin_site.has_permission(request)
            and request.membership.role in ADMIN_CONTROL_ROLES
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk=request.firm.pk)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        admin_write_audit(
            request,
            "admin.changed",
            obj,
            {"changed": {n: form.cleaned_data.get(n) for n in form.changed_data}},
        )


class MembershipRoleForm(forms.ModelForm):
    """The role field, validated by the role-change rule (firms.services) for the signed-in
    member; a refused attempt is audited there."""

    class Meta:
        model = Membership
        fields = ("role",)

    def clean_role(self):
        role = self.cleaned_data["role"]
        if role != self.instance.role:
            try:
                membership_role_change_check(actor=self.actor, membership=self.instance, role=role)
            except RoleChangeRefused as exc:
                raise forms.ValidationError(str(exc)) from exc
        return role


@admin.register(Membership, site=firm_admin_site)
class MembershipAdmin(FirmModelAdmin):
    """Members and their roles. Operations see them; only a firm administrator changes or
    removes one (never their own), through firms.services, which audits every change."""

    list_display = ("user_email", "role")
    list_filter = ("role",)
    search_fields = ("user__email", "user__first_name", "user__last_name")
    fields = ("role",)
    form = MembershipRoleForm
    edit_roles = ROLE_EDITORS

    def has_add_permission(self, request):
        return False  # members are created with their user account (firms.services.member_create)

    def has_change_permission(self, request, obj=None):
        own = obj is not None and obj.pk == request.membership.pk
        return super().has_change_permission(request, obj) and not own

    has_delete_permission = has_change_permission

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one member at a time, each through the service
        return actions

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.membership
        return form

    def save_model(self, request, obj, form, change):
        membership_role_change(
            actor=request.membership, membership=obj, role=form.cleaned_data["role"]
        )

    def delete_model(self, request, obj):
        membership_remove(actor=request.membership, membership=obj)

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
