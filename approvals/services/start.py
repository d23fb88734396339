"""Starting approvals for checked proposals, in bulk: one rule lookup, then per batch the
routes and client emails worked out before the claiming transaction, and inside it one
statement per table (approvals, steps, links, outbox), one conditional UPDATE of the proposals
and one audit entry, whatever the number."""

import logging
import time
from datetime import datetime

import pandas as pd
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from core import locks
from core.pgcopy import insert_model_rows
from drift.choices import ProposalStatus
from drift.models import Proposal
from drift.services.transitions import proposals_transition
from firms.models import Firm
from firms.services.audit import audit_record
from webhooks.choices import EventType
from webhooks.services.emit import webhook_emit_many

from ..calc.deadlines import deadline_for, reminder_time
from ..calc.routing import NoRoutingRule, route_for
from ..choices import StepRole, StepStatus
from ..models import Approval, ApprovalStep
from ..selectors import approval_settings_get, routing_rules_get
from . import notify
from .links import portal_links_issue

log = logging.getLogger(__name__)


def _routable_filter(qs):
    """Compliance's gate (compliance.services.proposal_assert_routable) as one query for the
    whole batch: a cleared or overridden review and not blocked."""
    from compliance.services.guard import ROUTABLE_REVIEWS

    return qs.filter(compliance_review__status__in=ROUTABLE_REVIEWS)


def _pending(proposal_ids):
    """The CHECKED, routable proposals (of `proposal_ids`, or all) that have no approval yet."""
    qs = (
        Proposal.objects.filter(status=ProposalStatus.CHECKED)
        .exclude(Exists(Approval.objects.filter(proposal=OuterRef("pk"))))
        .order_by("pk")
    )
    qs = _routable_filter(qs)
    if proposal_ids is not None:
        qs = qs.filter(pk__in=list(proposal_ids))
    return qs


def _build(proposal, route, now, quorum) -> tuple[Approval, list[ApprovalStep]]:
    deadline = deadline_for(
        started_at=now, amount=route.rule.window_amount, unit=route.rule.window_unit
    )
    approval = Approval(
        firm_id=proposal.firm_id,
        proposal=proposal,
        rule=route.rule,
        tier=route.rule.name,
        content_hash=proposal.content_hash,
        version=proposal.version,
        started_at=now,
        deadline=deadline,
        reminder_at=reminder_time(started_at=now, deadline=deadline),
        routing_note=route.note,
    )
    steps = [
        ApprovalStep(
            firm_id=proposal.firm_id,
            position=i,
            role=role,
            status=StepStatus.ACTIVE if i == 0 else StepStatus.WAITING,
            quorum=quorum if role == StepRole.COMMITTEE else 1,
        )
        for i, role in enumerate(route.steps)
    ]
    return approval, steps


def approvals_start(
    *, firm_id: int, now: datetime, proposal_ids=None, timings: dict | None = None
) -> list[int]:
    """Route every CHECKED proposal (or those of `proposal_ids`) that has no approval yet, in
    batches of settings.APPROVALS_ROUTE_BATCH, each its own transaction. Returns the ids of the
    proposals routed. `timings`, if given, receives notify_s: the seconds spent on the outbox
    (benchmarks)."""
    candidates = list(_pending(proposal_ids).values_list("pk", flat=True))
    if not candidates:
        return []
    rules, settings = routing_rules_get(firm_id=firm_id), approval_settings_get(firm_id=firm_id)
    firm = Firm.objects.get(pk=firm_id)
    size = max(1, int(django_settings.APPROVALS_ROUTE_BATCH))
    routed: list[int] = []
    for start in range(0, len(candidates), size):
        batch = candidates[start : start + size]
        routed += _start_batch(firm, now, batch, rules, settings, timings)
    return routed


def _routes(proposals, now, rules, settings) -> dict[int, tuple[Approval, list[ApprovalStep]]]:
    built = {}
    for p in proposals:
        try:
            built[p.pk] = _build(
                p,
                route_for(proposal=p, rules=rules, settings=settings),
                now,
                settings.committee_quorum,
            )
        except NoRoutingRule as exc:
            log.warning("proposal %s not routed: %s", p.pk, exc)
        except Exception:  # one proposal (or a rule's bad window) never stops the firm's routing
            log.exception("proposal %s not routed: building its approval failed", p.pk)
    return built


# What routing reads of a proposal; the client-first ones are read again in full for their
# email (_with_email_facts).
_ROUTE_FIELDS = (
    "id",
    "firm_id",
    "version",
    "content_hash",
    "total_value",
    "trade_value",
    "flags",
    "account__id",
    "account__registration",
    "account__client_id",
)


