"""Which drift rule applies to an account, and the rules shipped by default (R-DRIFT-1)."""
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from portfolios.choices import AssetClass, Segment

from .models import AccountDriftSettings, DriftRule

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
            errors.append(f"“{cls}” is not an asset class; use one of: {', '.join(AssetClass.values)}.")
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
    reason: str  # "account override" | "segment" | "firm default" | "none"


def rule_for_account(account) -> AppliedRule:
    """The rule that applies to one account and why (for the account page)."""
    settings = AccountDriftSettings.objects.filter(account=account).select_related("rule").first()
    if settings and settings.rule:
        return AppliedRule(settings.rule, "account override")
    rules = {r.segment: r for r in DriftRule.objects.filter(segment__in=[account.segment, None])}
    if account.segment in rules:
        return AppliedRule(rules[account.segment], "segment")
    return AppliedRule(rules.get(None), "firm default" if None in rules else "none")


def rule_ids_for(accounts: pd.DataFrame, rules: pd.DataFrame) -> pd.Series:
    """Vectorised: the account's override, else its segment's rule, else the firm default."""
    by_segment = rules.dropna(subset=["segment"]).set_index("segment")["rule_id"]
    default = rules.loc[rules["segment"].isna(), "rule_id"]
    chosen = accounts["override_rule_id"].astype("Float64")
    chosen = chosen.fillna(accounts["segment"].map(by_segment).astype("Float64"))
    if len(default):
        chosen = chosen.fillna(float(default.iloc[0]))
    return chosen.astype("Int64")
