"""A firm's custodians: the simulated one every new firm starts with, and the audited writes
of the set-up page, API and import."""

from decimal import Decimal

from firms.services.audit import save_audited

from ..models import Custodian

SIMULATED_CODE = "simulated"


def custodian_defaults_ensure(*, firm_id: int) -> dict[str, int]:
    """The simulated custodian under the code `simulated` (trading.adapters.simulated), so a
    new firm's book can be imported and traded locally at once; nothing if the code exists."""
    if Custodian.objects.filter(code=SIMULATED_CODE).exists():
        return {"custodians": 0}
    Custodian.objects.create(
        firm_id=firm_id,
        code=SIMULATED_CODE,
        name="Simulated custodian",
        fee_per_trade=Decimal("0"),
        spread_bps=Decimal("2"),
        supports_fractional=True,
        adapter="simulated",
    )
    return {"custodians": 1}


def custodian_save(*, custodian: Custodian, actor=None) -> Custodian:
    return save_audited(
        custodian,
        created="custodian.created",
        changed="custodian.changed",
        actor=actor,
        payload={
            "code": custodian.code,
            "name": custodian.name,
            "fee_per_trade": custodian.fee_per_trade,
            "fee_bps": custodian.fee_bps,
            "spread_bps": custodian.spread_bps,
            "supports_fractional": custodian.supports_fractional,
        },
    )
