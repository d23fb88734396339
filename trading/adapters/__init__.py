"""Custodian adapters, one per custodian (`Custodian.adapter` names which)."""
from .base import Ack, CustodianAdapter, FillReport, Ticket


def adapter_for(custodian) -> CustodianAdapter:
    from .simulated import SimulatedAdapter
    from .tradefile import TradeFileAdapter

    registry = {"simulated": SimulatedAdapter, "trade_file": TradeFileAdapter}
    if custodian.adapter not in registry:
        raise LookupError(f"Custodian {custodian.code} names adapter {custodian.adapter!r}; known: {', '.join(registry)}")
    return registry[custodian.adapter](custodian)


__all__ = ["Ack", "CustodianAdapter", "FillReport", "Ticket", "adapter_for"]
