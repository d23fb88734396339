"""The compliance queue as core.lists declares it, and its bulk actions: override several
flagged proposals with one written reason (services.review.review_override, the one-proposal
path, per proposal) and rebuild with the suggested substitute (services.regenerate)."""

from functools import partial

from django.db.models import Exists, OuterRef, Prefetch, Q, Sum

from core.bulk import BulkAction
from core.lists import Column, Filter, ListSpec
from drift.choices import ProposalStatus, RuleKind
from firms.choices import ADVISORY_ROLES, COMPLIANCE_ROLES
from firms.views import account_action_check

from .choices import ReviewStatus
from .models import CheckResult, ComplianceReview
from .services.regenerate import RegenerateRefused, proposal_regenerate_substitute
from .services.review import ReviewRefused, review_override

OPEN = (ReviewStatus.FLAGGED, ReviewStatus.BLOCKED)
WAITING_PROPOSALS = (ProposalStatus.FLAGGED, ProposalStatus.BLOCKED)
STATUS = {
    # Waiting means the proposal itself still waits: a flagged or blocked version that a newer
    # one superseded (or that was declined) has left the officer's queue.
    "open": Q(status__in=OPEN, proposal__status__in=WAITING_PROPOSALS),
    **{value: Q(status=value) for value in ReviewStatus.values},
}
STATUS_LABELS = (("open", "Waiting (flagged or blocked)"), *ReviewStatus.choices)


def _failing(kind: str) -> Q:
    return Q(
        Exists(CheckResult.objects.filter(proposal=OuterRef("proposal"), kind=kind, passed=False))
    )


def _failing_text(review) -> str:
    return "; ".join(
        f"{r.get_kind_display()}: {r.message}" for r in review.proposal.check_results.all()
    )


QUEUE = ListSpec(
    name="compliance-queue",
    columns=(
        Column(
            "number",
            "Proposal",
            "proposal__account__number",
            lambda r: f"{r.proposal.account.number} v{r.proposal.version}",
        ),
        Column(
            "client",
            "Client",
            "proposal__account__client__name",
            lambda r: r.proposal.account.client.name,
        ),
        Column("status", "Status", "status", lambda r: r.get_status_display()),
        Column("failing", "Failing checks", None, _failing_text),
        Column(
            "trades", "Trades", "proposal__trade_value", lambda r: r.proposal.trade_value, num=True
        ),
        Column("checked", "Checked", "checked_at", lambda r: r.checked_at),
    ),
    search=("proposal__account__number", "proposal__account__client__name"),
    filters=(
        Filter("status", "Status", STATUS, choices=STATUS_LABELS),
        Filter(
            "rule",
            "Failing rule",
            {k: partial(_failing, k) for k in RuleKind.values},
            choices=tuple(RuleKind.choices),
        ),
        Filter("advisor", "Advisor", "proposal__account__advisor_id", kind="id"),
        Filter("model", "Model", "proposal__account__model_id", kind="id"),
        Filter("from", "Checked on or after", "checked_at__date", kind="date_from"),
        Filter("to", "Checked on or before", "checked_at__date", kind="date_to"),
    ),
    default_sort="checked",
    defaults={"status": "open"},
    totals={"trades": Sum("proposal__trade_value")},
)


def reviews_for_list():
    """Reviews with their proposal, account, client and failing checks (two queries a page)."""
    failing = Prefetch(
        "proposal__check_results",
        queryset=CheckResult.objects.filter(passed=False).order_by("kind"),
    )
    return ComplianceReview.objects.select_related("proposal__account__client").prefetch_related(
        failing
    )


def _load(ids):
    rows = reviews_for_list().filter(pk__in=ids)
    return sorted(rows, key=lambda r: ids.index(r.pk))


def _describe(review) -> str:
    p = review.proposal
    return f"Account {p.account.number} · {p.account.client.name} · version {p.version}"


def _override(request, review, reason):
    review_override(review=review, officer=request.membership, reason=reason)


def _rebuild(request, review, reason):
    account_action_check(request.membership, review.proposal.account.advisor_id)
    proposal_regenerate_substitute(proposal=review.proposal, actor=request.membership)


OVERRIDE = BulkAction(
    key="override",
    label="Override with one written reason",
    roles=COMPLIANCE_ROLES,
    load=_load,
    describe=_describe,
    run=_override,
    refusals=(ReviewRefused,),
    needs_reason=True,
    reason_label="The reason for the override",
    warning="Each selected flagged proposal is cleared with the same reason, recorded on each "
    "one and in the audit log; blocked ones are refused (they can only be rejected or rebuilt).",
)
REBUILD = BulkAction(
    key="rebuild",
    label="Rebuild with the suggested substitute",
    roles=COMPLIANCE_ROLES | ADVISORY_ROLES,
    load=_load,
    describe=_describe,
    run=_rebuild,
    refusals=(RegenerateRefused,),
    warning="Each selected proposal gets a new version with the substitute the wash-sale check "
    "suggested; the new version goes through the checks again.",
)
BULK = {a.key: a for a in (OVERRIDE, REBUILD)}


def bulk_actions_for(role: str) -> list[BulkAction]:
    return [a for a in BULK.values() if role in a.roles]
