"""The ops admin: one AdminSite whose every page runs inside the operator's firm scope, the
ModelAdmin bases every app's admin uses, and the firms app's own models in it.

Scoping does not rely on each ModelAdmin's get_queryset alone: the default managers of all
firm-owned models are django-scopes managers and the request runs inside the firm scope
(FirmScopeMiddleware), so list filters, FK widgets and autocomplete are scoped too, and
PostgreSQL RLS stands behind all of them."""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import HttpResponseRedirect

from firms.choices import ROLE_EDITORS
from firms.models import AuditEntry, Firm, Membership
from firms.permissions import Action, roles_for
from firms.services.audit import audit_record
from firms.services.members import (
    RoleChangeRefused,
    membership_remove,
    membership_role_change,
    membership_role_change_check,
)
from rebalance_site.input_guard import FirmConstraintsMixin, StrictJSONField


class FirmAdminSite(admin.AdminSite):
    site_header = "Rebalance operations"
    site_title = "Rebalance ops"
    index_title = "Your firm's data"

    def has_permission(self, request):
        membership = getattr(request, "membership", None)
        return bool(
            request.user.is_active
            and membership is not None
            and membership.role in roles_for(Action.ADMIN_SITE)
        )


firm_admin_site = FirmAdminSite(name="admin")


def admin_write_audit(request, event: str, obj, payload: dict) -> None:
    """Every write made through the admin goes to the firm's hash-chained audit log, naming
    the model, the row and what changed (Django's own admin log is not part of the chain)."""
    audit_record(
        firm_id=request.firm.pk,
        event=event,
        actor=request.user,
        obj=obj,
        payload={"model": obj._meta.label_lower, **payload},
    )


class ReadableAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks the submitted value up to show it selected; a value
    its key cannot read (`1E+999999`) raised ValueError there, on a form being re-shown."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field

        def readable(v) -> bool:
            try:
                target.to_python(v)
            except (ValidationError, ValueError, TypeError):
                return False
            return True

        return super().optgroups(name, [v for v in value if readable(v)], attr)


class FirmModelAdmin(admin.ModelAdmin):
    """The admin roles may view their firm's rows; `edit_roles` may add, change and delete
    them, every write audited. The firm is set from the request, never chosen in a form."""

    exclude = ("firm",)
    list_per_page = 50
    view_roles = roles_for(Action.ADMIN_SITE)  # the role matrix (firms.permissions)
    edit_roles = roles_for(Action.ADMIN_BOOK)
    # JSON typed into the admin is read strictly (NaN, deep nesting, NUL are form errors).
    formfield_overrides = {models.JSONField: {"form_class": StrictJSONField}}

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
        admin_write_audit(
            request, "admin.changed" if change else "admin.added", obj, {"changed": changed}
        )

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        for row in rows:
            row.firm = request.firm
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()
        if rows or formset.deleted_objects:
            admin_write_audit(
                request,
                "admin.rows_changed",
                form.instance,
                {
                    "rows": formset.model._meta.label_lower,
                    "saved": [str(r.pk) for r in rows],
                    "deleted": [str(r) for r in formset.deleted_objects],
                },
            )

    def delete_model(self, request, obj):
        admin_write_audit(request, "admin.deleted", obj, {"was": str(obj)})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
        audit_record(
            firm_id=request.firm.pk,
            event="admin.deleted",
            actor=request.user,
            payload={"model": queryset.model._meta.label_lower, "ids": ids},
        )
        super().delete_queryset(request, queryset)

    def get_form(self, request, obj=None, **kwargs):
        """The firm is set on the instance before validation, so the model's per-firm unique
        constraints (one default rule, one settings row) are form errors, not IntegrityErrors."""
        base, firm = super().get_form(request, obj, **kwargs), request.firm

        class FirmForm(FirmConstraintsMixin, base):
            def _post_clean(self):
                self.instance.firm = firm
                super()._post_clean()

        return FirmForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ReadableAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def changelist_view(self, request, extra_context=None):
        """A date-hierarchy parameter that is not a plausible year, month or day (`?date__year=`
        beyond a C long raised OverflowError: a 500) gets the admin's own bad-filter answer."""
        if self.date_hierarchy and any(
            not (value.isdigit() and len(value) <= 4)
            for suffix in ("year", "month", "day")
            for value in request.GET.getlist(f"{self.date_hierarchy}__{suffix}")
        ):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)

    def get_changeform_initial_data(self, request):
        """The add page's initial values from the query string, minus any its field cannot
        read (`?account=NaN` made the foreign-key widget raise: a 500)."""
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
                if not isinstance(value, list):
                    field.to_python(value)
            except FieldDoesNotExist:
                continue
            except (ValidationError, ValueError, TypeError):
                del initial[name]
        return initial


class ReadOnlyFirmModelAdmin(FirmModelAdmin):
    """Records, and controls that have a page of their own (which checks the role and audits):
    viewed here, never written."""

    edit_roles = frozenset()


class ControlFirmModelAdmin(FirmModelAdmin):
    """A control table without a page of its own: seen by the admin roles, written only by a
    firm administrator, every write audited."""

    edit_roles = roles_for(Action.ADMIN_CONTROLS)


# The firms app's own models in that admin.


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
        return firm_admin_site.has_permission(request) and request.membership.role in roles_for(
            Action.ADMIN_CONTROLS
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
    """The role field, validated by the role-change rule (firms.services.members) for the signed-in
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
    removes one (never their own), through firms.services.members, which audits every change."""

    list_display = ("user_email", "role")
    list_filter = ("role",)
    search_fields = ("user__email", "user__first_name", "user__last_name")
    fields = ("role",)
    form = MembershipRoleForm
    edit_roles = ROLE_EDITORS

    def has_add_permission(self, request):
        # Members are created with their user account (firms.services.members.member_create).
        return False

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
