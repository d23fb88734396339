"""Writes for drift rules and per-account settings."""

from django.db import transaction

from firms.services.audit import audit_record

from ..models import DriftRule
from ..rules import DEFAULT_RULES


def drift_rules_ensure_defaults(*, firm_id: int) -> int:
    """Create the shipped rules the firm does not have yet (by segment); returns how many."""
    have = set(DriftRule.objects.values_list("segment", flat=True))
    names = set(DriftRule.objects.values_list("name", flat=True))
    new = [
        DriftRule(
            firm_id=firm_id, name=name, segment=segment, threshold_pp=pp, class_overrides=overrides
        )
        for name, segment, pp, overrides in DEFAULT_RULES
        if segment not in have and name not in names
    ]
    if new:
        with transaction.atomic():
            DriftRule.objects.bulk_create(new)
            audit_record(
                firm_id=firm_id,
                event="drift_rule.defaults_created",
                payload={"names": [r.name for r in new]},
            )
    return len(new)


def drift_rule_save(*, rule: DriftRule, actor=None) -> DriftRule:
    created = rule.pk is None
    with transaction.atomic():
        rule.save()
        audit_record(
            firm_id=rule.firm_id,
            event="drift_rule.created" if created else "drift_rule.changed",
            actor=actor,
            obj=rule,
            payload={
                "name": rule.name,
                "segment": rule.segment,
                "threshold_pp": rule.threshold_pp,
                "overrides": rule.class_overrides,
            },
        )
    return rule
