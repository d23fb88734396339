"""Each rule kind's parameters: defaults, and validation with messages that name the field."""
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from portfolios.choices import RiskProfile, SecurityType

from .choices import RuleKind, Severity

# Equity share bands (percent of the account) per risk profile.
DEFAULT_BANDS = {
    RiskProfile.CONSERVATIVE: ["10", "40"], RiskProfile.MODERATE: ["25", "55"], RiskProfile.BALANCED: ["40", "70"],
    RiskProfile.GROWTH: ["55", "85"], RiskProfile.AGGRESSIVE: ["70", "100"],
}
NON_CASH_TYPES = [t for t in SecurityType.values if t != SecurityType.CASH]

DEFAULTS: dict[str, tuple[str, dict]] = {
    RuleKind.WASH_SALE: (Severity.BLOCK, {"window_days": 30}),
    RuleKind.CONCENTRATION: (Severity.FLAG, {"max_pct": "10.00", "security_types": NON_CASH_TYPES, "exempt_diversified": True}),
    RuleKind.LIQUIDITY: (Severity.BLOCK, {"min_cash_amount": "0.00", "min_cash_pct": "0.50"}),
    RuleKind.SUITABILITY: (Severity.FLAG, {"bands": {str(k): v for k, v in DEFAULT_BANDS.items()}}),
}


def _decimal(params: dict, key: str, low=Decimal("0"), high=None) -> Decimal:
    try:
        value = Decimal(str(params[key]))
    except KeyError:
        raise ValidationError(f"“{key}” is missing.")
    except InvalidOperation:
        raise ValidationError(f"“{key}” must be a number, not {params[key]!r}.")
    if value < low or (high is not None and value > high):
        raise ValidationError(f"“{key}” must be between {low} and {high if high is not None else 'any amount'}; it is {value}.")
    return value


def _wash(p: dict) -> dict:
    days = p.get("window_days", 30)
    if not isinstance(days, int) or not 1 <= days <= 90:
        raise ValidationError("“window_days” must be a whole number of days from 1 to 90.")
    return {"window_days": days}


def _concentration(p: dict) -> dict:
    types = p.get("security_types", NON_CASH_TYPES)
    unknown = sorted(set(types) - set(SecurityType.values)) if isinstance(types, list) else ["(not a list)"]
    if unknown:
        raise ValidationError(f"Unknown security types in “security_types”: {', '.join(unknown)}.")
    return {"max_pct": str(_decimal(p, "max_pct", Decimal("0.01"), Decimal("100"))), "security_types": types,
            "exempt_diversified": bool(p.get("exempt_diversified", True))}


def _liquidity(p: dict) -> dict:
    return {"min_cash_amount": str(_decimal(p, "min_cash_amount")),
            "min_cash_pct": str(_decimal(p, "min_cash_pct", Decimal("0"), Decimal("100")))}


def _suitability(p: dict) -> dict:
    bands = p.get("bands")
    if not isinstance(bands, dict) or set(bands) != set(RiskProfile.values):
        raise ValidationError(f"“bands” needs a [low, high] equity share for each risk profile: {', '.join(RiskProfile.values)}.")
    out = {}
    for profile, band in bands.items():
        if not isinstance(band, (list, tuple)) or len(band) != 2:
            raise ValidationError(f"The band of “{profile}” must be [low, high].")
        low, high = (_decimal({"v": v}, "v", Decimal("0"), Decimal("100")) for v in band)
        if low > high:
            raise ValidationError(f"The band of “{profile}” runs backwards ({low} > {high}).")
        out[profile] = [str(low), str(high)]
    return {"bands": out}


VALIDATORS = {RuleKind.WASH_SALE: _wash, RuleKind.CONCENTRATION: _concentration,
              RuleKind.LIQUIDITY: _liquidity, RuleKind.SUITABILITY: _suitability}


def params_validate(kind: str, params: dict) -> dict:
    """The cleaned parameters of a rule of `kind`, or ValidationError naming what is wrong."""
    if not isinstance(params, dict):
        raise ValidationError("Parameters must be a JSON object.")
    return VALIDATORS[kind](params)
