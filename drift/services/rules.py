"""Drift rules, all in one place: the rules shipped by default, validation of per-class
overrides, which rule applies to an account (and why), and the audited writes. (The scan's
vectorised choice of a rule per account is drift.selectors.scan.rule_ids_for.)"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from firms.services.audit import audit_record, save_audited
from portfolios.choices import AssetClass, Segment

from ..models import AccountDriftSettings, DriftRule

# name, segment (None = firm default), band pp, per-class overrides
DEFAULT_RULES = [
    ("Firm default", None, Decimal("5"), {}),
    ("Conservative", Segment.CONSERVATIVE, Decimal("5"), {}),
    ("Growth", Segment.GROWTH, Decimal("7"), {AssetClass.ALTERNATIVES.value: 10}),
    ("Tax-sensitive", Segment.TAX_SENSITIVE, Decimal("3"), {}),
]


def overrides_errors(value) -> list[str]:
    """Problems with a per-asset-class override mapping, as sentences for a form."""
    if not isinstance(value, dict):
        return ['Per-asset-class bands must be a mapping like {"alternatives": 10}.']
    errors = []
    for cls, pp in value.items():
        if cls not in AssetClass.values:
            errors.append(
                f"“{cls}” is not an asset class; use one of: {', '.join(AssetClass.values)}."
            )
        elif isinstance(pp, bool) or not isinstance(pp, int | float | str):
            errors.append(f"The band for {cls} must be a number of percentage points.")
        else:
            try:
                number = Decimal(str(pp).strip())
            except ArithmeticError:
                errors.append(f"The band for {cls} must be a number of percentage points.")
                continue
            if not number.is_finite() or not (Decimal("0") < number <= Decimal("100")):
                errors.append(f"The band for {cls} must be above 0 and at most 100 points.")
    return errors


@dataclass
class AppliedRule:
    rule: DriftRule | None
    # "account override" | "segment" | "firm default" (shipped: not stored until the first scan)
    reason: str


def shipped_rule(segment: str | None) -> DriftRule | None:
    """The shipped rule for `segment` (None: the firm default), unsaved."""
    for name, seg, pp, overrides in DEFAULT_RULES:
        if seg == segment:
            return DriftRule(name=name, segment=seg, threshold_pp=pp, class_overrides=overrides)
    return None


def rule_for_account(account) -> AppliedRule:
    """The rule that applies to one account and why (for the account page). A firm that has no
    rules yet gets the shipped ones at its first scan; the page names the one that will apply."""
    settings = AccountDriftSettings.objects.filter(account=account).select_related("rule").first()
    if settings and settings.rule:
        return AppliedRule(settings.rule, "account override")
    # (segment IN (…, NULL) never matches NULL: the firm default is asked for apart.)
    rules = {
        r.segment: r
        for r in DriftRule.objects.filter(Q(segment=account.segment) | Q(segment__isnull=True))
    }
    if account.segment in rules:
        return AppliedRule(rules[account.segment], "segment")
    if not DriftRule.objects.exists():
        shipped = shipped_rule(account.segment)
        if shipped is not None and account.segment:
            return AppliedRule(shipped, "segment (shipped rule)")
        return AppliedRule(shipped_rule(None), "firm default (shipped rule)")
    return AppliedRule(rules.get(None) or shipped_rule(None), "firm default")


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
    return save_audited(
        rule,
        created="drift_rule.created",
        changed="drift_rule.changed",
        actor=actor,
        payload={
            "name": rule.name,
            "segment": rule.segment,
            "threshold_pp": rule.threshold_pp,
            "overrides": rule.class_overrides,
        },
    )


def account_settings_save(*, settings: AccountDriftSettings, actor=None) -> AccountDriftSettings:
    """An account's own rule and restrictions (page, API, import), audited."""
    return save_audited(
        settings,
        created="drift.account_settings_created",
        changed="drift.account_settings_changed",
        actor=actor,
        payload={
            "account_id": settings.account_id,
            "rule_id": settings.rule_id,
            "do_not_trade": settings.do_not_trade,
            "never_sell": list(settings.never_sell),
            "never_buy": list(settings.never_buy),
            "gains_budget": settings.gains_budget,
            "gains_budget_mode": settings.gains_budget_mode,
        },
    )
