"""Fixed sample scenarios for previews and test sends: invented people and numbers, never
another client's data."""

from datetime import UTC, datetime
from decimal import Decimal as D

from .context import AllocationLine as A
from .context import Facts
from .context import TradeLine as T

_DEADLINE = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
_COMMON = {
    "deadline": _DEADLINE,
    "portal_path": "/portal/",
    "advisor_name": "Sam Advisor",
    "advisor_email": "sam.advisor@example.com",
    "decision": "approved",
    "reason": "I would rather wait until the new year.",
}
_ALLOC = (
    A("US equity", D("66.0"), D("60.0"), D("60")),
    A("Fixed income", D("34.0"), D("40.0"), D("40")),
)


def _small() -> dict:
    return {
        "client_name": "Jordan Small",
        "account_number": "SAMPLE-00001234",
        "account_type": "Individual",
        "portfolio_value": D("18250.00"),
        "allocation": _ALLOC,
        "est_costs": D("1.10"),
        "est_tax": D("0"),
        "trades": (
            T("sell", "VTI", "Total Stock Market ETF", D("4"), D("1095.00")),
            T("buy", "BND", "Total Bond Market ETF", D("15"), D("1093.50")),
        ),
    }


def _hnw() -> dict:
    alloc = (
        A("US equity", D("48.2"), D("45.0"), D("45")),
        A("International equity", D("12.1"), D("15.0"), D("15")),
        A("Fixed income", D("30.4"), D("30.0"), D("30")),
        A("Alternatives", D("7.8"), D("8.0"), D("8")),
        A("Cash", D("1.5"), D("2.0"), D("2")),
    )
    trades = (
        T("sell", "VTI", "Total Stock Market ETF", D("1310"), D("340600.00")),
        T("buy", "VXUS", "Total International Stock ETF", D("4020"), D("263310.00")),
        T("buy", "GLD", "Gold Trust", D("180"), D("42300.00")),
        T("sell", "BND", "Total Bond Market ETF", D("520"), D("37960.00")),
    )
    return {
        "client_name": "Alexandra Whitfield-Montgomery",
        "account_number": "SAMPLE-88004471",
        "account_type": "Trust",
        "portfolio_value": D("10874320.55"),
        "allocation": alloc,
        "trades": trades,
        "est_costs": D("412.85"),
        "est_tax": D("0"),
    }


def _taxable() -> dict:
    return {
        **_small(),
        "client_name": "Pat Taxable",
        "account_number": "SAMPLE-55512345",
        "portfolio_value": D("742900.00"),
        "trades": (
            T("sell", "VTI", "Total Stock Market ETF", D("445"), D("121485.00")),
            T("buy", "BND", "Total Bond Market ETF", D("1664"), D("121472.00")),
        ),
        "est_costs": D("24.30"),
        "est_tax": D("6842.17"),
    }


def _ira() -> dict:
    return {
        **_taxable(),
        "client_name": "Robin Retire",
        "account_number": "SAMPLE-IRA-7788",
        "account_type": "IRA",
        "portfolio_value": D("256400.00"),
        "est_costs": D("8.40"),
        "est_tax": D("0"),
    }


SCENARIOS = {
    "small": ("Small account", _small),
    "hnw": ("High-net-worth", _hnw),
    "taxable": ("Taxable, with tax cost", _taxable),
    "ira": ("IRA (no tax)", _ira),
}


def sample_facts(scenario: str, *, firm_name: str) -> Facts:
    _, build = SCENARIOS.get(scenario, SCENARIOS["small"])
    data = {**_COMMON, **build()}
    trades = data["trades"]
    return Facts(
        firm_name=firm_name,
        filled=trades[:1],
        not_filled=tuple(
            (t.symbol, t.side.capitalize(), "The market closed before the order could be filled.")
            for t in trades[1:]
        ),
        **data,
    )
