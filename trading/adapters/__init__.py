"""Custodian adapters, one per custodian (`Custodian.adapter` names which). The built-in ones
are below; a deployment adds its own by name in settings.TRADING_ADAPTERS
({"name": "dotted.path.to.AdapterClass"}), each a CustodianAdapter subclass."""

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Ack, CustodianAdapter, FillReport, Ticket

BUILTIN = {
    "simulated": "trading.adapters.simulated.SimulatedAdapter",
    "trade_file": "trading.adapters.tradefile.TradeFileAdapter",
}


def adapter_registry() -> dict[str, str]:
    return {**BUILTIN, **getattr(settings, "TRADING_ADAPTERS", {})}


def adapter_for(custodian) -> CustodianAdapter:
    registry = adapter_registry()
    if custodian.adapter not in registry:
        raise LookupError(
            f"Custodian {custodian.code} names adapter {custodian.adapter!r}; known: "
            f"{', '.join(registry)}"
        )
    cls = import_string(registry[custodian.adapter])
    if not issubclass(cls, CustodianAdapter):
        raise TypeError(
            f"Adapter {custodian.adapter!r} ({registry[custodian.adapter]}) is not a "
            "CustodianAdapter"
        )
    return cls(custodian)


__all__ = ["Ack", "CustodianAdapter", "FillReport", "Ticket", "adapter_for", "adapter_registry"]
