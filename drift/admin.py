"""Drift in the firm admin: read-only records, and the few controls a firm admin may change
there; rules and widenings are changed on their own pages (role-checked, audited)."""

from django.contrib import admin

from firms.admin import ControlFirmModelAdmin, ReadOnlyFirmModelAdmin, firm_admin_site

from . import models as m


@admin.register(m.DriftRule, site=firm_admin_site)
class DriftRuleAdmin(ReadOnlyFirmModelAdmin):
    """Changed on the drift rules page (advisory roles, audited), never here."""

    list_display = (
        "name",
        "segment",
        "threshold_pp",
        "threshold_pp_tax_advantaged",
        "relative_pct",
        "dollar_threshold",
        "rebalance_to",
    )
    list_filter = ("segment", "rebalance_to")
    search_fields = ("name",)


@admin.register(m.AccountDriftSettings, site=firm_admin_site)
class AccountDriftSettingsAdmin(ControlFirmModelAdmin):
    list_display = ("account", "rule", "do_not_trade", "gains_budget", "gains_budget_mode")
    list_filter = ("do_not_trade", "gains_budget_mode")
    raw_id_fields = ("account",)


@admin.register(m.ScanRun, site=firm_admin_site)
class ScanRunAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("as_of", "status", "started_at", "finished_at", "counts")
    list_filter = ("status",)


@admin.register(m.DriftSnapshot, site=firm_admin_site)
class DriftSnapshotAdmin(ReadOnlyFirmModelAdmin):
    list_display = (
        "account",
        "as_of",
        "total_value",
        "portfolio_drift",
        "max_drift",
        "breached",
        "status",
    )
    list_filter = ("as_of", "breached", "status")
    search_fields = ("account__number",)
    list_select_related = ("account",)


class ProposalTradeInline(admin.TabularInline):
    model = m.ProposalTrade
    exclude = ("firm",)
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.Proposal, site=firm_admin_site)
class ProposalAdmin(ReadOnlyFirmModelAdmin):
    list_display = (
        "account",
        "version",
        "kind",
        "status",
        "as_of",
        "trade_value",
        "est_costs",
        "est_tax",
    )
    list_filter = ("status", "kind", "source", "as_of")
    search_fields = ("account__number",)
    list_select_related = ("account",)
    inlines = [ProposalTradeInline]


@admin.register(m.HarvestRule, site=firm_admin_site)
class HarvestRuleAdmin(ControlFirmModelAdmin):
    """Tax-loss harvesting thresholds per segment (no row: 10% and $500, swap back on)."""

    list_display = ("segment", "enabled", "min_loss_pct", "min_loss_dollars", "swap_back")
    list_filter = ("enabled", "segment")


@admin.register(m.HarvestOpportunity, site=firm_admin_site)
class HarvestOpportunityAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("as_of", "account", "security", "outcome", "proposal")
    list_filter = ("outcome", "as_of")
    search_fields = ("account__number", "security__symbol")
    list_select_related = ("account", "security")


@admin.register(m.ToleranceWidening, site=firm_admin_site)
class ToleranceWideningAdmin(ReadOnlyFirmModelAdmin):
    """Created on the widenings page (officers, audited), never here."""

    list_display = ("factor", "start", "end", "reason", "created_by", "created_at")
    list_filter = ("start",)
    search_fields = ("reason",)
    readonly_fields = ("created_by", "created_at")
