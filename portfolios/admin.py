"""The book in the firm admin site: reference data editable, records read-only."""

from django import forms
from django.contrib import admin

from firms.admin import (
    ControlFirmModelAdmin,
    FirmModelAdmin,
    ReadOnlyFirmModelAdmin,
    firm_admin_site,
)
from firms.permissions import Action, roles_for

from . import models as m


@admin.register(m.Custodian, site=firm_admin_site)
class CustodianAdmin(FirmModelAdmin):
    list_display = (
        "code",
        "name",
        "fee_per_trade",
        "fee_bps",
        "spread_bps",
        "supports_fractional",
        "adapter",
    )
    search_fields = ("code", "name")


@admin.register(m.Security, site=firm_admin_site)
class SecurityAdmin(FirmModelAdmin):
    list_display = ("symbol", "name", "asset_class", "security_type", "liquidity", "diversified")
    list_filter = ("asset_class", "security_type", "liquidity", "diversified")
    search_fields = ("symbol", "name")


@admin.register(m.CustodianSecurity, site=firm_admin_site)
class CustodianSecurityAdmin(FirmModelAdmin):
    list_display = ("custodian", "security")
    list_filter = ("custodian",)
    autocomplete_fields = ("custodian", "security")


@admin.register(m.Price, site=firm_admin_site)
class PriceAdmin(FirmModelAdmin):
    list_display = ("security", "date", "close")
    list_filter = ("security__asset_class",)
    search_fields = ("security__symbol",)
    date_hierarchy = "date"
    autocomplete_fields = ("security",)
    list_select_related = ("security",)


@admin.register(m.Household, site=firm_admin_site)
class HouseholdAdmin(FirmModelAdmin):
    search_fields = ("name",)


@admin.register(m.Client, site=firm_admin_site)
class ClientAdmin(FirmModelAdmin):
    list_display = ("name", "email", "household", "alternatives_eligible")
    list_filter = ("alternatives_eligible", "household")
    search_fields = ("name", "email")
    autocomplete_fields = ("household",)
    exclude = ("firm", "user")


class TargetInline(admin.TabularInline):
    """Targets drive trading: they change on the model-change page (preview, proposals,
    audit), and are only shown here."""

    model = m.ModelTarget
    exclude = ("firm",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.ModelPortfolio, site=firm_admin_site)
class ModelPortfolioAdmin(FirmModelAdmin):
    """Models are managed on their own pages (drift:models), by the roles the matrix names;
    in the admin only a role that is both an admin role and a model role writes them."""

    search_fields = ("name",)
    list_display = ("name", "retired_at")
    ordering = ("name",)
    inlines = [TargetInline]
    edit_roles = roles_for(Action.ADMIN_BOOK) & roles_for(Action.MODELS)


class AccountAdminForm(forms.ModelForm):
    def clean_model(self):
        model = self.cleaned_data.get("model")
        if model is not None and model.is_retired and model.pk != self.instance.model_id:
            raise forms.ValidationError(
                f"The model “{model.name}” is retired and cannot be assigned; choose another."
            )
        return model


@admin.register(m.Account, site=firm_admin_site)
class AccountAdmin(FirmModelAdmin):
    form = AccountAdminForm
    list_display = (
        "number",
        "client",
        "registration",
        "tax_status",
        "segment",
        "model",
        "custodian",
        "advisor",
    )
    list_filter = (
        "segment",
        "registration",
        "tax_status",
        "risk_profile",
        "custodian",
        "model",
        "advisor",
    )
    search_fields = ("number", "client__name", "client__email")
    autocomplete_fields = ("client", "model", "custodian")
    list_select_related = ("client", "model", "custodian", "advisor__user")


@admin.register(m.Position, site=firm_admin_site)
class PositionAdmin(FirmModelAdmin):
    list_display = ("account", "security", "quantity")
    search_fields = ("account__number", "security__symbol")
    autocomplete_fields = ("account", "security")
    list_select_related = ("account", "security")


@admin.register(m.TaxLot, site=firm_admin_site)
class TaxLotAdmin(FirmModelAdmin):
    list_display = ("account", "security", "acquired_on", "quantity", "cost_basis")
    search_fields = ("account__number", "security__symbol")
    autocomplete_fields = ("account", "security")
    list_select_related = ("account", "security")


@admin.register(m.Transaction, site=firm_admin_site)
class TransactionAdmin(FirmModelAdmin):
    list_display = ("account", "date", "security", "side", "quantity", "price", "realized_gain")
    list_filter = ("side",)
    search_fields = ("account__number", "security__symbol")
    date_hierarchy = "date"
    autocomplete_fields = ("account", "security")
    list_select_related = ("account", "security")


@admin.register(m.ImportRun, site=firm_admin_site)
class ImportRunAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("created_at", "source", "ok", "created_by")
    list_filter = ("ok", "source")


@admin.register(m.SubstantiallyIdenticalPair, site=firm_admin_site)
class SubstantiallyIdenticalPairAdmin(ReadOnlyFirmModelAdmin):
    """Added and removed on the compliance pairs page (officers, audited), never here."""

    list_display = ("security_a", "security_b", "note")
    search_fields = ("security_a__symbol", "security_b__symbol")
    list_select_related = ("security_a", "security_b")
    raw_id_fields = ("security_a", "security_b")


@admin.register(m.Substitute, site=firm_admin_site)
class SubstituteAdmin(ControlFirmModelAdmin):
    list_display = ("security", "substitute", "rank")
    list_select_related = ("security", "substitute")
    raw_id_fields = ("security", "substitute")
