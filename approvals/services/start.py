"""Starting approvals for checked proposals, in bulk: one rule lookup, a few inserts, one
conditional UPDATE of the proposals and one audit entry, whatever the number."""

import logging
import time
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef

from core import locks
from drift.choices import ProposalStatus
from drift.models import Proposal
from drift.services.transitions import proposals_transition
from firms.services.audit import audit_record

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


def _pending(proposal_ids) -> list[Proposal]:
    qs = (
        Proposal.objects.select_for_update(of=("self",))
        .filter(status=ProposalStatus.CHECKED)
        .exclude(Exists(Approval.objects.filter(proposal=OuterRef("pk"))))
        .select_related("account__client")
        .order_by("pk")
    )
    qs = _routable_filter(qs)
    if proposal_ids is not None:
        qs = qs.filter(pk__in=list(proposal_ids))
    return list(qs)


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
    """Route every CHECKED proposal (or those of `proposal_ids`) that has no approval yet.
    `timings`, if given, receives notify_s: the seconds spent on the outbox (benchmarks)."""
    with transaction.atomic():
        locks.xact_lock(locks.APPROVAL_ROUTING, firm_id)
        proposals = _pending(proposal_ids)
        if not proposals:
            return []
        rules, settings = routing_rules_get(firm_id=firm_id), approval_settings_get(firm_id=firm_id)
        built = []
        for p in proposals:
            try:
                built.append(
                    _build(
                        p,
                        route_for(proposal=p, rules=rules, settings=settings),
                        now,
                        settings.committee_quorum,
                    )
                )
            except NoRoutingRule as exc:
                log.warning("proposal %s not routed: %s", p.pk, exc)
            except (
                Exception
            ):  # one proposal (or a rule's bad window) never stops the firm's routing
                log.exception("proposal %s not routed: building its approval failed", p.pk)
        approvals = Approval.objects.bulk_create([a for a, _ in built])
        for approval, steps in built:
            for s in steps:
                s.approval = approval
        ApprovalStep.objects.bulk_create([s for _, steps in built for s in steps])
        ids = [a.proposal_id for a in approvals]
        proposals_transition(
            ids=ids,
            to=ProposalStatus.AWAITING_APPROVAL,
            reason="routed for approval",
            skip_refused=True,
        )
        audit_record(
            firm_id=firm_id,
            event="approvals.started",
            payload={
                "approvals": [a.pk for a in approvals],
                "tiers": sorted({a.tier for a in approvals}),
            },
        )
        client_first = [a for a, steps in built if steps[0].role == StepRole.CLIENT]
        t = time.perf_counter()
        _send_links(client_first, now)
        if timings is not None:
            timings["notify_s"] = time.perf_counter() - t
    return ids


def _send_links(approvals, now) -> None:
    urls = portal_links_issue(approvals=approvals, now=now)
    for a in approvals:
        notify.proposal_ready(approval=a, client=a.proposal.account.client, link=urls[a.pk])
