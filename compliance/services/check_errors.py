"""A check that cannot run never stops the batch: a rule whose stored parameters do not
validate, or a check that raises, becomes an error finding on the proposals it could not
judge (flagged: the officer reviews them by hand), and the firm's compliance officers are
told by email through the outbox. Every other proposal and rule is judged as usual."""

import dataclasses
import logging
from html import escape

from django.core.exceptions import ValidationError

from ..checks import CHECKS, Outcome
from ..choices import RuleKind
from ..params import params_validate

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


def officers_notify(*, firm_id: int, errors: dict[str, dict[int, str]]) -> None:
    """One email per rule that could not run, to every compliance officer (else firm admin)."""
    from firms.models import Firm, Membership
    from firms.roles import Role
    from notifications.choices import Kind
    from notifications.rendering import RenderedEmail
    from notifications.services import outbound_message_insert

    firm = Firm.objects.get(pk=firm_id)
    staff = Membership.objects.filter(firm_id=firm_id).select_related("user")
    emails = [m.user.email for m in staff.filter(role=Role.COMPLIANCE_OFFICER)] or [
        m.user.email for m in staff.filter(role=Role.FIRM_ADMIN)
    ]
    for kind, by_proposal in errors.items():
        ids = sorted(by_proposal)
        first = by_proposal[ids[0]]
        subject = f"Compliance: the {kind.replace('_', ' ')} check could not run on {len(ids)} proposal(s)"
        text = (
            f"The {kind.replace('_', ' ')} check could not run on proposals {', '.join(map(str, ids))} "
            f"({first}). They are flagged and wait in the compliance queue for a review by hand. "
            "If the rule's parameters are the cause, correct them on the Compliance rules page."
        )
        email = RenderedEmail(subject=subject, html=f"<p>{escape(text)}</p>", text=text)
        for to in emails:
            outbound_message_insert(
                firm=firm,
                kind=Kind.ESCALATION,
                recipient=to,
                email=email,
                dedupe_key=f"check-error:{kind}:{ids[0]}-{ids[-1]}:{len(ids)}:{to.lower()}",
            )
