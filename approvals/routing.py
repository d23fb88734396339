"""Which rule and which steps a proposal gets: pure functions over rules, settings and a proposal."""

from dataclasses import dataclass
from decimal import Decimal

from core.formatting import money
from portfolios.choices import Registration

from .choices import INTERNAL_STEPS, RuleKind, StepRole


class NoRoutingRule(Exception):
    pass


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
