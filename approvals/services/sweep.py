"""The periodic sweep of one firm (every minute): void replaced versions, route checked
proposals, send each 50% reminder once, apply the firm's policy at each deadline, and render
signed PDFs that failed in the request.
Safe to run twice or concurrently: reminders are claimed with a conditional UPDATE and
every transition is a no-op when repeated."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from ..choices import ApprovalStatus, ExpiryPolicy, StepRole, StepStatus
from ..models import Approval
from ..selectors import approval_settings_get
from . import notify
from .common import ApprovalRefused
from .expiry import (
    approval_escalate,
    approval_expire,
    approvals_void_superseded,
    approvals_void_withdrawn,
)
from .links import portal_links_issue
from .signed_pdf import signature_pdfs_retry
from .start import approvals_start

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    voided: list[int] = field(default_factory=list)
    routed: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    pdfs: list[int] = field(default_factory=list)


def _reminders_claim(now: datetime) -> list[Approval]:
    """Claim due reminders: only the sweep whose UPDATE sets reminder_sent_at sends them."""
    with transaction.atomic():
        due = list(
            Approval.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(
                status=ApprovalStatus.PENDING,
                reminder_sent_at__isnull=True,
                reminder_at__lte=now,
                deadline__gt=now,
            )
            .values_list("pk", flat=True)
        )
        claimed = Approval.objects.filter(pk__in=due, reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        )
        if not claimed:
            return []
        return list(Approval.objects.filter(pk__in=due).select_related("proposal__account__client"))


def _remind(now: datetime) -> list[int]:
    """Remind the client when the client step is the one waiting (internal steps have queues)."""
    approvals = _reminders_claim(now)
    client_waiting = set(
        Approval.objects.filter(
            pk__in=[a.pk for a in approvals],
            steps__role=StepRole.CLIENT,
            steps__status=StepStatus.ACTIVE,
        ).values_list("pk", flat=True)
    )
    to_client = [a for a in approvals if a.pk in client_waiting]
    with transaction.atomic():
        urls = portal_links_issue(approvals=to_client, now=now)
        for a in to_client:
            notify.reminder(approval=a, client=a.proposal.account.client, link=urls[a.pk])
    return [a.pk for a in approvals]


def _deadlines(firm_id: int, now: datetime, report: SweepReport) -> None:
    policy = approval_settings_get(firm_id=firm_id).expiry_policy
    due = Approval.objects.filter(status=ApprovalStatus.PENDING, deadline__lte=now)
    if policy == ExpiryPolicy.ESCALATE:
        due = due.filter(escalated_at__isnull=True)
    act, bucket = (
        (approval_escalate, report.escalated)
        if policy == ExpiryPolicy.ESCALATE
        else (approval_expire, report.expired)
    )
    for approval_id in due.order_by("deadline").values_list("pk", flat=True)[:500]:
        try:
            if act(approval_id=approval_id, now=now).changed:
                bucket.append(approval_id)
        except ApprovalRefused as exc:  # decided between the query and the lock
            log.info("approval %s: %s", approval_id, exc)


def approvals_sweep(*, firm_id: int, now: datetime, render_pdfs: bool = True) -> SweepReport:
    """Run inside the firm's scope (FirmTask does). `render_pdfs=False` leaves the missing
    signed PDFs to their tasks and a later sweep (the demo's history does, see
    portal.services.demo_history)."""
    report = SweepReport()
    report.voided = approvals_void_superseded(firm_id=firm_id, now=now) + approvals_void_withdrawn(
        firm_id=firm_id, now=now
    )
    report.routed = approvals_start(firm_id=firm_id, now=now)
    report.reminded = _remind(now)
    _deadlines(firm_id, now, report)
    if render_pdfs:
        report.pdfs = signature_pdfs_retry(now=now)
    return report
