"""One proposal, one story: what the proposal page and the approval page show of a proposal
(the full content an approver decides on) and the links between every page of its life —
account, versions, compliance review, approval and steps, signature and signed PDF, orders,
fills, confirmations.

Later stages' rows are read through their reverse relations and, where a model has none
(`related_name="+"`), by model label (django.apps): drift imports no later stage
(.importlinter). A fixed number of queries whatever the proposal's size; inside the caller's
firm scope."""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import prefetch_related_objects

from portfolios.calc.charts import grouped_bars
from portfolios.choices import AssetClass

from ..models import Proposal
from .timeline import proposal_timeline
from .trades import proposal_trade_lines

CONFIRMATION_KINDS = ("trade_confirmation", "partial_fill_notice")


def allocation_rows(proposal) -> list[dict]:
    labels = dict(AssetClass.choices)
    return [{"label": labels.get(c, c), **v} for c, v in proposal.allocation.items()]


def proposal_content(proposal) -> dict:
    """What the proposal says, as the staff pages, the portal and the signed PDF show it:
    allocation before/after (rows and chart) and the trade lines. Two queries at most (the
    trades; the allocation is on the row)."""
    rows = allocation_rows(proposal)
    return {
        "proposal": proposal,
        "rows": rows,
        "chart": grouped_bars(
            [(r["label"], r["current"], r["proposed"]) for r in rows],
            title="Current vs proposed allocation",
            labels=("Current", "Proposed"),
        ),
        "trades": proposal_trade_lines(proposal.pk),
        "est_total": proposal.est_costs + max(proposal.est_tax, 0),
    }


def proposal_for_review(pk: int) -> list[Proposal]:
    """The proposal with what the full review shows beside its content: account, client,
    adviser, the compliance review and its officer, and the check results (prefetched, so the
    findings table costs one query however many rules ran)."""
    found = list(
        Proposal.objects.select_related(
            "account__client", "account__advisor__user", "compliance_review__officer__user"
        ).filter(pk=pk)
    )
    if found:
        prefetch_related_objects(found, "check_results")
    return found


@dataclass
class Story:
    """The links and facts of every page of a proposal's life (see proposal_story)."""

    versions: list = field(default_factory=list)
    approval: object = None
    steps: list = field(default_factory=list)
    signature: object = None
    orders: list = field(default_factory=list)
    fills: list = field(default_factory=list)
    confirmations: list = field(default_factory=list)
    confirmation_owed: object = None
    held: object = None
    timeline: list = field(default_factory=list)

    @property
    def batches(self) -> list:
        return list({o.batch_id: o.batch for o in self.orders}.values())


def _model(label: str):
    return apps.get_model(label)


def proposal_story(proposal, *, approval=None) -> Story:
    """Everything the proposal and approval pages link to; `approval` when the caller has it.
    Ten queries at most, whatever the number of versions, steps, orders or fills."""
    story = Story()
    story.versions = list(
        Proposal.objects.filter(account_id=proposal.account_id)
        .only("pk", "version", "status", "as_of", "account_id")
        .order_by("-version")[:50]
    )
    if approval is None:
        approval = _model("approvals.Approval").objects.filter(proposal_id=proposal.pk).first()
    story.approval = approval
    if approval is not None:
        story.steps = list(
            _model("approvals.ApprovalStep")
            .objects.filter(approval_id=approval.pk)
            .select_related("actor")
            .order_by("position")
        )
        story.signature = _model("approvals.Signature").objects.filter(approval=approval).first()
    story.orders = list(
        _model("trading.Order")
        .objects.filter(proposal_id=proposal.pk)
        .select_related("batch", "security")
        .order_by("pk")
    )
    blocks = {o.block_id for o in story.orders if o.block_id}
    if blocks:
        story.fills = list(
            _model("trading.Fill")
            .objects.filter(block_id__in=blocks)
            .select_related("block__security")
            .order_by("received_at", "pk")
        )
    story.confirmations = list(
        _model("notifications.OutboundMessage")
        .objects.filter(proposal_id=proposal.pk, kind__in=CONFIRMATION_KINDS)
        .only("pk", "kind", "recipient", "status", "created_at", "sent_at", "subject")
        .order_by("pk")
    )
    story.confirmation_owed = (
        _model("trading.TradeConfirmationPending").objects.filter(proposal_id=proposal.pk).first()
    )
    story.held = (
        _model("trading.ProposalHold")
        .objects.filter(proposal_id=proposal.pk, released_at__isnull=True)
        .select_related("held_by__user")
        .first()
    )
    story.timeline = proposal_timeline(proposal, approval.pk if approval else None)
    return story
