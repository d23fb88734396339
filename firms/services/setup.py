"""Seeding a new firm's defaults: everything it needs to import a book and scan it the same
minute (the simulated custodian, drift and compliance rules, routing tiers, email templates).

Each stage seeds its own through firms.signals.firm_defaults_wanted (firms never imports a
later stage); this is the one entry point: the create_firm command, the API and tests call it."""

from django.db import transaction
from django_scopes import get_scope

from firms.models import Firm
from firms.services.audit import audit_record
from firms.signals import firm_defaults_wanted


def firm_defaults_seed(*, firm_id: int, actor=None) -> dict[str, int]:
    """Create whatever default set-up the firm lacks; {what: rows created}. Idempotent: a
    second call creates nothing and changes nothing. Call inside firm_scope(firm)."""
    if get_scope().get("firm") != firm_id:
        raise RuntimeError("firm_defaults_seed must run inside firm_scope of the firm it seeds")
    counts: dict[str, int] = {}
    with transaction.atomic():
        for _receiver, created in firm_defaults_wanted.send(sender=Firm, firm_id=firm_id):
            counts.update(created or {})
        if any(counts.values()):
            audit_record(
                firm_id=firm_id,
                event="firm.defaults_seeded",
                actor=actor,
                payload={k: v for k, v in counts.items() if v},
            )
    return counts
