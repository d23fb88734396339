from django.contrib import admin

from firms.admin_site import FirmModelAdmin, ReadOnlyFirmModelAdmin, firm_admin_site

from . import models as m


@admin.register(m.TradingSettings, site=firm_admin_site)
class TradingSettingsAdmin(FirmModelAdmin):
    list_display = ("limit_pct", "limit_types", "reprice_tolerance_pct", "reconsent_tolerance_pct")


@admin.register(m.Batch, site=firm_admin_site)
class BatchAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("trade_date", "status", "trigger", "runs", "note")
    list_filter = ("status",)


@admin.register(m.Order, site=firm_admin_site)
class OrderAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("client_order_id", "account", "security", "side", "quantity", "status", "filled_quantity", "avg_price")
    list_filter = ("status", "side", "order_type")
    search_fields = ("client_order_id",)
    raw_id_fields = ("batch", "proposal", "trade", "block", "account")


@admin.register(m.BlockOrder, site=firm_admin_site)
class BlockOrderAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("client_order_id", "custodian", "security", "side", "quantity", "status", "filled_quantity", "avg_price", "fees")
    list_filter = ("status", "side")
    search_fields = ("client_order_id",)


@admin.register(m.ExecutionPause, site=firm_admin_site)
class ExecutionPauseAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("scope", "reason", "paused_at", "resumed_at")
