"""The demo firm's compliance set-up: the default rules (the substantially identical pairs and
substitutes are book reference data, seeded by portfolios.services.demo)."""

from .services.rules import compliance_rules_ensure_defaults


def compliance_demo_seed(*, firm_id: int) -> None:
    """Idempotent: existing rules are kept."""
    compliance_rules_ensure_defaults(firm_id=firm_id)
