"""The client's decision: approve the whole proposal with an e-signature, or decline it."""

from dataclasses import dataclass, replace
from datetime import datetime

from django.db import transaction

from firms.services.audit import audit_record
from firms.tasks import enqueue_after_commit

from ..calc.consent import CONSENT_VERSION, consent_sha256
from ..choices import ApprovalStatus, AuthMethod, StepRole, StepStatus
from ..models import Approval, Signature
from ..tasks import approvals_signature_pdf
from . import notify
from .common import ApprovalRefused, Result, locked_approval, refuse_closed, when
from .finish import approval_close
from .signing import signing_code_required, signing_code_use


@dataclass(frozen=True)
class Evidence:
    """How the signer showed intent and who they were (UETA §9 attribution)."""

    typed_name: str
    ip_address: str
    user_agent: str
    auth_method: str
    shown_hash: str  # the content hash on the page the client signed
    signing_code: str = ""  # the one-time code typed in, where the firm asks for one


def _client_step(approval, user):
    if approval.proposal.account.client.user_id != user.pk:
        raise ApprovalRefused("This proposal is not for your accounts.")
    step = approval.steps.filter(role=StepRole.CLIENT).first()
    if step is None:
        raise ApprovalRefused("This proposal does not ask for a client decision.")
    return step


def _open_client_step(approval, user, now):
    step = _client_step(approval, user)
    refuse_closed(approval, now)
    if step.status != StepStatus.ACTIVE:
        raise ApprovalRefused(
            "Your advisor's review of this proposal is not finished yet; you will get an email "
            "when it is."
        )
    return step


def _fresh_proof(approval_id: int, user, evidence: Evidence, now: datetime) -> Evidence:
    """A link alone does not sign where the firm asks for a one-time code: the code is used up
    here (its own transaction, so wrong tries count) and the signature records both."""
    if evidence.auth_method != AuthMethod.LINK:
        return evidence
    row = Approval.objects.filter(pk=approval_id).values("firm_id", "status").first()
    if (
        row is None
        or row["status"] != ApprovalStatus.PENDING
        or not signing_code_required(firm_id=row["firm_id"])
    ):
        return evidence
    signing_code_use(approval_id=approval_id, user=user, entered=evidence.signing_code, now=now)
    return replace(evidence, auth_method=AuthMethod.LINK_CODE)


def approval_client_approve(*, approval_id: int, user, evidence: Evidence, now: datetime) -> Result:
    evidence = _fresh_proof(approval_id, user, evidence, now)
    with transaction.atomic():
        approval = locked_approval(approval_id)
        if approval.status == ApprovalStatus.APPROVED:
            _client_step(approval, user)
            return Result(
                approval,
                False,
                f"You already approved this proposal on {when(approval.decided_at)}; nothing "
                "changed.",
            )
        step = _open_client_step(approval, user, now)
        if evidence.shown_hash != approval.content_hash:
            raise ApprovalRefused(
                "The proposal changed after you opened it; nothing was signed. Please review it "
                "again."
            )
        signature = Signature.objects.create(
            firm_id=approval.firm_id,
            approval=approval,
            client=approval.proposal.account.client,
            signer=user,
            typed_name=evidence.typed_name,
            signed_at=now,
            ip_address=evidence.ip_address,
            user_agent=evidence.user_agent[:1000],
            auth_method=evidence.auth_method,
            consent_version=CONSENT_VERSION,
            consent_sha256=consent_sha256(),
            content_hash=approval.content_hash,
            pdf_sha256="",
        )
        step.status, step.actor, step.acted_at, step.comment = (
            StepStatus.APPROVED,
            user,
            now,
            "e-signed",
        )
        step.save(update_fields=["status", "actor", "acted_at", "comment"])
        audit_record(
            firm_id=approval.firm_id,
            event="approval.signed",
            actor=user,
            obj=signature,
            payload={
                "approval": approval.pk,
                "hash": approval.content_hash,
                "ip": evidence.ip_address,
                "auth": evidence.auth_method,
                "consent": CONSENT_VERSION,
            },
        )
        approval_close(approval=approval, status=ApprovalStatus.APPROVED, now=now, actor=user)
        notify.decision_receipt(
            approval=approval, client=approval.proposal.account.client, outcome="approved"
        )
        # The signed PDF is rendered in a worker after commit (0.3-2 s of weasyprint the
        # client's request does not wait for); the approvals sweep renders any it missed.
        enqueue_after_commit(
            approvals_signature_pdf, firm_id=approval.firm_id, signature_id=signature.pk
        )
    return Result(
        approval,
        True,
        "Thank you: you approved the proposal. Your signed copy (PDF) will be ready below in a "
        "few seconds.",
    )


def approval_client_decline(*, approval_id: int, user, reason: str, now: datetime) -> Result:
    with transaction.atomic():
        approval = locked_approval(approval_id)
        if approval.status == ApprovalStatus.DECLINED:
            _client_step(approval, user)
            return Result(approval, False, "You already declined this proposal; nothing changed.")
        step = _open_client_step(approval, user, now)
        step.status, step.actor, step.acted_at, step.comment = (
            StepStatus.DECLINED,
            user,
            now,
            reason,
        )
        step.save(update_fields=["status", "actor", "acted_at", "comment"])
        approval_close(
            approval=approval, status=ApprovalStatus.DECLINED, now=now, actor=user, reason=reason
        )
        notify.decision_receipt(
            approval=approval, client=approval.proposal.account.client, outcome="declined"
        )
        notify.advisor_decision(approval=approval, outcome="declined", reason=reason)
    return Result(
        approval,
        True,
        "You declined the proposal. Nothing will be traded; your advisor has been told.",
    )
