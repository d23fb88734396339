"""Ids of firm-B compliance objects for tests/firms/test_url_matrix.py (run in B's scope)."""

from compliance.services.rules import compliance_rules_ensure_defaults
from drift.models import ComplianceRule
from portfolios.models import SubstantiallyIdenticalPair


def pair_id(book) -> int:
    a, b = sorted([book["stock"], book["bond"]], key=lambda s: s.pk)
    return SubstantiallyIdenticalPair.objects.get_or_create(
        firm_id=a.firm_id, security_a=a, security_b=b
    )[0].pk


def rule_id(book) -> int:
    compliance_rules_ensure_defaults(firm_id=book["model"].firm_id)
    return ComplianceRule.objects.order_by("pk").first().pk
