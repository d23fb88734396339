"""The approvals list (pending and decided) as core.lists declares it, and its bulk actions:
approve the selected advisor pre-approvals (services.step_approve, the one-approval path) and
resend the client's link (services.client_link_resend)."""

from django.db.models import OuterRef, Subquery, Sum
from django.utils import timezone

from core.bulk import BulkAction
from core.lists import Column, Filter, ListSpec
from firms.choices import ADVISORY_ROLES

from .choices import ApprovalStatus, StepRole, StepStatus
from .models import Approval, ApprovalStep
from .selectors import STEP_ACTORS
from .services import ApprovalRefused, client_link_resend, step_approve

_STEP_LABELS = dict(StepRole.choices)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


APPROVALS = ListSpec(
    name="approvals",
    columns=(
        Column(
            "number", "Account", "proposal__account__number", lambda a: a.proposal.account.number
        ),
        Column(
            "client",
            "Client",
            "proposal__account__client__name",
            lambda a: a.proposal.account.client.name,
        ),
        Column("version", "Version", None, lambda a: a.version, num=True),
        Column("tier", "Tier", "tier", lambda a: a.tier),
        Column("step", "Waiting on", "waiting_on", lambda a: _STEP_LABELS.get(a.waiting_on, "")),
        Column("status", "Status", "status", lambda a: a.get_status_display()),
        Column(
            "value",
            "Account value",
            "proposal__total_value",
            lambda a: a.proposal.total_value,
            num=True,
        ),
        Column(
            "trades", "Trades", "proposal__trade_value", lambda a: a.proposal.trade_value, num=True
        ),
        Column("deadline", "Deadline", "deadline", lambda a: _local(a.deadline)),
        Column("decided", "Decided", "decided_at", lambda a: _local(a.decided_at)),
    ),
    search=("proposal__account__number", "proposal__account__client__name"),
    filters=(
        Filter("status", "Status", "status", choices=tuple(ApprovalStatus.choices)),
        Filter("step", "Waiting on", "waiting_on", choices=tuple(StepRole.choices)),
        Filter("advisor", "Advisor", "proposal__account__advisor_id", kind="id"),
        Filter("model", "Model", "proposal__account__model_id", kind="id"),
        Filter("from", "Started on or after", "started_at__date", kind="date_from"),
        Filter("to", "Started on or before", "started_at__date", kind="date_to"),
    ),
    default_sort="deadline",
    totals={"value": Sum("proposal__total_value"), "trades": Sum("proposal__trade_value")},
)


def approvals_for_list():
    """Every approval with its account, client, advisor and the role of its active step (one
    query per page: the step is a subquery, not a query per row)."""
    active = ApprovalStep.objects.filter(approval=OuterRef("pk"), status=StepStatus.ACTIVE)
    return Approval.objects.select_related(
        "proposal__account__client", "proposal__account__advisor__user"
    ).annotate(
        waiting_on=Subquery(active.order_by("position").values("role")[:1]),
    )


def _load(ids):
    rows = approvals_for_list().filter(pk__in=ids)
    return sorted(rows, key=lambda a: ids.index(a.pk))


def _describe(a) -> str:
    account = a.proposal.account
    return f"Account {account.number} · {account.client.name} · version {a.version}"


def _approve_advisor_step(request, approval, reason):
    step = approval.steps.filter(role=StepRole.ADVISOR, status=StepStatus.ACTIVE).first()
    if step is None:
        raise ApprovalRefused("No advisor pre-approval waits for a decision on it.")
    step_approve(
        approval_id=approval.pk,
        step_id=step.pk,
        membership=request.membership,
        now=timezone.now(),
        comment=reason or "Approved from the approvals list (bulk).",
    )


def _resend(request, approval, reason):
    client_link_resend(approval_id=approval.pk, membership=request.membership, now=timezone.now())


BULK = {
    a.key: a
    for a in (
        BulkAction(
            key="approve_advisor",
            label="Approve the advisor pre-approval",
            roles=STEP_ACTORS[StepRole.ADVISOR],
            load=_load,
            describe=_describe,
            run=_approve_advisor_step,
            refusals=(ApprovalRefused,),
            warning="Each selected proposal's advisor pre-approval is recorded in your name, "
            "as on its own page; the next step (senior, committee or the client) opens.",
        ),
        BulkAction(
            key="resend_link",
            label="Resend the client's link",
            roles=ADVISORY_ROLES,
            load=_load,
            describe=_describe,
            run=_resend,
            refusals=(ApprovalRefused,),
            warning="Each selected client gets the proposal email again with a fresh link.",
        ),
    )
}


BULK_ROLES = frozenset().union(*(a.roles for a in BULK.values()))


def bulk_actions_for(role: str) -> list[BulkAction]:
    return [a for a in BULK.values() if role in a.roles]
