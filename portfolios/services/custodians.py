"""A firm's custodians: the simulated one every new firm starts with, and the audited writes
of the set-up page, API and import."""

from decimal import Decimal

from django.db import transaction

from firms.services.audit import audit_record

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
    created = custodian.pk is None
    with transaction.atomic():
        custodian.save()
        audit_record(
            firm_id=custodian.firm_id,
            event="custodian.created" if created else "custodian.changed",
            actor=actor,
            obj=custodian,
            payload={
                "code": custodian.code,
                "name": custodian.name,
                "fee_per_trade": custodian.fee_per_trade,
                "fee_bps": custodian.fee_bps,
                "spread_bps": custodian.spread_bps,
                "supports_fractional": custodian.supports_fractional,
            },
        )
    return custodian
