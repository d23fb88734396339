"""Every email the approvals app sends goes through here (one place wired to notifications).

notifications.services.notification_enqueue writes an outbox row in the caller's transaction;
a worker sends it after commit, once per (proposal version, kind, recipient[, suffix])."""

from firms.models import Firm

PROPOSAL, REMINDER, ESCALATION = "proposal", "reminder", "escalation"
REPLACED, ADVISOR_DECISION = "proposal_replaced", "advisor_decision"
WITHDRAWN = "proposal_withdrawn"
# What the advisor reads (subject and dashboard) about a client's decision or a lapsed window.
ADVISOR_OUTCOME = {
    "declined": "declined by the client",
    "expired": "expired without the client's decision",
}
DECISION = {
    "approved": "decision_approved",
    "declined": "decision_declined",
    "expired": "decision_expired",
}


def _deliver(*, kind: str, approval, to: str, link: str = "", extra: dict | None = None) -> None:
    """Queue one email in the notifications outbox (same transaction; sent after commit).
    A portal link is stored as a placeholder plus the token's hash; the sender rebuilds it."""
    from notifications.services.messages import NotificationRequest, notification_enqueue
    from notifications.services.redaction import PORTAL_LINK_PLACEHOLDER, secret_ref

    from .links import token_hash

    firm = Firm.objects.get(pk=approval.firm_id)
    path, ref = "", ""
    if link:
        token = link.rstrip("/").rsplit("/", 1)[1]
        path, ref = PORTAL_LINK_PLACEHOLDER, secret_ref("portal_link", token_hash(token))
    extra = extra or {}
    notification_enqueue(
        firm=firm,
        request=NotificationRequest(
            kind=kind,
            recipient=to,
            proposal=approval.proposal,
            portal_path=path,
            deadline=approval.deadline,
            decision=extra.get("outcome", ""),
            reason=extra.get("reason", ""),
            dedupe_suffix=extra.get("suffix", ""),
            secret_ref=ref,
        ),
    )


def proposal_ready(*, approval, client, link: str) -> None:
    _deliver(kind=PROPOSAL, approval=approval, to=client.email, link=link)


def proposals_ready_prepare(*, firm, approvals) -> dict[int, object]:
    """proposal_ready for many new approvals (not yet saved), rendered only: proposal id → the
    prepared email. Call it before the transaction that writes them (proposals_ready_write)."""
    from notifications.services.messages import NotificationRequest, notifications_prepare
    from notifications.services.redaction import PORTAL_LINK_PLACEHOLDER

    prepared = notifications_prepare(
        firm=firm,
        requests=[
            NotificationRequest(
                kind=PROPOSAL,
                recipient=a.proposal.account.client.email,
                proposal=a.proposal,
                portal_path=PORTAL_LINK_PLACEHOLDER,
                deadline=a.deadline,
            )
            for a in approvals
        ],
    )
    return {m.proposal.pk: m for m in prepared}


def proposals_ready_write(*, firm, approvals, links: dict[int, str], prepared: dict) -> None:
    """Write the prepared emails of `approvals` (now saved; `links`: approval id → portal URL)
    to the outbox in one statement, each carrying its link's reference (the link itself is
    inserted when sent)."""
    import dataclasses

    from notifications.services.messages import outbound_messages_insert
    from notifications.services.redaction import secret_ref

    from .links import token_hash

    def ref(approval) -> str:
        token = links[approval.pk].rstrip("/").rsplit("/", 1)[1]
        return secret_ref("portal_link", token_hash(token))

    outbound_messages_insert(
        firm=firm,
        prepared=[
            dataclasses.replace(prepared[a.proposal_id], secret_ref=ref(a)) for a in approvals
        ],
    )


def reminder(*, approval, client, link: str) -> None:
    _deliver(kind=REMINDER, approval=approval, to=client.email, link=link)


def escalation(*, approval, advisor_email: str) -> None:
    _deliver(
        kind=ESCALATION,
        approval=approval,
        to=advisor_email,
        extra={"suffix": f"approval{approval.pk}"},
    )


def decision_receipt(*, approval, client, outcome: str) -> None:
    _deliver(kind=DECISION[outcome], approval=approval, to=client.email, extra={"outcome": outcome})


def advisor_decision(*, approval, outcome: str, reason: str = "") -> None:
    """The account's advisor hears of a decline or an expiry (email, and the approvals
    dashboard lists these outbox rows). No advisor on the account: nobody to tell."""
    advisor = approval.proposal.account.advisor
    if advisor is not None:
        _deliver(
            kind=ADVISOR_DECISION,
            approval=approval,
            to=advisor.user.email,
            extra={
                "outcome": ADVISOR_OUTCOME[outcome],
                "reason": reason,
                "suffix": f"approval{approval.pk}",
            },
        )


def replaced(*, approval, to: str, acted: str, withdrawn: bool = False) -> None:
    """A newer version replaced this approval's proposal (or, `withdrawn`, compliance took it
    back for another review). `acted`: "approved" or "were asked to review"."""
    _deliver(
        kind=WITHDRAWN if withdrawn else REPLACED,
        approval=approval,
        to=to,
        extra={"outcome": acted, "suffix": f"approval{approval.pk}"},
    )


def proposal_link_resent(*, approval, client, link: str, nth: int) -> None:
    """The proposal email again, with a fresh link (staff's "resend the link"): its own outbox
    row per resend (suffix), not deduplicated against the first email."""
    _deliver(
        kind=PROPOSAL,
        approval=approval,
        to=client.email,
        link=link,
        extra={"suffix": f"resend{nth}"},
    )
