"""Trading's models in the firm admin: settings editable, the batch record read-only."""

from django.contrib import admin

from firms.admin import ControlFirmModelAdmin, ReadOnlyFirmModelAdmin, firm_admin_site

from . import models as m


@admin.register(m.TradingSettings, site=firm_admin_site)
class TradingSettingsAdmin(ControlFirmModelAdmin):
    list_display = ("limit_pct", "limit_types")


@admin.register(m.Batch, site=firm_admin_site)
class BatchAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("trade_date", "status", "trigger", "runs", "note")
    list_filter = ("status",)


@admin.register(m.Order, site=firm_admin_site)
class OrderAdmin(ReadOnlyFirmModelAdmin):
    list_display = (
        "client_order_id",
        "account",
        "security",
        "side",
        "quantity",
        "status",
        "filled_quantity",
        "avg_price",
    )
    list_filter = ("status", "side", "order_type")
    search_fields = ("client_order_id",)
    raw_id_fields = ("batch", "proposal", "trade", "block", "account")


@admin.register(m.BlockOrder, site=firm_admin_site)
class BlockOrderAdmin(ReadOnlyFirmModelAdmin):
    list_display = (
        "client_order_id",
        "custodian",
        "security",
        "side",
        "quantity",
        "status",
        "filled_quantity",
        "avg_price",
        "fees",
    )
    list_filter = ("status", "side")
    search_fields = ("client_order_id",)


@admin.register(m.ExecutionPause, site=firm_admin_site)
class ExecutionPauseAdmin(ReadOnlyFirmModelAdmin):
    list_display = ("scope", "reason", "paused_at", "resumed_at")


@admin.action(description="Pause automated execution for the selected accounts")
def pause_accounts(modeladmin, request, queryset):
    """Ops' kill switch per account, from the book's account list (audited like the page's)."""
    from .choices import PauseScope
    from .services.control import execution_pause

    accounts = list(queryset)
    for account in accounts:  # an operator selects a handful of accounts, not thousands
        execution_pause(
            by=request.membership,
            scope=PauseScope.ACCOUNT,
            target=account,
            reason=f"Paused by {request.user.email} from the admin",
        )
    modeladmin.message_user(request, f"Paused automated execution for {len(accounts)} account(s).")


def _add_account_action() -> None:
    # The book's admin is an earlier stage; trading adds its action to it rather than the
    # book importing trading.
    from portfolios.admin import AccountAdmin

    if pause_accounts not in (AccountAdmin.actions or []):
        AccountAdmin.actions = [*(AccountAdmin.actions or []), pause_accounts]


_add_account_action()
