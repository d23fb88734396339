"""A firm's routing tiers: the defaults a new firm starts with, and the audited write of the
rules page, API and import."""

from firms.services.audit import save_audited

from ..calc.routing import DEFAULT_RULES
from ..models import RoutingRule


def routing_rules_ensure_defaults(*, firm_id: int) -> int:
    """The default tiers (calc.routing.DEFAULT_RULES) when the firm has no tier yet; returns
    how many were created (a firm with tiers of its own is left alone)."""
    if RoutingRule.objects.exists():
        return 0
    RoutingRule.objects.bulk_create([RoutingRule(firm_id=firm_id, **r) for r in DEFAULT_RULES])
    return len(DEFAULT_RULES)


def routing_rule_save(*, rule: RoutingRule, actor=None) -> RoutingRule:
    return save_audited(
        rule,
        created="approvals.rule_created",
        changed="approvals.rule_saved",
        actor=actor,
        payload={
            "name": rule.name,
            "kind": rule.kind,
            "min_value": rule.min_value,
            "max_value": rule.max_value,
            "steps": list(rule.steps),
            "window_amount": rule.window_amount,
            "window_unit": rule.window_unit,
        },
    )
