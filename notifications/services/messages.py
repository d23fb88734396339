"""Rendering email and writing it to the outbox; sending is services.outbox.

How other stages send email — call inside the firm's scope, in the same transaction as the
change that causes the email; the message row commits with it and is sent after commit:

    from notifications.choices import Kind
    from notifications.services.messages import NotificationRequest, notification_enqueue

    # approvals: the proposal email, a reminder, an escalation, a decision receipt
    notification_enqueue(firm=firm, request=NotificationRequest(
        kind=Kind.PROPOSAL, recipient=client.email, proposal=proposal,
        portal_path=signed_path, deadline=step.deadline))
    notification_enqueue(firm=firm, request=NotificationRequest(
        kind=Kind.ESCALATION, recipient=senior.user.email, proposal=proposal,
        deadline=step.deadline, dedupe_suffix=f"step{step.pk}"))

    # trading: right when fills are recorded ("within 15 minutes" = enqueue now)
    notification_enqueue(firm=firm, request=NotificationRequest(
        kind=Kind.PARTIAL_FILL_NOTICE, recipient=client.email, proposal=proposal,
        filled=(TradeLine("buy", "BND", "Bond ETF", qty, value),),
        not_filled=(("VTI", "Sell", "Rejected by custodian"),)))

The message is unique per (proposal id, version, content hash, kind, recipient[, suffix]):
calling it again — a re-run sweep, a redelivered task — returns the existing row and sends
nothing new. `portal_path` is a path; the link is settings.SITE_URL + path, never Host.
A bearer link is never passed as `portal_path`: pass redaction.PORTAL_LINK_PLACEHOLDER and
`secret_ref` (approvals.services.notify does), and the sender inserts the link at send time.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from django.utils import timezone

from core.pgcopy import insert_model_rows
from firms.models import Firm, Membership
from firms.tasks import enqueue_after_commit

from ..choices import MessageStatus
from ..models import OutboundMessage
from ..selectors import proposal_facts, proposals_facts, template_for
from ..templating.context import Facts, merge_context
from ..templating.rendering import RenderedEmail, email_render
from ..templating.samples import sample_facts


def reminder_due(started_at: datetime, deadline: datetime, now: datetime) -> bool:
    """True once half of the approval window has passed, until the deadline itself (after
    that the proposal expires; no reminder). Pure: the approvals sweep keeps the same rule
    with its own clock (approvals.calc.deadlines.reminder_time)."""
    if deadline <= started_at:
        return False
    return started_at + (deadline - started_at) / 2 <= now < deadline


def notification_render(*, firm: Firm, kind: str, facts: Facts, template=None) -> RenderedEmail:
    return email_render(
        template or template_for(kind),
        merge_context(facts),
        firm_name=firm.name,
        brand_color=firm.brand_color,
    )


def _dedupe_key(kind: str, recipient: str, proposal, suffix: str) -> str:
    base = (
        f"p{proposal.pk}:v{proposal.version}:{proposal.content_hash[:16]}"
        f":{kind}:{recipient.lower()}"
    )
    return f"{base}:{suffix}" if suffix else base


def outbound_message_insert(
    *,
    firm: Firm,
    kind: str,
    recipient: str,
    email: RenderedEmail,
    dedupe_key: str,
    proposal=None,
    secret_ref: str = "",
) -> OutboundMessage:
    """INSERT … ON CONFLICT DO NOTHING on (firm, dedupe_key); then send after commit."""
    row = OutboundMessage(
        firm=firm,
        kind=kind,
        recipient=recipient,
        subject=email.subject,
        body_html=email.html,
        body_text=email.text,
        dedupe_key=dedupe_key,
        secret_ref=secret_ref,
        proposal=proposal,
        proposal_version=getattr(proposal, "version", None),
        proposal_hash=getattr(proposal, "content_hash", ""),
    )
    OutboundMessage.objects.bulk_create([row], ignore_conflicts=True)
    message = OutboundMessage.objects.get(dedupe_key=dedupe_key)
    if message.status == MessageStatus.PENDING:
        from ..tasks import outbound_message_send_task

        enqueue_after_commit(outbound_message_send_task, firm_id=firm.pk, message_id=message.pk)
    return message


@dataclass(frozen=True)
class NotificationRequest:
    """One email about one proposal for one recipient: what it says beyond the proposal itself
    (its portal link, deadline, decision and the client's reason, fills), and the suffix that
    makes it unique when one proposal sends the same kind twice to one person."""

    kind: str
    recipient: str
    proposal: object  # drift.models.Proposal
    portal_path: str = ""
    deadline: datetime | None = None
    decision: str = ""
    reason: str = ""
    filled: tuple = ()
    not_filled: tuple = ()
    dedupe_suffix: str = ""
    secret_ref: str = ""


def notification_enqueue(*, firm: Firm, request: NotificationRequest) -> OutboundMessage:
    """Render this kind of email about `proposal` for `recipient` and queue it (idempotent)."""
    r = request
    facts = proposal_facts(
        r.proposal,
        firm_name=firm.name,
        portal_path=r.portal_path,
        deadline=r.deadline,
        decision=r.decision,
        reason=r.reason,
        filled=tuple(r.filled),
        not_filled=tuple(r.not_filled),
    )
    email = notification_render(firm=firm, kind=r.kind, facts=facts)
    return outbound_message_insert(
        firm=firm,
        kind=r.kind,
        recipient=r.recipient,
        email=email,
        proposal=r.proposal,
        dedupe_key=_dedupe_key(r.kind, r.recipient, r.proposal, r.dedupe_suffix),
        secret_ref=r.secret_ref,
    )


@dataclass(frozen=True)
class PreparedMessage:
    """One email rendered ahead of the transaction that writes it (notifications_prepare)."""

    kind: str
    recipient: str
    proposal: object
    email: RenderedEmail
    dedupe_key: str
    secret_ref: str = ""


def notifications_prepare(*, firm: Firm, requests: list[NotificationRequest]) -> list:
    """Render many proposal emails (as notification_enqueue would, one template read per kind
    and one read of all their proposals' trades) without writing anything: call it before the
    transaction that claims the proposals, then write with outbound_messages_insert. The
    proposals must come with account__client and account__advisor__user loaded."""
    if not requests:
        return []
    facts = proposals_facts(
        [r.proposal for r in requests],
        firm_name=firm.name,
        more={
            r.proposal.pk: {
                "portal_path": r.portal_path,
                "deadline": r.deadline,
                "decision": r.decision,
                "reason": r.reason,
                "filled": tuple(r.filled),
                "not_filled": tuple(r.not_filled),
            }
            for r in requests
        },
    )
    templates = {kind: template_for(kind) for kind in {r.kind for r in requests}}
    return [
        PreparedMessage(
            kind=r.kind,
            recipient=r.recipient,
            proposal=r.proposal,
            email=notification_render(
                firm=firm, kind=r.kind, facts=facts[r.proposal.pk], template=templates[r.kind]
            ),
            dedupe_key=_dedupe_key(r.kind, r.recipient, r.proposal, r.dedupe_suffix),
            secret_ref=r.secret_ref,
        )
        for r in requests
    ]


def outbound_messages_insert(*, firm: Firm, prepared: list[PreparedMessage]) -> list[int]:
    """outbound_message_insert for many prepared messages: one INSERT … ON CONFLICT DO NOTHING
    and one read of the rows by dedupe key (a message already there is left as it is); each
    pending one is sent after commit. Returns the messages' ids."""
    if not prepared:
        return []
    now = timezone.now()
    insert_model_rows(
        OutboundMessage,
        firm.pk,
        pd.DataFrame(
            {
                "kind": [m.kind for m in prepared],
                "recipient": [m.recipient for m in prepared],
                "subject": [m.email.subject for m in prepared],
                "body_html": [m.email.html for m in prepared],
                "body_text": [m.email.text for m in prepared],
                "dedupe_key": [m.dedupe_key for m in prepared],
                "secret_ref": [m.secret_ref for m in prepared],
                "proposal": pd.array([getattr(m.proposal, "pk", None) for m in prepared], "Int64"),
                "proposal_version": pd.array(
                    [getattr(m.proposal, "version", None) for m in prepared], "Int64"
                ),
                "proposal_hash": [getattr(m.proposal, "content_hash", "") for m in prepared],
                "next_attempt_at": now,
                "created_at": now,
            }
        ),
        conflict=["dedupe_key"],
    )
    rows = list(
        OutboundMessage.objects.filter(dedupe_key__in=[m.dedupe_key for m in prepared])
        .order_by("pk")
        .values_list("pk", "status")
    )
    from ..tasks import outbound_message_send_task

    for pk, status in rows:
        if status == MessageStatus.PENDING:
            enqueue_after_commit(outbound_message_send_task, firm_id=firm.pk, message_id=pk)
    return [pk for pk, _status in rows]


def notification_test_send(
    *, firm: Firm, member: Membership, kind: str, scenario: str, template=None
) -> OutboundMessage:
    """ "Send me a test": the (draft) template with a sample scenario, to the member's own
    address."""
    email = notification_render(
        firm=firm, kind=kind, facts=sample_facts(scenario, firm_name=firm.name), template=template
    )
    email = RenderedEmail(f"[Test] {email.subject}"[:300], email.html, email.text)
    return outbound_message_insert(
        firm=firm,
        kind=kind,
        recipient=member.user.email,
        email=email,
        dedupe_key=f"test:{uuid.uuid4().hex}",  # a test is never a duplicate
    )
