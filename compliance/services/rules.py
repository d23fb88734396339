"""Writes to a firm's compliance set-up: default rules (also the demo firm's), rule edits,
identical pairs."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from drift.calc.rule_params import DEFAULTS, params_validate
from drift.models import ComplianceRule
from firms.services.audit import audit_record
from portfolios.models import Security, SubstantiallyIdenticalPair, Substitute


def compliance_rules_ensure_defaults(*, firm_id: int) -> int:
    """Every rule kind exists for the firm (with its default severity and parameters); returns
    how many were missing."""
    have = set(ComplianceRule.objects.values_list("kind", flat=True))
    missing = [kind for kind in DEFAULTS if kind not in have]
    ComplianceRule.objects.bulk_create(
        [
            ComplianceRule(
                firm_id=firm_id, kind=kind, severity=DEFAULTS[kind][0], params=DEFAULTS[kind][1]
            )
            for kind in missing
        ],
        ignore_conflicts=True,
    )
    return len(missing)


def compliance_demo_seed(*, firm_id: int) -> None:
    """The demo firm's compliance set-up: the default rules; existing rules are kept (the
    substantially identical pairs and substitutes are book reference data, seeded by
    portfolios.services.demo)."""
    compliance_rules_ensure_defaults(firm_id=firm_id)


def compliance_rule_save(*, rule: ComplianceRule, actor=None) -> ComplianceRule:
    rule.params = params_validate(rule.kind, rule.params)
    rule.save()
    audit_record(
        firm_id=rule.firm_id,
        event="compliance.rule_saved",
        actor=actor,
        obj=rule,
        payload={
            "kind": rule.kind,
            "severity": rule.severity,
            "enabled": rule.enabled,
            "params": rule.params,
        },
    )
    return rule


def identical_pair_add(
    *, firm_id: int, first: Security, second: Security, note: str = "", actor=None
) -> SubstantiallyIdenticalPair:
    """Store the pair in id order, so (A, B) and (B, A) are the same row."""
    if first.pk == second.pk:
        raise ValidationError(
            "A security is always identical to itself; choose two different securities."
        )
    a, b = sorted([first, second], key=lambda s: s.pk)
    try:
        with transaction.atomic():
            pair = SubstantiallyIdenticalPair.objects.create(
                firm_id=firm_id, security_a=a, security_b=b, note=note
            )
    except IntegrityError as exc:
        raise ValidationError(
            f"{a.symbol} and {b.symbol} are already a substantially identical pair."
        ) from exc
    audit_record(
        firm_id=firm_id,
        event="compliance.pair_added",
        actor=actor,
        obj=pair,
        payload={"a": a.symbol, "b": b.symbol},
    )
    return pair


def identical_pair_remove(*, pair: SubstantiallyIdenticalPair, actor=None) -> None:
    payload = {"a": pair.security_a.symbol, "b": pair.security_b.symbol}
    audit_record(
        firm_id=pair.firm_id,
        event="compliance.pair_removed",
        actor=actor,
        obj=pair,
        payload=payload,
    )
    pair.delete()


def substitute_add(
    *, firm_id: int, security: Security, substitute: Security, rank: int = 1, actor=None
) -> Substitute:
    """A fair replacement for `security` (tax-loss harvesting, the wash-sale swap): the same
    asset class, never the security itself or one substantially identical to it."""
    if security.pk == substitute.pk:
        raise ValidationError("A security cannot substitute for itself; choose another.")
    if security.asset_class != substitute.asset_class:
        raise ValidationError(
            f"{substitute.symbol} is {substitute.get_asset_class_display().lower()}, "
            f"{security.symbol} {security.get_asset_class_display().lower()}: "
            "a substitute has the same asset class."
        )
    a, b = sorted([security.pk, substitute.pk])
    if SubstantiallyIdenticalPair.objects.filter(security_a_id=a, security_b_id=b).exists():
        raise ValidationError(
            f"{security.symbol} and {substitute.symbol} are substantially identical: buying one "
            "after a loss sale of the other is a wash sale."
        )
    try:
        with transaction.atomic():
            row = Substitute.objects.create(
                firm_id=firm_id, security=security, substitute=substitute, rank=rank
            )
            audit_record(
                firm_id=firm_id,
                event="compliance.substitute_added",
                actor=actor,
                obj=row,
                payload={
                    "security": security.symbol,
                    "substitute": substitute.symbol,
                    "rank": rank,
                },
            )
    except IntegrityError as exc:
        raise ValidationError(
            f"{substitute.symbol} is already a substitute for {security.symbol}."
        ) from exc
    return row


def substitute_remove(*, row: Substitute, actor=None) -> None:
    with transaction.atomic():
        audit_record(
            firm_id=row.firm_id,
            event="compliance.substitute_removed",
            actor=actor,
            obj=row,
            payload={"security": row.security.symbol, "substitute": row.substitute.symbol},
        )
        row.delete()
