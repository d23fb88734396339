"""A finding's figures as the review pages print them: the stored figures keep machine values
(`"cash_pct": "0.50"`, `"band": ["40", "60"]`) for the evidence pack and the API; the page shows
`Cash share after the trades: 0.50%` and `Equity band: 40–60%`."""

from core.formatting import money
from portfolios.choices import RiskProfile

# key → (label, kind): how each stored figure reads on a page.
FIGURES = {
    "cash_after": ("Cash after the trades", "money"),
    "cash_pct": ("Cash share after the trades", "percent"),
    "min_cash_amount": ("Minimum cash", "money"),
    "min_cash_pct": ("Minimum cash share", "percent"),
    "required": ("Cash required", "money"),
    "shortfall": ("Shortfall", "money"),
    "equity_pct": ("Equity share after the trades", "percent"),
    "risk_profile": ("Risk profile", "risk_profile"),
    "band": ("Equity band", "band"),
    "alternatives_bought": ("Alternatives bought", "list"),
    "check_error": ("Why the check could not run", "text"),
}


def _value(kind: str, value) -> str:
    if value is None or value == "":
        return "—"
    if kind == "money":
        return money(value)
    if kind == "percent":
        return f"{value}%"
    if kind == "risk_profile":
        return dict(RiskProfile.choices).get(value, str(value))
    if kind == "band" and isinstance(value, list | tuple) and len(value) == 2:
        return f"{value[0]}–{value[1]}%"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items())
    return str(value)


def figures_display(figures: dict) -> list[tuple[str, str]]:
    """(label, text) per figure, in the stored order; an unknown key is spelled out."""
    rows = []
    for key, value in (figures or {}).items():
        label, kind = FIGURES.get(key, (key.replace("_", " ").capitalize(), "text"))
        rows.append((label, _value(kind, value)))
    return rows
