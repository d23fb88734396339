"""The ops admin: one AdminSite whose every page runs inside the operator's firm scope.

Scoping does not rely on each ModelAdmin's get_queryset alone: the default managers of all
firm-owned models are django-scopes managers and the request runs inside the firm scope
(FirmScopeMiddleware), so list filters, FK widgets and autocomplete are scoped too, and
PostgreSQL RLS stands behind all of them."""
from django.contrib import admin

from .audit import audit_record
from .roles import ADMIN_CONTROL_ROLES, ADMIN_SITE_ROLES


class FirmAdminSite(admin.AdminSite):
    site_header = "Rebalance operations"
    site_title = "Rebalance ops"
    index_title = "Your firm's data"

    def has_permission(self, request):
        membership = getattr(request, "membership", None)
        return bool(
            request.user.is_active and membership is not None and membership.role in ADMIN_SITE_ROLES
        )


firm_admin_site = FirmAdminSite(name="admin")


def admin_write_audit(request, event: str, obj, payload: dict) -> None:
    """Every write made through the admin goes to the firm's hash-chained audit log, naming
    the model, the row and what changed (Django's own admin log is not part of the chain)."""
    audit_record(firm_id=request.firm.pk, event=event, actor=request.user, obj=obj,
                 payload={"model": obj._meta.label_lower, **payload})


class FirmModelAdmin(admin.ModelAdmin):
    """The admin roles may view their firm's rows; `edit_roles` may add, change and delete
    them, every write audited. The firm is set from the request, never chosen in a form."""

    exclude = ("firm",)
    list_per_page = 50
    view_roles = ADMIN_SITE_ROLES
    edit_roles = ADMIN_SITE_ROLES

    def _is_ops(self, request) -> bool:
        return firm_admin_site.has_permission(request)

    def _holds(self, request, roles) -> bool:
        return self._is_ops(request) and request.membership.role in roles

    def has_module_permission(self, request):
        return self._holds(request, self.view_roles)

    def has_view_permission(self, request, obj=None):
        return self._holds(request, self.view_roles)

    def has_change_permission(self, request, obj=None):
        return self._holds(request, self.edit_roles)

    def has_add_permission(self, request):
        return self._holds(request, self.edit_roles)

    def has_delete_permission(self, request, obj=None):
        return self._holds(request, self.edit_roles)

    def save_model(self, request, obj, form, change):
        obj.firm = request.firm
        super().save_model(request, obj, form, change)
        changed = {name: form.cleaned_data.get(name) for name in form.changed_data}
        admin_write_audit(request, "admin.changed" if change else "admin.added", obj, {"changed": changed})

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        for row in rows:
            row.firm = request.firm
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()
        if rows or formset.deleted_objects:
            admin_write_audit(request, "admin.rows_changed", form.instance, {
                "rows": formset.model._meta.label_lower, "saved": [str(r.pk) for r in rows],
                "deleted": [str(r) for r in formset.deleted_objects]})

    def delete_model(self, request, obj):
        admin_write_audit(request, "admin.deleted", obj, {"was": str(obj)})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        audit_record(firm_id=request.firm.pk, event="admin.deleted", actor=request.user,
                     payload={"model": queryset.model._meta.label_lower, "ids": ids})
        super().delete_queryset(request, queryset)


class ReadOnlyFirmModelAdmin(FirmModelAdmin):
    """Records, and controls that have a page of their own (which checks the role and audits):
    viewed here, never written."""

    edit_roles = frozenset()


class ControlFirmModelAdmin(FirmModelAdmin):
    """A control table without a page of its own: seen by the admin roles, written only by a
    firm administrator, every write audited."""

    edit_roles = ADMIN_CONTROL_ROLES
