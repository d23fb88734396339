"""Which rule and which steps a proposal gets: pure functions over rules, settings and a
proposal, and the routing defaults a firm starts with.

Default value bounds are inclusive and in cents, so $100,000.00 and $500,000.00 exactly belong
to the middle tier, $99,999.99 to the lowest and $500,000.01 to the highest."""

from dataclasses import dataclass
from decimal import Decimal

from core.formatting import money
from portfolios.choices import Registration

from ..choices import INTERNAL_STEPS, RuleKind, StepRole, WindowUnit


class NoRoutingRule(Exception):
    pass


# The rules written for a firm the first time it routes (selectors.routing_rules_get).
DEFAULT_RULES = [
    {
        "name": "Under $100,000",
        "kind": RuleKind.VALUE,
        "min_value": None,
        "max_value": Decimal("99999.99"),
        "steps": [StepRole.CLIENT],
        "window_amount": 72,
        "window_unit": WindowUnit.HOURS,
    },
    {
        "name": "$100,000 – $500,000",
        "kind": RuleKind.VALUE,
        "min_value": Decimal("100000.00"),
        "max_value": Decimal("500000.00"),
        "steps": [StepRole.ADVISOR, StepRole.CLIENT],
        "window_amount": 48,
        "window_unit": WindowUnit.HOURS,
    },
    {
        "name": "Over $500,000",
        "kind": RuleKind.VALUE,
        "min_value": Decimal("500000.01"),
        "max_value": None,
        "steps": [StepRole.SENIOR, StepRole.CLIENT],
        "window_amount": 24,
        "window_unit": WindowUnit.HOURS,
    },
    {
        "name": "Institutional",
        "kind": RuleKind.INSTITUTIONAL,
        "min_value": None,
        "max_value": None,
        "steps": [StepRole.COMMITTEE],
        "window_amount": 5,
        "window_unit": WindowUnit.BUSINESS_DAYS,
    },
]


@dataclass(frozen=True)
class Route:
    rule: object
    steps: tuple[str, ...]
    note: str = ""


def rule_for(*, rules, total_value: Decimal, registration: str):
    if registration == Registration.INSTITUTIONAL:
        found = [r for r in rules if r.kind == RuleKind.INSTITUTIONAL]
    else:
        found = [
            r
            for r in rules
            if r.kind == RuleKind.VALUE
            and (r.min_value is None or total_value >= r.min_value)
            and (r.max_value is None or total_value <= r.max_value)
        ]
    if not found:
        raise NoRoutingRule(
            f"No routing rule covers a {registration} account worth {money(total_value)}."
        )
    return found[0]


def is_complex(flags: dict) -> bool:
    return bool(flags.get("tlh") or flags.get("alternatives"))


def _with_senior_review(steps: list[str]) -> list[str]:
    """Tax-loss harvesting or alternatives: senior review replaces any lighter internal step."""
    if StepRole.SENIOR in steps or StepRole.COMMITTEE in steps:
        return steps
    return [StepRole.SENIOR] + [s for s in steps if s != StepRole.ADVISOR]


def _is_exception(proposal, settings) -> bool:
    if (
        not settings.exception_first
        or is_complex(proposal.flags)
        or proposal.flags.get("gains_budget")
    ):
        return False
    turnover = (
        proposal.trade_value / proposal.total_value * 100
        if proposal.total_value
        else Decimal("100")
    )
    return (
        proposal.total_value <= settings.exception_max_value
        and turnover <= settings.exception_max_turnover_pct
    )


def route_for(*, proposal, rules, settings) -> Route:
    rule = rule_for(
        rules=rules, total_value=proposal.total_value, registration=proposal.account.registration
    )
    steps, note = list(rule.steps), ""
    if is_complex(proposal.flags):
        steps, note = (
            _with_senior_review(steps),
            "senior review: tax-loss harvesting or alternatives",
        )
    elif rule.kind == RuleKind.VALUE and _is_exception(proposal, settings):
        kept = [s for s in steps if s not in INTERNAL_STEPS]
        if kept:  # exception-first skips internal review only; the client step stays
            steps, note = kept, "exception-first: internal review skipped"
    return Route(rule=rule, steps=tuple(steps), note=note)
