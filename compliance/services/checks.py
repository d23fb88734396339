"""Running the rules on new proposal versions, in bulk, and storing the outcome with each
version: clear → checked; a failing flag rule → flagged (officer queue); a failing block rule
→ blocked (never routed or sent); a check that could not run → flagged with an error finding
(check_errors), never a stopped batch."""

import json
from datetime import timedelta

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.pgcopy import insert_model_rows, insert_text, text_field
from drift.choices import ProposalStatus, Severity
from drift.models import Proposal
from drift.services.transitions import proposals_transition
from firms.services.audit import audit_record
from webhooks.choices import EventType
from webhooks.services.emit import webhook_emit_many

from ..calc import CHECKS, CheckInputs, after_trades
from ..calc.avoidable import finding_avoidable
from ..choices import ReviewStatus
from ..models import CheckResult, ComplianceReview
from ..selectors import check_inputs, rules_enabled
from ..signals import proposals_cleared
from .check_errors import check_errors_announce, error_outcome, rule_params_problem, rule_run
from .rules import compliance_rules_ensure_defaults

TO_STATUS = {
    ReviewStatus.CLEAR: ProposalStatus.CHECKED,
    ReviewStatus.FLAGGED: ProposalStatus.FLAGGED,
    ReviewStatus.BLOCKED: ProposalStatus.BLOCKED,
}


def proposals_check(*, firm_id: int, proposal_ids) -> dict[int, str]:
    """Check the draft proposals among `proposal_ids` that have no review yet; safe to run
    twice (the second run finds nothing to claim). Returns proposal id → review status.

    Checked in batches of settings.COMPLIANCE_CHECK_BATCH proposals, each its own transaction
    (claim, check, store, commit; cleared ones announced at each commit): a batch's reads stay
    by key and its memory bounded, whatever the number handed over."""
    compliance_rules_ensure_defaults(firm_id=firm_id)
    ids = sorted(set(map(int, proposal_ids)))
    size = max(1, int(settings.COMPLIANCE_CHECK_BATCH))
    outcomes: dict[int, str] = {}
    for start in range(0, len(ids), size):
        outcomes.update(_check_batch(firm_id, ids[start : start + size]))
    return outcomes


def _check_batch(firm_id: int, proposal_ids: list[int]) -> dict[int, str]:
    with transaction.atomic():
        ids = _claim(proposal_ids)
        if not ids:
            return {}
        results, outcomes, errors = rules_evaluate(firm_id, ids)
        _store(firm_id, results, outcomes)
        audit_record(
            firm_id=firm_id,
            event="compliance.checked",
            payload={
                "ids": ids,
                "outcomes": {str(k): v for k, v in outcomes.items()},
                "failed": {str(r.proposal_id): r.kind for r in results if not r.passed},
                **({"could_not_run": {k: sorted(v) for k, v in errors.items()}} if errors else {}),
            },
        )
        if errors:
            check_errors_announce(firm_id=firm_id, errors=errors)
        webhooks_emit_outcomes(firm_id=firm_id, outcomes=outcomes)
        cleared = [pid for pid, status in outcomes.items() if status == ReviewStatus.CLEAR]
        if cleared:
            transaction.on_commit(
                lambda: proposals_cleared.send(
                    sender=Proposal, firm_id=firm_id, proposal_ids=cleared
                )
            )
    return outcomes


WEBHOOK_EVENTS = {
    ReviewStatus.FLAGGED: EventType.COMPLIANCE_FLAGGED,
    ReviewStatus.BLOCKED: EventType.COMPLIANCE_BLOCKED,
}


def webhooks_emit_outcomes(*, firm_id: int, outcomes: dict[int, str]) -> None:
    """compliance.flagged / compliance.blocked for the batch: one write per type, not per
    proposal."""
    for review_status, event_type in WEBHOOK_EVENTS.items():
        ids = [pid for pid, s in outcomes.items() if s == review_status]
        if ids:
            webhook_emit_many(firm_id=firm_id, event_type=event_type, ids=ids)


def _claim(proposal_ids) -> list[int]:
    """Lock the unchecked drafts (a concurrent run skips them rather than checking twice)."""
    qs = Proposal.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        id__in=list(map(int, proposal_ids)),
        status=ProposalStatus.DRAFT,
        compliance_review__isnull=True,
    )
    return sorted(qs.values_list("id", flat=True))


