"""What an examiner asks for about one proposal: every version for its account with trades,
compliance checks and reviews, approvals with steps, votes and signatures, orders and fills,
and the audit entries about any of those proposals or approvals. A fixed number of queries;
runs inside the firm's scope (another firm's rows do not exist here)."""

from approvals.models import Approval, ApprovalStep, CommitteeVote, Signature
from compliance.models import CheckResult, ComplianceReview
from drift.choices import ProposalStatus
from drift.models import Proposal, ProposalTrade
from drift.selectors.timeline import SLACK, event_label, proposal_life_entries
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
    audit = proposal_life_entries(
        proposal_ids=ids,
        approval_ids=approval_ids,
        since=min(versions.values_list("created_at", flat=True)) - SLACK,
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
        "audit": [_audit_row(e, set(ids)) for e in audit],
    }


def _audit_row(e: AuditEntry, ids: set[int]) -> dict:
    """The entry as chained (verify_audit rechecks these fields) and what it says in words."""
    listed = [i for i in (e.payload or {}).get("ids") or [] if i in ids]
    mine = int(e.object_id) if e.object_type == "Proposal" else (listed[0] if listed else None)
    what, detail = event_label(e, mine)
    return {
        "seq": e.seq,
        "created_at": e.created_at,
        "actor_label": e.actor_label,
        "event": e.event,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "payload": e.payload,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
        "what": what,
        "detail": detail,
    }


def signed_pdfs(proposal: Proposal):
    """(version, file field) of every stored signed PDF of the account's proposal versions."""
    qs = Signature.objects.filter(
        approval__proposal__account_id=proposal.account_id
    ).select_related("approval")
    return [(s.approval.version, s.approval.proposal_id, s.pdf) for s in qs if s.pdf]


STATUS_LABELS = dict(ProposalStatus.choices)


def evidence_summary_facts(proposal: Proposal, data: dict) -> dict:
    """The examiner's one-page summary: who (firm, client, adviser), each version with its
    compliance outcome, approval chain, signature and orders, and the life's key events (the
    audit rows of `data`, as evidence_collect read them). Five queries."""
    account = (
        type(proposal.account)
        .objects.select_related("client", "advisor__user", "firm")
        .get(pk=proposal.account_id)
    )
    ids = [p["id"] for p in data["proposals"]]
    reviews = {
        r.proposal_id: r
        for r in ComplianceReview.objects.filter(proposal_id__in=ids).select_related(
            "officer__user"
        )
    }
    approvals = {
        a.proposal_id: a
        for a in Approval.objects.filter(proposal_id__in=ids).prefetch_related("steps__actor")
    }
    signatures = {
        s.approval.proposal_id: s
        for s in Signature.objects.filter(approval__proposal_id__in=ids).select_related("approval")
    }
    orders: dict[int, list] = {}
    for o in data["orders"]["orders"]:
        orders.setdefault(o["proposal_id"], []).append(o)
    versions = []
    for p in data["proposals"]:
        mine = orders.get(p["id"], [])
        versions.append(
            {
                "p": p,
                "status": STATUS_LABELS.get(p["status"], p["status"]),
                "review": reviews.get(p["id"]),
                "approval": approvals.get(p["id"]),
                "signature": signatures.get(p["id"]),
                "orders": len(mine),
                "filled": sum(1 for o in mine if o["status"] == "filled"),
                "requested": p["id"] == proposal.pk,
            }
        )
    return {
        "firm": account.firm,
        "account": account,
        "versions": versions,
        "events": data["audit"],
    }
