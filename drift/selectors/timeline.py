"""A proposal's life from the audit log: creation, compliance checks and overrides, routing,
each decision, signature, orders and fills (the status moves the batch records), holds.

`proposal_life_entries` is the one read both the proposal page's timeline and the examiner's
evidence pack use (reporting.selectors.evidence): a single query over the firm's audit chain,
bounded below by the first proposal's creation time (the (firm, event, created_at) index).
Later stages' events are matched by name and payload only: nothing here imports them."""

from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from core.formatting import day
from firms.models import AuditEntry

# Bulk entries name their proposals (or approvals) in a payload list; one entry per call.
_BY_PROPOSAL_LIST = {
    "compliance.checked": "ids",
    "compliance.rechecked": "ids",
    "proposals.rebuilt": "built",
    "trading.reconsent": "proposals",
}
_BY_APPROVAL_LIST = {"approvals.started": "approvals", "approval.void": "ids"}


def _any(field: str, values: list[int]) -> Q:
    return reduce(or_, (Q(**{f"payload__{field}__contains": [v]}) for v in values), Q(pk__in=[]))


def proposal_life_entries(
    *, proposal_ids: list[int], approval_ids: list[int], since: datetime
) -> QuerySet:
    """Every audit entry about these proposals or their approvals, oldest first (one query)."""
    p_ids, a_ids = [str(i) for i in proposal_ids], [str(i) for i in approval_ids]
    about = Q(object_type="Proposal", object_id__in=p_ids) | Q(
        object_type="Approval", object_id__in=a_ids
    )
    # A lifecycle move of many proposals (a batch queues hundreds) names them in "ids".
    about |= Q(event__startswith="proposal.", object_id="") & _any("ids", proposal_ids)
    for event, field in _BY_PROPOSAL_LIST.items():
        about |= Q(event=event) & _any(field, proposal_ids)
    for event, field in _BY_APPROVAL_LIST.items():
        about |= Q(event=event) & _any(field, approval_ids)
    # Steps, votes, documents, signing codes and the signature name their approval.
    about |= Q(event__startswith="approval.", payload__approval__in=approval_ids or [0])
    # The scan writes one entry per run naming the range of proposal ids it created.
    about |= reduce(
        or_,
        (
            Q(event="proposals.created", payload__first_id__lte=i, payload__last_id__gte=i)
            for i in proposal_ids
        ),
        Q(pk__in=[]),
    )
    return (
        AuditEntry.objects.filter(about, created_at__gte=since).select_related(None).order_by("seq")
    )


_STEP_ROLES = {
    "advisor": "Advisor pre-approval",
    "senior_advisor": "Senior advisor review",
    "committee": "Committee approval",
    "client": "Client consent",
}
_STATUS_WORDS = {
    "checked": "Cleared by compliance",
    "flagged": "Flagged for a compliance officer",
    "blocked": "Blocked by compliance",
    "awaiting_approval": "Sent for approval",
    "approved": "Approved",
    "declined": "Declined",
    "expired": "Expired: nobody decided in time",
    "queued": "Orders written for the trade batch",
    "submitted": "Orders sent to the custodian",
    "executed": "Filled in full",
    "partially_executed": "Partly filled",
    "failed": "Not filled",
    "superseded": "Replaced by a newer version",
}


_APPROVAL_ENDS = {
    "approval.approved": "Approval complete: every step approved",
    "approval.declined": "Approval declined",
    "approval.expired": "Approval window closed: expired",
}


def _outcome(e: AuditEntry, pid: int) -> str:
    outcome = (e.payload.get("outcomes") or {}).get(str(pid), "")
    failed = (e.payload.get("failed") or {}).get(str(pid))
    word = {"clear": "all rules pass", "flagged": "flagged", "blocked": "blocked"}.get(
        outcome, outcome
    )
    return f"{word}" + (f" (failing: {failed.replace('_', ' ')})" if failed else "")


def event_label(e: AuditEntry, proposal_id: int | None = None) -> tuple[str, str]:
    """(what happened, detail) in words for one entry of a proposal's life."""
    p, ev = e.payload or {}, e.event
    if ev == "proposals.created":
        return (
            "Proposal created",
            f"by the {p.get('source', 'scan')} run on prices of "
            f"{day(p['as_of']) if p.get('as_of') else 'the day'}",
        )
    if ev == "proposals.rebuilt":
        return "Proposal rebuilt", "on newer prices"
    if ev == "compliance.checked":
        return "Compliance checks ran", _outcome(e, proposal_id) if proposal_id else ""
    if ev == "compliance.rechecked":
        return "Compliance checks ran again", _outcome(e, proposal_id) if proposal_id else ""
    if ev == "compliance.override":
        return "Compliance override", f"“{p.get('reason', '')}”"
    if ev == "compliance.reject":
        return "Rejected by compliance", f"“{p.get('reason', '')}”"
    if ev == "compliance.regenerated":
        return "New version made with the suggested substitute", ""
    if ev == "approvals.started":
        return "Routed for approval", ", ".join(p.get("tiers", []))
    if ev == "approval.step_approved":
        return f"{_STEP_ROLES.get(p.get('role'), 'Step')} approved", (
            f"“{p['comment']}”" if p.get("comment") else ""
        )
    if ev == "approval.committee_vote":
        return "Committee vote: approve", f"“{p['comment']}”" if p.get("comment") else ""
    if ev == "approval.committee_document":
        return "Committee documentation attached", ""
    if ev == "approval.signing_code_sent":
        return "Signing code emailed to the client", ""
    if ev == "approval.signing_code_wrong":
        return "Wrong signing code entered", ""
    if ev == "approval.signed":
        return "Signed by the client (e-signature)", f"consent version {p.get('consent', '')}"
    if ev == "approval.escalated":
        return "Approval window closed: escalated to the advisor", ""
    if ev == "approval.void":
        return "Approval void", p.get("reason", "")
    if ev in _APPROVAL_ENDS:
        return _APPROVAL_ENDS[ev], p.get("reason", "") or ""
    if ev.startswith("proposal."):
        to = ev.split(".", 1)[1]
        return _STATUS_WORDS.get(to, to.replace("_", " ").capitalize()), p.get("reason", "")
    if ev == "trading.proposal_held":
        return "Held back from the trade batch", f"“{p.get('reason', '')}”"
    if ev == "trading.proposal_released":
        return "Released to the next trade batch", ""
    if ev == "trading.reconsent":
        return "Sent back to the client: prices moved", ""
    if ev == "reporting.evidence_downloaded":
        return "Evidence pack downloaded", ""
    return ev.replace(".", ": ").replace("_", " "), ""


SLACK = timedelta(minutes=5)  # the scan's entry may be stamped just before its rows


def proposal_timeline(proposal, approval_id: int | None) -> list[dict]:
    """The proposal page's timeline: one query, oldest first; times are aware (UTC) and the
    page shows them in the firm's time zone."""
    entries = proposal_life_entries(
        proposal_ids=[proposal.pk],
        approval_ids=[approval_id] if approval_id else [],
        since=proposal.created_at - SLACK,
    )
    rows = []
    for e in entries:
        what, detail = event_label(e, proposal.pk)
        rows.append(
            {"at": e.created_at, "what": what, "detail": detail, "who": e.actor_label, "seq": e.seq}
        )
    return rows
