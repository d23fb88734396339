"""The proposals list (every version of every account) as core.lists declares it, and its bulk
actions: hold and release approved proposals (trading.services.control) and rebuild with the
suggested substitute (compliance.services.regenerate), each row through the one-row service."""

from django.db.models import Exists, OuterRef, Q, Sum

from compliance.services.regenerate import RegenerateRefused, proposal_regenerate_substitute
from core.bulk import BulkAction
from core.lists import Column, Filter, ListSpec
from drift.choices import ProposalKind, ProposalStatus
from drift.models import Proposal
from firms.choices import ADVISORY_ROLES, COMPLIANCE_ROLES
from firms.views import account_action_check
from trading.models import ProposalHold
from trading.services.control import ControlRefused, proposal_hold, proposal_release
from trading.views import CONTROL_ROLES

PROPOSALS = ListSpec(
    name="proposals",
    columns=(
        Column("number", "Account", "account__number", lambda p: p.account.number),
        Column("client", "Client", "account__client__name", lambda p: p.account.client.name),
        Column("version", "Version", "version", lambda p: p.version, num=True),
        Column("kind", "Kind", "kind", lambda p: p.get_kind_display()),
        Column("status", "Status", "status", lambda p: p.get_status_display()),
        Column("as_of", "Built on", "as_of", lambda p: p.as_of),
        Column("trades", "Trades", "trade_value", lambda p: p.trade_value, num=True),
        Column("costs", "Costs", "est_costs", lambda p: p.est_costs, num=True),
        Column("tax", "Est. tax", "est_tax", lambda p: p.est_tax, num=True),
        Column("before", "Drift before (pp)", "drift_before", lambda p: p.drift_before, num=True),
        Column("after", "Drift after (pp)", "drift_after", lambda p: p.drift_after, num=True),
        Column("changed", "Status since", "status_changed_at", lambda p: p.status_changed_at),
    ),
    search=("account__number", "account__client__name"),
    filters=(
        Filter("status", "Status", "status", choices=tuple(ProposalStatus.choices)),
        Filter("kind", "Kind", "kind", choices=tuple(ProposalKind.choices)),
        Filter("advisor", "Advisor", "account__advisor_id", kind="id"),
        Filter("model", "Model", "account__model_id", kind="id"),
        Filter("from", "Built on or after", "as_of", kind="date_from"),
        Filter("to", "Built on or before", "as_of", kind="date_to"),
        Filter("since", "Status since", "status_changed_at__date", kind="date_from"),
        Filter("held", "Held only", Q(held=True), kind="flag"),
    ),
    default_sort="-changed",
    totals={"trades": Sum("trade_value"), "costs": Sum("est_costs"), "tax": Sum("est_tax")},
)


def proposals_for_list():
    """Every version with its account, client and whether a hold stops it (one query a page)."""
    open_hold = ProposalHold.objects.filter(proposal=OuterRef("pk"), released_at__isnull=True)
    return (
        Proposal.objects.select_related("account__client")
        .defer("allocation", "flags", "undone")
        .annotate(held=Exists(open_hold))
    )


def _load(ids):
    rows = proposals_for_list().filter(pk__in=ids)
    return sorted(rows, key=lambda p: ids.index(p.pk))


def _describe(p) -> str:
    return f"Account {p.account.number} · {p.account.client.name} · version {p.version}"


def _hold(request, proposal, reason):
    proposal_hold(by=request.membership, proposal=proposal, reason=reason)


def _release(request, proposal, reason):
    if not proposal_release(by=request.membership, proposal=proposal):
        raise ControlRefused("It is not held; nothing to release.")


def _rebuild(request, proposal, reason):
    account_action_check(request.membership, proposal.account.advisor_id)
    proposal_regenerate_substitute(proposal=proposal, actor=request.membership)


BULK = {
    a.key: a
    for a in (
        BulkAction(
            key="hold",
            label="Hold (keep out of the batch)",
            roles=CONTROL_ROLES,
            load=_load,
            describe=_describe,
            run=_hold,
            refusals=(ControlRefused,),
            needs_reason=True,
            reason_label="The reason for the hold",
            warning="Each selected approved proposal is kept out of the trade batch until "
            "released; others are refused.",
        ),
        BulkAction(
            key="release",
            label="Release the hold",
            roles=CONTROL_ROLES,
            load=_load,
            describe=_describe,
            run=_release,
            refusals=(ControlRefused,),
            warning="Each selected held proposal joins the next batch again.",
        ),
        BulkAction(
            key="rebuild",
            label="Rebuild with the suggested substitute",
            roles=COMPLIANCE_ROLES | ADVISORY_ROLES,
            load=_load,
            describe=_describe,
            run=_rebuild,
            refusals=(RegenerateRefused,),
            warning="Each selected blocked or flagged proposal gets a new version with the "
            "substitute the wash-sale check suggested; the new version is checked again.",
        ),
    )
}
BULK_ROLES = frozenset().union(*(a.roles for a in BULK.values()))


def bulk_actions_for(role: str) -> list[BulkAction]:
    return [a for a in BULK.values() if role in a.roles]
