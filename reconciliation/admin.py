"""Reconciliation in the firm admin: records only (the page decides breaks and audits)."""

from django.contrib import admin

from firms.admin import ReadOnlyFirmModelAdmin, firm_admin_site

from . import models as m


@admin.register(m.ReconciliationRun, site=firm_admin_site)
class ReconciliationRunAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("custodian", "as_of", "ok", "source", "file_name", "created_at")
    list_filter = ("ok", "source")


@admin.register(m.ReconciliationBreak, site=firm_admin_site)
class ReconciliationBreakAdmin(ReadOnlyFirmModelAdmin):
    list_display = (
        "account_number",
        "as_of",
        "kind",
        "symbol",
        "quantity_difference",
        "market_value",
        "status",
    )
    list_filter = ("status", "kind", "custodian")
    search_fields = ("account_number", "symbol")
    raw_id_fields = ("run", "account", "security", "resolved_by")