def rules_evaluate(
    firm_id: int, ids: list[int]
) -> tuple[list[CheckResult], dict[int, str], dict[str, dict[int, str]]]:
    """Results, the worst status per proposal, and the checks that could not run (kind →
    proposal id → error): those become a flagged error finding instead of stopping the batch."""
    rules, errors = [], {}
    for rule in rules_enabled():
        problem = rule_params_problem(rule)
        if problem:  # stored before validation existed, or written around it
            errors[rule.kind] = {
                pid: f"the rule's parameters are invalid: {problem}" for pid in ids
            }
        else:
            rules.append(rule)
    inputs = _inputs(firm_id, ids, rules)
    try:
        after = after_trades(inputs)
    except Exception:  # each rule then works it out per proposal (compliance.services.check_errors)
        after = None
    now, results, worst = timezone.now(), [], {pid: ReviewStatus.CLEAR for pid in ids}
    for rule in rules:
        failing, failed_to_run = rule_run(rule, inputs, after, ids)
        if failed_to_run:
            errors[rule.kind] = failed_to_run
        for pid in ids:
            o = failing.get(pid)
            results.append(
                CheckResult(
                    firm_id=firm_id,
                    proposal_id=pid,
                    kind=rule.kind,
                    severity=rule.severity,
                    passed=o is None,
                    message=o.message if o else "",
                    figures=o.figures if o else {},
                    suggestion=o.suggestion if o else {},
                    checked_at=now,
                )
            )
            if o is not None:
                worst[pid] = _worse(worst[pid], rule.severity)
    by_key = {(r.proposal_id, r.kind): r for r in results}
    for kind, by_proposal in errors.items():
        for pid, error in by_proposal.items():
            o = error_outcome(kind, error)
            row = by_key.get((pid, kind)) or CheckResult(
                firm_id=firm_id, proposal_id=pid, kind=kind, checked_at=now
            )
            row.severity, row.passed, row.message, row.figures, row.suggestion = (
                Severity.FLAG,
                False,
                o.message,
                o.figures,
                {},
            )
            if (pid, kind) not in by_key:
                results.append(row)
            worst[pid] = _worse(worst[pid], Severity.FLAG)
    return results, worst, errors


def _inputs(firm_id: int, ids: list[int], rules) -> CheckInputs:
    """The bulk inputs, read over the wash-sale rule's window (30 days when it is disabled)."""
    window = next((r.params.get("window_days", 30) for r in rules if r.kind == "wash_sale"), 30)
    return check_inputs(firm_id=firm_id, proposal_ids=ids, window_days=window)


def _worse(current: str, severity: str) -> str:
    if severity == Severity.BLOCK or current == ReviewStatus.BLOCKED:
        return ReviewStatus.BLOCKED
    return ReviewStatus.FLAGGED


def _store(firm_id: int, results: list[CheckResult], outcomes: dict[int, str]) -> None:
    """Results, reviews, and one transition per outcome (draft → checked/flagged/blocked): each
    table written with one COPY and one INSERT … SELECT per batch, not a bound row each."""
    now = timezone.now()
    # Mostly repeated values (kinds, severities, "{}"): each distinct one formatted once.
    insert_text(
        CheckResult._meta.db_table,
        {
            "proposal_id": text_field([r.proposal_id for r in results]),
            "kind": text_field([r.kind for r in results]),
            "severity": text_field([r.severity for r in results]),
            "passed": text_field([r.passed for r in results]),
            "message": text_field([r.message for r in results]),
            "figures": text_field([json.dumps(r.figures) for r in results]),
            "suggestion": text_field([json.dumps(r.suggestion) for r in results]),
            "checked_at": text_field([r.checked_at.isoformat() for r in results]),
        },
        constants={"firm_id": "%(firm)s"},
        params={"firm": firm_id},
    )
    insert_model_rows(
        ComplianceReview,
        firm_id,
        pd.DataFrame(
            {"proposal": list(outcomes), "status": list(outcomes.values()), "checked_at": now}
        ),
    )
    for review_status, proposal_status in TO_STATUS.items():
        ids = [pid for pid, s in outcomes.items() if s == review_status]
        if ids:
            proposals_transition(
                ids=ids,
                to=proposal_status,
                reason=f"compliance: {review_status}",
                skip_refused=True,
            )


def proposals_unchecked_ids(*, older_than: timedelta = timedelta(minutes=2)) -> list[int]:
    """Drafts with no compliance review some minutes after creation (a lost enqueue)."""
    qs = Proposal.objects.filter(
        status=ProposalStatus.DRAFT,
        compliance_review__isnull=True,
        created_at__lt=timezone.now() - older_than,
    )
    return list(qs.order_by("id").values_list("id", flat=True)[:5000])


def avoidable_findings(*, firm_id: int, proposal_ids) -> dict[int, list[str]]:
    """Run the firm's enabled checks on `proposal_ids` (nothing stored) and return proposal id →
    the kinds of its avoidable findings (compliance.calc.avoidable), for the proposals that have
    any."""
    ids = list(map(int, proposal_ids))
    if not ids:
        return {}
    rules = rules_enabled()
    inputs = _inputs(firm_id, ids, rules)
    after = after_trades(inputs)
    out: dict[int, list[str]] = {}
    for rule in rules:
        for pid, o in CHECKS[rule.kind](inputs, rule.params, after).items():
            if finding_avoidable(rule.kind, o.figures, o.suggestion):
                out.setdefault(pid, []).append(rule.kind)
    return out
