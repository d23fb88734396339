"""A check that cannot run never stops the batch: a rule whose stored parameters do not
validate, or a check that raises, becomes an error finding on the proposals it could not
judge (flagged: the officer reviews them by hand), and once committed they are announced
(signals.checks_not_run; notifications emails the firm's compliance officers). Every other
proposal and rule is judged as usual."""

import dataclasses
import logging

from django.core.exceptions import ValidationError
from django.db import transaction

from drift.calc.rule_params import params_validate
from drift.choices import RuleKind

from ..calc import CHECKS, Outcome
from ..signals import checks_not_run

log = logging.getLogger(__name__)


def rule_params_problem(rule) -> str:
    """Why the rule's stored parameters cannot be used ("" when they can)."""
    try:
        params_validate(rule.kind, rule.params)
    except ValidationError as exc:
        return "; ".join(exc.messages)
    return ""


def _one(inputs, pid: int):
    keep = inputs.proposals["proposal_id"] == pid
    return dataclasses.replace(
        inputs,
        proposals=inputs.proposals[keep],
        holdings=inputs.holdings[inputs.holdings["proposal_id"] == pid],
    )


def rule_run(rule, inputs, after, ids) -> tuple[dict[int, Outcome], dict[int, str]]:
    """The failing outcomes of `rule` over the batch, and the proposals it could not judge
    (id → error). When the vectorised run raises, each proposal is run alone, so one bad
    proposal marks only itself."""
    try:
        return CHECKS[rule.kind](inputs, rule.params, after), {}
    except Exception:
        log.exception(
            "compliance check %s raised over proposals %s; checking them one by one", rule.kind, ids
        )
    failing, errors = {}, {}
    for pid in ids:
        try:
            failing.update(CHECKS[rule.kind](_one(inputs, pid), rule.params, None))
        except Exception as exc:
            errors[pid] = f"{type(exc).__name__}: {str(exc)[:160]}"
    return failing, errors


def error_outcome(kind: str, error: str) -> Outcome:
    label = RuleKind(kind).label if kind in RuleKind.values else kind
    return Outcome(
        f"The {label.lower()} check could not run on this proposal ({error}). "
        "A compliance officer must review it by hand before it can be routed.",
        {"check_error": error},
    )


def check_errors_announce(*, firm_id: int, errors: dict[str, dict[int, str]]) -> None:
    """Once the findings are committed, say which checks could not run (notifications emails
    the firm's officers)."""
    from drift.models import Proposal

    transaction.on_commit(
        lambda: checks_not_run.send(sender=Proposal, firm_id=firm_id, errors=errors)
    )
