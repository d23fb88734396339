"""What an examiner asks for about one proposal: every version for its account with trades,
compliance checks and reviews, approvals with steps, votes and signatures, orders and fills,
and the audit entries about any of those proposals or approvals. A fixed number of queries;
runs inside the firm's scope (another firm's rows do not exist here)."""

from functools import reduce
from operator import or_

from django.db.models import Q

from approvals.models import Approval, ApprovalStep, CommitteeVote, Signature
from compliance.models import CheckResult, ComplianceReview
from drift.models import Proposal, ProposalTrade
from firms.models import AuditEntry
from trading.models import Fill, Order


def _rows(qs, *fields) -> list[dict]:
    return list(qs.values(*fields))


def evidence_collect(proposal: Proposal) -> dict:
    versions = Proposal.objects.filter(account_id=proposal.account_id).order_by("version")
    ids = list(versions.values_list("id", flat=True))
    trades = _rows(ProposalTrade.objects.filter(proposal_id__in=ids).order_by("proposal_id", "id"))
    props = [
        {**p, "trades": [t for t in trades if t["proposal_id"] == p["id"]]} for p in _rows(versions)
    ]
    approvals = Approval.objects.filter(proposal_id__in=ids)
    approval_ids = list(approvals.values_list("id", flat=True))
    orders = Order.objects.filter(proposal_id__in=ids).order_by("id")
    block_ids = {b for b in orders.values_list("block_id", flat=True) if b}
    # A bulk lifecycle move (a batch queues a thousand proposals) names its proposals in "ids".
    moved = Q(event__startswith="proposal.", object_id="")
    audit = (
        AuditEntry.objects.filter(object_type="Proposal", object_id__in=[str(i) for i in ids])
        | AuditEntry.objects.filter(
            object_type="Approval", object_id__in=[str(i) for i in approval_ids]
        )
        | AuditEntry.objects.filter(
            moved & reduce(or_, (Q(payload__ids__contains=[i]) for i in ids), Q(pk__in=[]))
        )
    )
    return {
        "account": {"id": proposal.account_id, "number": proposal.account.number},
        "requested_proposal": proposal.pk,
        "proposals": props,
        "compliance": {
            "checks": _rows(
                CheckResult.objects.filter(proposal_id__in=ids).order_by("proposal_id", "kind")
            ),
            "reviews": _rows(
                ComplianceReview.objects.filter(proposal_id__in=ids).order_by("proposal_id")
            ),
        },
        "approvals": {
            "approvals": _rows(approvals.order_by("id")),
            "steps": _rows(
                ApprovalStep.objects.filter(approval_id__in=approval_ids).order_by(
                    "approval_id", "position"
                )
            ),
            "votes": _rows(
                CommitteeVote.objects.filter(step__approval_id__in=approval_ids).order_by("id")
            ),
            "signatures": _rows(
                Signature.objects.filter(approval_id__in=approval_ids).order_by("id")
            ),
        },
        "orders": {
            "orders": _rows(orders),
            "fills": _rows(Fill.objects.filter(block_id__in=block_ids).order_by("id")),
        },
        "audit": _rows(
            audit.order_by("seq"),
            "seq",
            "created_at",
            "actor_label",
            "event",
            "object_type",
            "object_id",
            "payload",
            "prev_hash",
            "hash",
        ),
    }


def signed_pdfs(proposal: Proposal):
    """(version, file field) of every stored signed PDF of the account's proposal versions."""
    qs = Signature.objects.filter(
        approval__proposal__account_id=proposal.account_id
    ).select_related("approval")
    return [(s.approval.version, s.approval.proposal_id, s.pdf) for s in qs if s.pdf]