def _read(ids) -> list[Proposal]:
    return list(_pending(ids).select_related("account").only(*_ROUTE_FIELDS))


def _with_email_facts(built: dict) -> list[Approval]:
    """The client-first approvals of `built`, each given its proposal read in full (account,
    client, advisor) for the email."""
    first = [a for a, steps in built.values() if steps[0].role == StepRole.CLIENT]
    full = Proposal.objects.filter(pk__in=[a.proposal_id for a in first]).select_related(
        "account__client", "account__advisor__user"
    )
    by_pk = {p.pk: p for p in full}
    for a in first:
        a.proposal = by_pk[a.proposal_id]
    return first


def _start_batch(firm, now, ids, rules, settings, timings) -> list[int]:
    """Routes and the client emails are worked out and rendered before the transaction that
    claims the proposals; inside it, only the rows are written (one statement per table)."""
    built = _routes(_read(ids), now, rules, settings)
    t = time.perf_counter()
    emails = notify.proposals_ready_prepare(firm=firm, approvals=_with_email_facts(built))
    notify_s = time.perf_counter() - t
    with transaction.atomic():
        locks.xact_lock(locks.APPROVAL_ROUTING, firm.pk)
        locked = list(
            _pending(ids)
            .select_for_update(of=("self",))
            .values_list("pk", "version", "content_hash")
        )
        # A proposal that changed since it was read (or was not read) is built again here.
        again = [
            pk
            for pk, version, content_hash in locked
            if pk not in built
            or (built[pk][0].version, built[pk][0].content_hash) != (version, content_hash)
        ]
        if again:
            rebuilt = _routes(_read(again), now, rules, settings)
            built.update(rebuilt)
            emails.update(
                notify.proposals_ready_prepare(firm=firm, approvals=_with_email_facts(rebuilt))
            )
        chosen = [built[pk] for pk, _v, _h in locked if pk in built]
        if not chosen:
            return []
        approvals = _insert(firm.pk, chosen)
        ids = [a.proposal_id for a in approvals]
        proposals_transition(
            ids=ids,
            to=ProposalStatus.AWAITING_APPROVAL,
            reason="routed for approval",
            skip_refused=True,
        )
        audit_record(
            firm_id=firm.pk,
            event="approvals.started",
            payload={
                "approvals": [a.pk for a in approvals],
                "tiers": sorted({a.tier for a in approvals}),
            },
        )
        webhook_emit_many(
            firm_id=firm.pk,
            event_type=EventType.APPROVAL_REQUESTED,
            ids=[a.pk for a in approvals],
        )
        t = time.perf_counter()
        client_first = [a for a, steps in chosen if steps[0].role == StepRole.CLIENT]
        urls = portal_links_issue(approvals=client_first, now=now)
        notify.proposals_ready_write(firm=firm, approvals=client_first, links=urls, prepared=emails)
        notify_s += time.perf_counter() - t
    if timings is not None:
        timings["notify_s"] = timings.get("notify_s", 0.0) + notify_s
    return ids


def _insert(firm_id: int, chosen) -> list[Approval]:
    """The approvals and their steps, each table in one INSERT … SELECT from COPY; the
    approvals' new ids read back by their proposals (unique per firm)."""
    approvals = [a for a, _steps in chosen]
    insert_model_rows(
        Approval,
        firm_id,
        pd.DataFrame(
            {
                "proposal": [a.proposal_id for a in approvals],
                "rule": pd.array([a.rule_id for a in approvals], "Int64"),
                "tier": [a.tier for a in approvals],
                "content_hash": [a.content_hash for a in approvals],
                "version": [a.version for a in approvals],
                "started_at": [a.started_at for a in approvals],
                "deadline": [a.deadline for a in approvals],
                "reminder_at": [a.reminder_at for a in approvals],
                "routing_note": [a.routing_note for a in approvals],
                "status": [a.status for a in approvals],
            }
        ),
    )
    new_ids = dict(
        Approval.objects.filter(proposal_id__in=[a.proposal_id for a in approvals]).values_list(
            "proposal_id", "pk"
        )
    )
    for approval, steps in chosen:
        approval.pk = new_ids[approval.proposal_id]
        approval._state.adding = False
        for step in steps:
            step.approval = approval
    steps = [s for _a, steps in chosen for s in steps]
    insert_model_rows(
        ApprovalStep,
        firm_id,
        pd.DataFrame(
            {
                "approval": [s.approval_id for s in steps],
                "position": [s.position for s in steps],
                "role": [s.role for s in steps],
                "status": [s.status for s in steps],
                "quorum": [s.quorum for s in steps],
            }
        ),
    )
    return approvals
