"""Each rule kind's parameters: defaults, and validation with messages that name the field.

params_validate is the one validation of a rule's parameters: the rule form, the admin (the
model's clean) and the saving service (compliance_rule_save) all call it. Every number is
finite and bounded (BOUNDS), so no saved parameter can make a later check raise."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from portfolios.choices import RiskProfile, SecurityType

from ..choices import RuleKind, Severity

# Equity share bands (percent of the account) per risk profile.
DEFAULT_BANDS = {
    RiskProfile.CONSERVATIVE: ["10", "40"],
    RiskProfile.MODERATE: ["25", "55"],
    RiskProfile.BALANCED: ["40", "70"],
    RiskProfile.GROWTH: ["55", "85"],
    RiskProfile.AGGRESSIVE: ["70", "100"],
}
NON_CASH_TYPES = [t for t in SecurityType.values if t != SecurityType.CASH]

DEFAULTS: dict[str, tuple[str, dict]] = {
    RuleKind.WASH_SALE: (Severity.BLOCK, {"window_days": 30}),
    RuleKind.CONCENTRATION: (
        Severity.FLAG,
        {"max_pct": "10.00", "security_types": NON_CASH_TYPES, "exempt_diversified": True},
    ),
    RuleKind.LIQUIDITY: (Severity.BLOCK, {"min_cash_amount": "0.00", "min_cash_pct": "0.50"}),
    RuleKind.SUITABILITY: (Severity.FLAG, {"bands": {str(k): v for k, v in DEFAULT_BANDS.items()}}),
}


# Documented bounds of every numeric parameter (docs/ARCHITECTURE.md, "Compliance checks").
BOUNDS = {
    "window_days": (1, 90),  # days before and after a loss sale
    "max_pct": (Decimal("0.01"), Decimal("100")),  # percent of the account
    "min_cash_amount": (Decimal("0"), Decimal("1000000000")),  # dollars ($1 billion)
    "min_cash_pct": (Decimal("0"), Decimal("100")),  # percent of the account
    "band": (Decimal("0"), Decimal("100")),  # equity share, percent
}
_MAX_PLACES = 6


def _decimal(params: dict, key: str, bounds: str | None = None) -> Decimal:
    low, high = BOUNDS[bounds or key]
    raw = params.get(key)
    if key not in params:
        raise ValidationError(f"“{key}” is missing.")
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        raise ValidationError(f"“{key}” must be a number, not {str(raw)[:40]!r}.")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ValidationError(f"“{key}” must be a number, not {str(raw)[:40]!r}.") from exc
    if not value.is_finite() or not low <= value <= high:
        raise ValidationError(
            f"“{key}” must be a number from {low} to {high}; it is {str(raw)[:40]}."
        )
    if value.as_tuple().exponent < -_MAX_PLACES:
        raise ValidationError(f"“{key}” may have at most {_MAX_PLACES} decimal places.")
    return value


def _wash(p: dict) -> dict:
    days = p.get("window_days", 30)
    low, high = BOUNDS["window_days"]
    if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
        raise ValidationError(f"“window_days” must be a whole number of days from {low} to {high}.")
    return {"window_days": days}


def _concentration(p: dict) -> dict:
    types = p.get("security_types", NON_CASH_TYPES)
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise ValidationError(
            '“security_types” must be a list of security types, e.g. ["stock", "etf"].'
        )
    unknown = sorted(set(types) - set(SecurityType.values))
    if unknown:
        raise ValidationError(f"Unknown security types in “security_types”: {', '.join(unknown)}.")
    return {
        "max_pct": str(_decimal(p, "max_pct")),
        "security_types": types,
        "exempt_diversified": bool(p.get("exempt_diversified", True)),
    }


def _liquidity(p: dict) -> dict:
    return {
        "min_cash_amount": str(_decimal(p, "min_cash_amount")),
        "min_cash_pct": str(_decimal(p, "min_cash_pct")),
    }


def _suitability(p: dict) -> dict:
    bands = p.get("bands")
    if not isinstance(bands, dict) or set(bands) != set(RiskProfile.values):
        raise ValidationError(
            "“bands” needs a [low, high] equity share for each risk profile: "
            f"{', '.join(RiskProfile.values)}."
        )
    out = {}
    for profile, band in bands.items():
        if not isinstance(band, (list, tuple)) or len(band) != 2:
            raise ValidationError(f"The band of “{profile}” must be [low, high].")
        low, high = (_decimal({f"{profile} band": v}, f"{profile} band", "band") for v in band)
        if low > high:
            raise ValidationError(f"The band of “{profile}” runs backwards ({low} > {high}).")
        out[profile] = [str(low), str(high)]
    return {"bands": out}


VALIDATORS = {
    RuleKind.WASH_SALE: _wash,
    RuleKind.CONCENTRATION: _concentration,
    RuleKind.LIQUIDITY: _liquidity,
    RuleKind.SUITABILITY: _suitability,
}


def params_validate(kind: str, params: dict) -> dict:
    """The cleaned parameters of a rule of `kind`, or ValidationError naming what is wrong."""
    if not isinstance(params, dict):
        raise ValidationError("Parameters must be a JSON object.")
    return VALIDATORS[kind](params)
