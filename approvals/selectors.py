"""Reads of the approvals app, and what a proposal looks like to its reader (allocation rows
and chart, trades, costs: the approvals pages, the portal and the signed PDF). All run inside
the caller's firm scope."""

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, QuerySet

from drift.selectors.story import proposal_content
from firms.choices import Role
from firms.permissions import Action, roles_for

from .calc.routing import DEFAULT_RULES
from .choices import ApprovalStatus, StepRole, StepStatus
from .models import ApprovalSettings, ApprovalStep, CommitteeVote, RoutingRule

# Which staff roles may act on which step (a firm administrator may act on any internal step).
STEP_ACTORS = {  # the role matrix's approval rows (firms.permissions)
    StepRole.ADVISOR: roles_for(Action.APPROVE_ADVISOR_STEP),
    StepRole.SENIOR: roles_for(Action.APPROVE_SENIOR_STEP),
    StepRole.COMMITTEE: roles_for(Action.APPROVE_COMMITTEE_STEP),
}


def approval_settings_get(*, firm_id: int) -> ApprovalSettings:
    settings, _ = ApprovalSettings.objects.get_or_create(firm_id=firm_id)
    return settings


def routing_rules_get(*, firm_id: int) -> list[RoutingRule]:
    """The firm's rules; the defaults (calc.routing.DEFAULT_RULES) are written the first time
    they are asked for."""
    rules = list(RoutingRule.objects.all())
    if not rules:
        rules = RoutingRule.objects.bulk_create(
            [RoutingRule(firm_id=firm_id, **r) for r in DEFAULT_RULES]
        )
    return rules


def step_roles_for(role: str) -> list[str]:
    return [step for step, roles in STEP_ACTORS.items() if role in roles]


def steps_waiting_for(*, membership, overdue_at: datetime | None = None) -> QuerySet:
    """Active internal steps this member may decide: advisors see their own accounts' steps;
    committee members see steps they have not voted on yet. Constant queries."""
    qs = (
        ApprovalStep.objects.filter(
            status=StepStatus.ACTIVE,
            approval__status=ApprovalStatus.PENDING,
            role__in=step_roles_for(membership.role),
        )
        .select_related(
            "approval__proposal__account__client", "approval__proposal__account__advisor__user"
        )
        .order_by("approval__deadline")
    )
    if membership.role == Role.ADVISOR:
        qs = qs.filter(approval__proposal__account__advisor=membership)
    if membership.role == Role.COMMITTEE_MEMBER:
        qs = qs.exclude(
            Exists(CommitteeVote.objects.filter(step=OuterRef("pk"), member=membership))
        )
    if overdue_at is not None:
        qs = qs.filter(approval__deadline__lte=overdue_at)
    return qs


NOTICE_DAYS = timedelta(days=14)


def advisor_notices(*, since: datetime) -> QuerySet:
    """What advisors were told about their clients' declines and lapsed windows (the outbox
    rows themselves, so the dashboard shows exactly what was emailed), newest first."""
    from notifications.choices import Kind
    from notifications.models import OutboundMessage

    return (
        OutboundMessage.objects.filter(kind=Kind.ADVISOR_DECISION, created_at__gte=since)
        .select_related("proposal__account")
        .order_by("-created_at")
    )


def proposal_review(proposal) -> dict:
    """The proposal's content as its readers see it (drift.selectors.story.proposal_content)."""
    return proposal_content(proposal)
