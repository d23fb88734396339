"""Building the render context: an explicit allow-list of plain values, nothing else.

notifications.selectors.proposal_facts copies what an email may show out of a Proposal into
primitives (Facts); `merge_context` turns facts into the merge values the renderer accepts. No
model instance is passed on, so a template cannot reach a setting, another attribute or another
client. How values read in an email: quantities, account numbers, dates here; money and percentages
in core.formatting."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from core.formatting import money, percent

from .values import Link, MergeValue, Table

EASTERN = ZoneInfo("America/New_York")


def quantity(value: Decimal) -> str:
    q = Decimal(value).normalize()
    return f"{q:,f}" if q != q.to_integral() else f"{q.to_integral():,}"


def masked_account(number: str) -> str:
    """Only the last 4 characters show: ••••1234."""
    return "••••" + number[-4:] if len(number) > 4 else "••••"


def deadline(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(EASTERN)
    return local.strftime("%A, %B %-d, %Y at %-I:%M %p ") + local.tzname()


@dataclass(frozen=True)
class TradeLine:
    side: str  # "buy" | "sell"
    symbol: str
    name: str
    quantity: Decimal
    value: Decimal


@dataclass(frozen=True)
class AllocationLine:
    label: str
    current: Decimal
    proposed: Decimal
    target: Decimal


@dataclass(frozen=True)
class Facts:
    """Everything an email may say, as plain values. Build one per message."""

    firm_name: str
    client_name: str = ""
    account_number: str = ""
    account_type: str = ""
    portfolio_value: Decimal | None = None
    allocation: tuple[AllocationLine, ...] = ()
    trades: tuple[TradeLine, ...] = ()
    est_costs: Decimal | None = None
    est_tax: Decimal | None = None
    deadline: datetime | None = None
    portal_path: str = ""
    advisor_name: str = ""
    advisor_email: str = ""
    decision: str = ""
    reason: str = ""  # the client's own words when they declined
    filled: tuple[TradeLine, ...] = ()
    not_filled: tuple[tuple[str, str, str], ...] = ()  # (symbol, side, reason)


def portal_link(path: str) -> Link:
    """Always the configured site URL plus the caller's path — never the request's Host."""
    url = settings.SITE_URL + "/" + path.lstrip("/") if path else settings.SITE_URL + "/"
    return Link(url=url, label="Review your proposal" if path else "Open your client portal")


def _allocation(lines, *, columns: tuple[str, ...], pick) -> Table:
    rows = tuple((a.label, *(percent(v) for v in pick(a))) for a in lines)
    return Table(("Asset class", *columns), rows, (False,) + (True,) * len(columns))


def _trades(lines: tuple[TradeLine, ...], empty: str) -> Table:
    rows = tuple(
        (
            t.side.capitalize(),
            f"{t.symbol} — {t.name}" if t.name else t.symbol,
            quantity(t.quantity),
            money(t.value),
        )
        for t in lines
    )
    return Table(
        ("Action", "Security", "Quantity", "Est. value"), rows, (False, False, True, True), empty
    )


def _costs(facts: Facts) -> Table:
    costs, tax = facts.est_costs or Decimal("0"), facts.est_tax or Decimal("0")
    tax_label = "Estimated taxes" if tax >= 0 else "Estimated taxes (saved)"
    rows = (
        ("Trading costs", money(costs)),
        (tax_label, money(tax)),
        ("Total", money(costs + tax)),
    )
    return Table(("Item", "Amount"), rows, (False, True))


def merge_context(facts: Facts) -> dict[str, MergeValue]:
    return {
        "Client.Name": facts.client_name,
        "Client.FirstName": facts.client_name.split(" ")[0] if facts.client_name else "",
        "Account.Number": masked_account(facts.account_number) if facts.account_number else "",
        "Account.Type": facts.account_type,
        "Portfolio.Value": money(facts.portfolio_value)
        if facts.portfolio_value is not None
        else "",
        "Portfolio.CurrentAllocation": _allocation(
            facts.allocation, columns=("Today",), pick=lambda a: (a.current,)
        ),
        "Portfolio.TargetAllocation": _allocation(
            facts.allocation, columns=("Target",), pick=lambda a: (a.target,)
        ),
        "Portfolio.AllocationChange": _allocation(
            facts.allocation,
            columns=("Today", "After", "Target"),
            pick=lambda a: (a.current, a.proposed, a.target),
        ),
        "Rebalance.TradeList": _trades(facts.trades, "No trades."),
        "Rebalance.TradeCount": str(len(facts.trades)),
        "Rebalance.EstimatedCosts": _costs(facts),
        "Approval.Deadline": deadline(facts.deadline),
        "Portal.Link": portal_link(facts.portal_path),
        "Advisor.Name": facts.advisor_name,
        "Advisor.Email": facts.advisor_email,
        "Firm.Name": facts.firm_name,
        "Decision.Outcome": facts.decision,
        "Decision.Reason": facts.reason or "None given",
        "Execution.Filled": _trades(facts.filled, "Nothing was traded."),
        "Execution.NotFilled": Table(
            ("Security", "Action", "Why"),
            facts.not_filled,
            (False, False, False),
            "Everything was done.",
        ),
    }
